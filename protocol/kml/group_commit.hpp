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
  std::int64_t max_delay_ns = 5'000'000;  // age of the oldest unsynced record
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

  // The latest time at which the pending records must be synced; nullopt
  // when nothing is pending or the policy never syncs on its own.
  std::optional<std::int64_t> deadline() const;

  // Everything appended so far is now durable.
  void synced();

  std::uint64_t appended_recno() const { return appended_; }
  std::uint64_t durable_recno() const { return durable_; }
  bool pending() const { return appended_ != durable_; }
  const SyncPolicy& policy() const { return policy_; }

 private:
  SyncPolicy policy_;
  std::uint64_t appended_;
  std::uint64_t durable_;
  std::uint64_t pending_bytes_ = 0;
  std::int64_t oldest_pending_ns_ = 0;
};

}  // namespace izo::kml
