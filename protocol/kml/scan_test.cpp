#include "kml/scan.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "kml/examples.hpp"
#include "kml/record_gen.hpp"

namespace izo::kml {
namespace {

struct Log {
  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> ends;  // offset after each record
};

Log make_log(const std::vector<Record>& records) {
  Log log;
  for (const auto& r : records) {
    EXPECT_TRUE(encode(r, log.bytes).ok());
    log.ends.push_back(log.bytes.size());
  }
  return log;
}

std::vector<std::uint64_t> forward_recnos(std::span<const std::uint8_t> b, ScanReport* out = nullptr) {
  std::vector<std::uint64_t> seen;
  auto rep = scan_forward(b, [&](const Frame& f) {
    seen.push_back(f.recno);
    return true;
  });
  if (out) *out = rep;
  return seen;
}

TEST(KmlScan, CleanLogIsWalkedInOrder) {
  const auto log = make_log(example_workload(40, 5));
  ScanReport rep;
  const auto seen = forward_recnos(log.bytes, &rep);
  EXPECT_EQ(rep.tail, Tail::clean);
  EXPECT_EQ(rep.records, 40u);
  EXPECT_EQ(rep.first_recno, 5u);
  EXPECT_EQ(rep.last_recno, 44u);
  EXPECT_EQ(rep.good_end, log.bytes.size());
  ASSERT_EQ(seen.size(), 40u);
  EXPECT_EQ(seen.front(), 5u);
  EXPECT_EQ(seen.back(), 44u);
}

TEST(KmlScan, EmptyLogIsClean) {
  const auto rep = scan_forward({});
  EXPECT_EQ(rep.tail, Tail::clean);
  EXPECT_EQ(rep.records, 0u);
  EXPECT_TRUE(rep.looks_like_kml);
}

// The crash test of the format: a log cut at any byte recovers exactly the
// records that were complete before the cut, and nothing else.
TEST(KmlScan, EveryTruncationPointRecoversExactlyTheCompleteRecordsBeforeIt) {
  const auto log = make_log(example_workload(2 * kOpCount, 1));
  for (std::size_t cut = 0; cut <= log.bytes.size(); ++cut) {
    ScanReport rep;
    const auto seen = forward_recnos(std::span(log.bytes).first(cut), &rep);
    const auto complete = static_cast<std::size_t>(
        std::upper_bound(log.ends.begin(), log.ends.end(), cut) - log.ends.begin());
    ASSERT_EQ(seen.size(), complete) << "cut at " << cut;
    for (std::size_t i = 0; i < complete; ++i) ASSERT_EQ(seen[i], i + 1);
    const std::size_t good_end = complete ? log.ends[complete - 1] : 0;
    ASSERT_EQ(rep.good_end, good_end) << "cut at " << cut;
    ASSERT_EQ(rep.tail, cut == good_end ? Tail::clean : Tail::torn) << "cut at " << cut;
    if (rep.tail == Tail::torn) {
      ASSERT_GE(rep.problem->offset, good_end);
    }
  }
}

TEST(KmlScan, ZeroFilledTailIsTornAndSaysSo) {
  auto log = make_log(example_workload(3, 1));
  const std::size_t end = log.bytes.size();
  log.bytes.resize(end + 4096, 0);
  const auto rep = scan_forward(log.bytes);
  EXPECT_EQ(rep.tail, Tail::torn);
  EXPECT_TRUE(rep.zero_filled);
  EXPECT_EQ(rep.good_end, end);
  EXPECT_EQ(rep.records, 3u);
  EXPECT_EQ(rep.problem->offset, end);
}

TEST(KmlScan, PartlyWrittenLastRecordIsTornNotZeroFilled) {
  auto log = make_log(example_workload(3, 1));
  log.bytes.resize(log.ends[1] + 100);
  const auto rep = scan_forward(log.bytes);
  EXPECT_EQ(rep.tail, Tail::torn);
  EXPECT_FALSE(rep.zero_filled);
  EXPECT_EQ(rep.records, 2u);
}

// Any single corrupted byte is noticed: the walk never yields a record whose
// bytes changed, and it stops at (or before) the damaged record.
TEST(KmlScan, SingleCorruptedByteAnywhereIsDetected) {
  const auto log = make_log(example_workload(kOpCount, 1));
  for (std::size_t i = 0; i < log.bytes.size(); ++i) {
    auto bad = log.bytes;
    bad[i] ^= 0x5A;
    ScanReport rep;
    const auto seen = forward_recnos(bad, &rep);
    const auto damaged = static_cast<std::size_t>(
        std::upper_bound(log.ends.begin(), log.ends.end(), i) - log.ends.begin());
    ASSERT_EQ(seen.size(), damaged) << "byte " << i;
    ASSERT_NE(rep.tail, Tail::clean) << "byte " << i;
    ASSERT_TRUE(rep.problem.has_value());
    const std::size_t start = damaged ? log.ends[damaged - 1] : 0;
    ASSERT_EQ(rep.good_end, start) << "byte " << i;
    // Damage before the last record is followed by good records: corruption,
    // never a torn tail to cut.
    if (damaged + 1 < log.ends.size()) {
      ASSERT_EQ(rep.tail, Tail::corrupt) << "byte " << i;
      ASSERT_EQ(rep.resync_offset, log.ends[damaged]) << "byte " << i;
    }
  }
}

TEST(KmlScan, CorruptionInTheMiddleIsReportedWithItsOffsetAndLaterRecordsAreNotUsed) {
  auto log = make_log(example_workload(10, 1));
  const std::size_t rec4 = log.ends[3];  // start of record 5
  log.bytes[rec4 + IZO_KML_HEAD_SIZE] ^= 1;  // inside record 5's path
  ScanReport rep;
  const auto seen = forward_recnos(log.bytes, &rep);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(rep.tail, Tail::corrupt);
  EXPECT_EQ(rep.good_end, rec4);
  EXPECT_EQ(rep.problem->message, "checksum mismatch");
  EXPECT_EQ(rep.problem->offset, log.ends[4] - IZO_KML_TAIL_SIZE);
  EXPECT_EQ(rep.resync_offset, log.ends[4]);
}

TEST(KmlScan, GapInRecordNumbersIsCorruption) {
  auto records = example_workload(4, 1);
  records[3].recno = 9;
  const auto log = make_log(records);
  const auto rep = scan_forward(log.bytes);
  EXPECT_EQ(rep.records, 3u);
  EXPECT_EQ(rep.tail, Tail::corrupt);  // a good record, never cut as torn
  EXPECT_EQ(rep.problem->message, "record number 9 where 4 was expected");
}

TEST(KmlScan, NonKmlInputIsRecognised) {
  std::string text = "this is not a journal, just some text that is long enough to be read\n";
  for (int i = 0; i < 5; ++i) text += text;
  const auto rep = scan_forward(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  EXPECT_FALSE(rep.looks_like_kml);
  EXPECT_EQ(rep.records, 0u);
  EXPECT_EQ(rep.problem->message, "bad magic");
  EXPECT_EQ(rep.problem->offset, 0u);
}

TEST(KmlScan, VisitorCanStopTheWalk) {
  const auto log = make_log(example_workload(10, 1));
  int n = 0;
  const auto rep = scan_forward(log.bytes, [&](const Frame&) { return ++n < 3; });
  EXPECT_TRUE(rep.stopped_early);
  EXPECT_EQ(n, 3);
}

RC_GTEST_PROP(KmlScan, BackwardWalkEqualsReversedForwardWalk, ()) {
  auto records = *rc::gen::container<std::vector<Record>>(testing::gen_record());
  const auto first = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
  for (std::size_t i = 0; i < records.size(); ++i) records[i].recno = first + i;
  std::vector<std::uint8_t> bytes;
  for (const auto& r : records) RC_ASSERT(encode(r, bytes).ok());

  std::vector<std::size_t> fwd, bwd;
  const auto rep = scan_forward(bytes, [&](const Frame& f) {
    fwd.push_back(f.offset);
    return true;
  });
  RC_ASSERT(rep.tail == Tail::clean);
  auto n = scan_backward(bytes, rep.good_end, [&](const Frame& f) {
    bwd.push_back(f.offset);
    return true;
  });
  RC_ASSERT(n.ok());
  RC_ASSERT(*n == records.size());
  std::reverse(bwd.begin(), bwd.end());
  RC_ASSERT(fwd == bwd);
}

TEST(KmlScan, BackwardWalkFromATornEndFails) {
  auto log = make_log(example_workload(3, 1));
  log.bytes.resize(log.bytes.size() - 3);
  EXPECT_FALSE(scan_backward(log.bytes, log.bytes.size()).ok());
  EXPECT_TRUE(scan_backward(log.bytes, log.ends[1]).ok());
}

}  // namespace
}  // namespace izo::kml
