// Pushes: the sender pushes the small files a batch closes, as they stand at
// the versions the receiver would fetch, and nothing it cannot vouch for; the
// receiver hands each one to the fetch it answers, once, and gives back what
// no fetch took.
#include "runtime/pushed_contents.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "posix/temp_dir.hpp"

namespace izo::lento {
namespace {

using kml::Op;
using replica::Origin;

kml::Record rec(Op op, std::string path, Version old_v, Version new_v, std::uint64_t size = 0) {
  kml::Record r;
  r.op = op;
  r.path = std::move(path);
  r.obj_old = old_v;
  r.obj_new = new_v;
  r.writer = {1, ::geteuid(), ::getegid()};
  if (op == Op::create) r.attrs.mode = 0100644;
  if (op == Op::close) {
    r.attrs.valid = IZO_ATTR_SIZE;
    r.attrs.size = size;
  }
  return r;
}

std::string read_token(const std::string& token) {
  std::ifstream in(token, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Sender {
  posix::TempDir dir{"izo-push"};
  std::unique_ptr<posix::PosixStore> store = [this] {
    std::filesystem::create_directories(dir.path() / "tree");
    auto s = posix::PosixStore::open(dir.path() / "tree");
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(s).value();
  }();
  int tokens = 0;

  // `path` holds `content` at version {2, seq} (created at {2, seq - 1} if new).
  std::vector<kml::Record> written(const std::string& path, std::uint64_t seq, const std::string& content) {
    std::vector<kml::Record> rs;
    const auto here = store->lookup(path);
    if (!here) rs.push_back(rec(Op::create, path, {}, {2, seq - 1}));
    rs.push_back(rec(Op::close, path, here ? here->version : Version{2, seq - 1}, {2, seq}, content.size()));
    for (const auto& r : rs)
      if (auto e = store->apply(r, Origin::remote)) throw std::runtime_error(e->message);
    const auto token = dir.path() / ("token" + std::to_string(++tokens));
    std::ofstream(token) << content;
    store->install_data(path, {2, seq}, token.string());
    store->sync();
    return rs;
  }
};

std::vector<kml::Record> joined(std::initializer_list<std::vector<kml::Record>> parts) {
  std::vector<kml::Record> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(PushedContents, TheSenderPushesTheSmallFilesTheRecordsCloseAtTheirVersions) {
  Sender s;
  const auto records = joined({s.written("a", 2, "alpha"), s.written("b", 4, "bravo")});
  const auto push = gather_pushes(*s.store, "shared", records);
  EXPECT_EQ(push.fileset, "shared");
  ASSERT_EQ(push.files.size(), 2u);
  EXPECT_EQ(push.files[0].path, "a");
  EXPECT_EQ(push.files[0].version, (Version{2, 2}));
  EXPECT_EQ(push.files[0].content.bytes, "alpha");
  EXPECT_EQ(push.files[1].path, "b");
  EXPECT_EQ(push.files[1].content.bytes, "bravo");
}

TEST(PushedContents, TheSenderPushesNothingItCannotVouchFor) {
  Sender s;
  // Moved on since the records: that version's content is gone.
  const auto moved = s.written("moved", 2, "old");
  s.written("moved", 4, "new");  // "moved" is at {2, 4} now; the records say {2, 2}
  // Too big for a push, and past the total.
  const auto big = s.written("big", 6, std::string(300, 'x'));
  // Content not here yet.
  const std::vector<kml::Record> missing{rec(Op::create, "missing", {}, {2, 7}),
                                         rec(Op::close, "missing", {2, 7}, {2, 8}, 5)};
  for (const auto& r : missing) ASSERT_EQ(s.store->apply(r, Origin::remote), std::nullopt);
  // Emptied: its record says the whole content.
  const std::vector<kml::Record> emptied{rec(Op::close, "a", {2, 9}, {2, 10}, 0)};
  const auto small = s.written("small", 12, "ok");
  const auto push = gather_pushes(*s.store, "shared", joined({{moved[1]}, big, missing, emptied, small}),
                                  PushLimits{100, 1000});
  ASSERT_EQ(push.files.size(), 1u);
  EXPECT_EQ(push.files[0].path, "small");

  const auto budget = gather_pushes(*s.store, "shared", joined({s.written("c", 14, "12345"), small}), PushLimits{100, 6});
  ASSERT_EQ(budget.files.size(), 1u) << "the second file is past the total";
  EXPECT_EQ(budget.files[0].path, "c");
}

TEST(PushedContents, AFetchTakesWhatWasPushedForItOnceAndTheRestIsGivenBack) {
  posix::TempDir dir{"izo-pushed"};
  FetchedContents places(dir.path(), {.memory_file = 1 << 20, .memory_total = 1 << 20});
  PushedContents pushed(places);
  std::uint64_t ids = 1;
  const wire::PushContents push{"shared", {{"a", {2, 2}, {"alpha"}}, {"b", {2, 4}, {"bravo"}}}};
  ASSERT_EQ(pushed.receive(7, push, ids), std::nullopt);
  EXPECT_EQ(pushed.held(), 2u);
  EXPECT_FALSE(pushed.take(8, "a", {2, 2})) << "another peer pushed nothing";
  EXPECT_FALSE(pushed.take(7, "a", {2, 1})) << "another version";
  const auto a = pushed.take(7, "a", {2, 2});
  ASSERT_TRUE(a);
  EXPECT_EQ(read_token(*a), "alpha");
  EXPECT_FALSE(pushed.take(7, "a", {2, 2})) << "taken once";
  EXPECT_EQ(pushed.drop(7), 1u);
  EXPECT_EQ(places.held(), 1u) << "only the taken one is left, the taker's to discard";
  EXPECT_TRUE(places.discard(*a));

  // A new push replaces what the last one left.
  ASSERT_EQ(pushed.receive(7, push, ids), std::nullopt);
  ASSERT_EQ(pushed.receive(7, wire::PushContents{"shared", {{"c", {2, 6}, {"charlie"}}}}, ids), std::nullopt);
  EXPECT_EQ(pushed.held(), 1u);
  EXPECT_EQ(places.held(), 1u);
  EXPECT_EQ(read_token(*pushed.take(7, "c", {2, 6})), "charlie");
}

TEST(PushedContents, AHugePushHoldsNoMoreDescriptorsThanItsShare) {
  posix::TempDir dir{"izo-pushed"};
  FetchedContents places(dir.path(), {.open_files = 4});
  PushedContents pushed(places);
  std::uint64_t ids = 1;
  wire::PushContents push{"shared", {}};
  for (int i = 0; i < 50; ++i)
    push.files.push_back({"f" + std::to_string(i), {2, static_cast<std::uint64_t>(i + 1)}, {"content " + std::to_string(i)}});
  ASSERT_EQ(pushed.receive(7, push, ids), std::nullopt);
  EXPECT_EQ(pushed.held(), 50u);
  EXPECT_LE(places.open_files(), 4u) << "one descriptor per pushed file ran a server out of them";
  for (int i = 0; i < 50; ++i) {
    const auto t = pushed.take(7, "f" + std::to_string(i), {2, static_cast<std::uint64_t>(i + 1)});
    ASSERT_TRUE(t) << i;
    EXPECT_EQ(read_token(*t), "content " + std::to_string(i));
    EXPECT_TRUE(places.discard(*t));
  }
}

}  // namespace
}  // namespace izo::lento
