#include "kml/group_commit.hpp"

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
  appended_ = recno;
  pending_bytes_ += bytes;
}

bool GroupCommit::sync_due(std::int64_t now_ns) const {
  if (!pending()) return false;
  switch (policy_.mode) {
    case SyncPolicy::Mode::off: return false;
    case SyncPolicy::Mode::always: return true;
    case SyncPolicy::Mode::group:
      return appended_ - durable_ >= policy_.max_records || pending_bytes_ >= policy_.max_bytes ||
             now_ns - oldest_pending_ns_ >= policy_.max_delay_ns;
  }
  return false;
}

std::optional<std::int64_t> GroupCommit::deadline() const {
  if (!pending() || policy_.mode == SyncPolicy::Mode::off) return std::nullopt;
  if (policy_.mode == SyncPolicy::Mode::always) return oldest_pending_ns_;
  return oldest_pending_ns_ + policy_.max_delay_ns;
}

void GroupCommit::synced() {
  durable_ = appended_;
  pending_bytes_ = 0;
}

}  // namespace izo::kml
