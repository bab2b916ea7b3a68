// When appended KML records must be made durable: the group-commit policy,
// as pure logic. The caller appends, asks whether a sync is due (passing the
// time, which this code never reads), syncs, and reports that it did.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace izo::kml {

struct SyncPolicy {
  enum class Mode {
    off,     // never sync on its own (benchmarks, tests); only explicit syncs
    always,  // sync after every record
    group,   // sync when any limit below is reached
  };
  Mode mode = Mode::group;
  std::uint32_t max_records = 64;        // unsynced records
  std::uint64_t max_bytes = 1u << 20;    // unsynced bytes
  // Group mode: a record waits at most this long, and syncs start at most
  // this often. A record appended when no sync started in the last
  // max_delay_ns is due at once (an idle journal adds no latency); under a
  // stream of records, syncs come every max_delay_ns with all that came.
  std::int64_t max_delay_ns = 5'000'000;
  // A quiet journal, whose last sync covered at most quiet_records and was
  // not itself early, lets its next sync start quiet_delay_ns after that one:
  // a file rewritten by a shell journals two closes a millisecond apart, and
  // the second must not wait for a stream's pace. (At most one early sync
  // per max_delay_ns, so a slow stream cannot keep the pace at quiet_delay_ns.)
  std::uint32_t quiet_records = 4;
  std::int64_t quiet_delay_ns = 500'000;
};

// "off", "always", "group"; nullopt for anything else.
std::optional<SyncPolicy::Mode> sync_mode_from_name(std::string_view name);
std::string_view sync_mode_name(SyncPolicy::Mode m);

class GroupCommit {
 public:
  GroupCommit(SyncPolicy policy, std::uint64_t durable_recno)
      : policy_(policy), appended_(durable_recno), durable_(durable_recno) {}

  // Record `recno` (the next number) of `bytes` bytes was appended at now_ns.
  void appended(std::uint64_t recno, std::uint64_t bytes, std::int64_t now_ns);

  // Whether the policy wants a sync at now_ns.
  bool sync_due(std::int64_t now_ns) const;
  // Whether the pending records reach a count or size limit (or the mode
  // is always): the appender syncs them itself. Time alone never makes an
  // appender wait; deadline() says when someone else must.
  bool over_limits() const;

  // The time at which the pending records must be synced; nullopt when
  // nothing is pending, the policy never syncs on its own, or a sync that
  // started is on its way (it ends with synced_through).
  std::optional<std::int64_t> deadline() const;

  // Everything appended so far is now durable (a sync at now_ns).
  void synced(std::int64_t now_ns);

  // A sync of everything appended so far starts at now_ns, and records may
  // be appended while it runs; returns the last record it covers.
  std::uint64_t sync_started(std::int64_t now_ns);
  // That sync ended: records through `recno` are durable.
  void synced_through(std::uint64_t recno);

  std::uint64_t appended_recno() const { return appended_; }
  std::uint64_t durable_recno() const { return durable_; }
  bool pending() const { return appended_ != durable_; }
  const SyncPolicy& policy() const { return policy_; }

 private:
  bool in_flight() const { return in_flight_through_ > durable_; }
  void note_sync_start(std::int64_t now_ns);

  SyncPolicy policy_;
  std::uint64_t appended_;
  std::uint64_t durable_;
  std::uint64_t pending_bytes_ = 0;
  std::int64_t oldest_pending_ns_ = 0;
  std::optional<std::int64_t> last_sync_ns_;  // when the last sync started
  std::uint64_t last_sync_records_ = 0;       // how many records it covered
  bool last_sync_early_ = false;              // it started before max_delay_ns after the one before
  // A sync on its way covers records through in_flight_through_; those
  // appended since then are counted apart, pending once it ends.
  std::uint64_t in_flight_through_ = 0;
  std::uint64_t after_bytes_ = 0;
  std::int64_t after_oldest_ns_ = 0;
};

}  // namespace izo::kml
