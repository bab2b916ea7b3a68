#include "kml/group_commit.hpp"

#include <algorithm>
#include <stdexcept>

namespace izo::kml {

std::optional<SyncPolicy::Mode> sync_mode_from_name(std::string_view name) {
  if (name == "off") return SyncPolicy::Mode::off;
  if (name == "always") return SyncPolicy::Mode::always;
  if (name == "group") return SyncPolicy::Mode::group;
  return std::nullopt;
}

std::string_view sync_mode_name(SyncPolicy::Mode m) {
  switch (m) {
    case SyncPolicy::Mode::off: return "off";
    case SyncPolicy::Mode::always: return "always";
    case SyncPolicy::Mode::group: return "group";
  }
  return "?";
}

void GroupCommit::appended(std::uint64_t recno, std::uint64_t bytes, std::int64_t now_ns) {
  if (recno != appended_ + 1)
    throw std::logic_error("GroupCommit: record " + std::to_string(recno) +
                           " appended after " + std::to_string(appended_));
  if (!pending()) {
    oldest_pending_ns_ = now_ns;
    pending_bytes_ = 0;
  }
  if (in_flight()) {
    if (appended_ == in_flight_through_) after_oldest_ns_ = now_ns;
    after_bytes_ += bytes;
  }
  appended_ = recno;
  pending_bytes_ += bytes;
}

bool GroupCommit::over_limits() const {
  if (!pending()) return false;
  switch (policy_.mode) {
    case SyncPolicy::Mode::off: return false;
    case SyncPolicy::Mode::always: return true;
    case SyncPolicy::Mode::group:
      return appended_ - durable_ >= policy_.max_records || pending_bytes_ >= policy_.max_bytes;
  }
  return false;
}

bool GroupCommit::sync_due(std::int64_t now_ns) const {
  if (over_limits()) return true;
  const auto d = deadline();
  return d && now_ns >= *d;
}

std::optional<std::int64_t> GroupCommit::deadline() const {
  if (!pending() || in_flight() || policy_.mode == SyncPolicy::Mode::off) return std::nullopt;
  if (policy_.mode == SyncPolicy::Mode::always) return oldest_pending_ns_;
  if (!last_sync_ns_) return oldest_pending_ns_;
  const bool quiet = last_sync_records_ <= policy_.quiet_records && !last_sync_early_;
  const auto spacing = quiet ? std::min(policy_.quiet_delay_ns, policy_.max_delay_ns) : policy_.max_delay_ns;
  return std::max(oldest_pending_ns_, *last_sync_ns_ + spacing);
}

void GroupCommit::note_sync_start(std::int64_t now_ns) {
  last_sync_early_ = last_sync_ns_ && now_ns < *last_sync_ns_ + policy_.max_delay_ns;
  last_sync_ns_ = now_ns;
  last_sync_records_ = appended_ - durable_;
}

void GroupCommit::synced(std::int64_t now_ns) {
  note_sync_start(now_ns);
  durable_ = appended_;
  pending_bytes_ = 0;
}

std::uint64_t GroupCommit::sync_started(std::int64_t now_ns) {
  note_sync_start(now_ns);
  in_flight_through_ = appended_;
  after_bytes_ = 0;
  after_oldest_ns_ = 0;
  return appended_;
}

void GroupCommit::synced_through(std::uint64_t recno) {
  if (recno <= durable_) return;  // an explicit sync got further meanwhile
  durable_ = recno;
  if (!pending()) {
    pending_bytes_ = 0;
  } else if (recno == in_flight_through_) {
    pending_bytes_ = after_bytes_;
    oldest_pending_ns_ = after_oldest_ns_;
  }
}

}  // namespace izo::kml
