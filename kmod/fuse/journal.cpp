#include "journal.hpp"

#include <chrono>

namespace izo::presto {

Result<std::unique_ptr<Journal>> Journal::open(const std::filesystem::path& kml, std::uint64_t host,
                                               kml::SyncPolicy sync, posix::KmlOpenReport* report) {
  auto file = posix::KmlFile::open(kml, posix::KmlFileOptions{sync, 0}, report);
  if (!file) return file.error();
  return std::unique_ptr<Journal>(new Journal(std::move(*file), host));
}

Journal::Journal(posix::KmlFile file, std::uint64_t host)
    : file_(std::move(file)), host_(host), ticker_([this](std::stop_token s) { tick_loop(s); }) {}

Journal::~Journal() {
  ticker_.request_stop();
  wake_.notify_all();
  ticker_.join();
  std::lock_guard lock(mu_);
  file_.sync();
}

std::uint64_t Journal::append(kml::Record r) {
  std::optional<std::uint64_t> moved;
  std::uint64_t n = 0;
  {
    std::lock_guard lock(mu_);
    if (r.origin == 0 || r.origin == host_) {
      r.origin = host_;
      r.origin_recno = file_.last_recno() + 1;
    }
    n = file_.append(std::move(r));
    wake_.notify_all();  // a group-commit deadline may have started
    moved = moved_locked();  // --sync always: durable already
  }
  announce(moved);
  return n;
}

std::uint64_t Journal::sync() {
  std::optional<std::uint64_t> moved;
  std::uint64_t durable = 0;
  {
    std::lock_guard lock(mu_);
    file_.sync();
    durable = file_.durable_recno();
    moved = moved_locked();
  }
  announce(moved);
  return durable;
}

void Journal::on_durable(std::function<void(std::uint64_t)> notify) {
  std::lock_guard lock(mu_);
  std::lock_guard notify_lock(notify_mu_);
  notify_ = std::move(notify);
  announced_ = file_.durable_recno();
}

std::optional<std::uint64_t> Journal::moved_locked() {
  if (file_.durable_recno() <= announced_) return std::nullopt;
  announced_ = file_.durable_recno();
  return announced_;
}

void Journal::announce(std::optional<std::uint64_t> durable) {
  if (!durable) return;
  std::lock_guard lock(notify_mu_);
  if (notify_) notify_(*durable);
}

void Journal::tick_loop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    const auto deadline = file_.deadline();
    if (!deadline) {
      wake_.wait(lock, stop, [&] { return file_.deadline().has_value(); });
      continue;
    }
    const auto wait_ns = *deadline - posix::steady_now_ns();
    if (wait_ns > 0) {
      wake_.wait_for(lock, stop, std::chrono::nanoseconds(wait_ns), [] { return false; });
      continue;
    }
    // The sync runs outside the lock: updates go on appending meanwhile,
    // and what they append goes with the next sync.
    if (const auto through = file_.begin_sync()) {
      lock.unlock();
      const int err = file_.sync_data();
      lock.lock();
      if (err != 0) file_.sync();  // again under the lock: reports the failure as before
      file_.end_sync(*through);
    }
    if (auto moved = moved_locked()) {
      lock.unlock();
      announce(moved);
      lock.lock();
    }
  }
}

}  // namespace izo::presto
