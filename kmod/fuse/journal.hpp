// The fileset's KML as the filter writes it: one writer at a time (the
// filter's update lock), records numbered by the file, versions stamped as
// {host, recno}, durability by group commit with a background ticker.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "posix/kml_file.hpp"

namespace izo::presto {

class Journal {
 public:
  static Result<std::unique_ptr<Journal>> open(const std::filesystem::path& kml, std::uint64_t host,
                                               kml::SyncPolicy sync, posix::KmlOpenReport* report);
  ~Journal();  // stops the ticker and syncs

  // The version the next appended record gives the objects it makes.
  Version next_version() const { return Version{host_, file_.last_recno() + 1}; }

  // Appends `r` (recno the file's; origin this host unless `r` carries a
  // peer's origin, which Lento's records of replicated updates do). Call with
  // the update lock held, after next_version() stamped `r`, so numbers agree.
  std::uint64_t append(kml::Record r);
  // Everything appended is durable when this returns; returns the durable recno.
  std::uint64_t sync();
  // Called (outside the journal's lock) whenever the durable record number
  // moves on, with the new value: how Lento hears of new records.
  void on_durable(std::function<void(std::uint64_t)> notify);

  std::uint64_t host() const { return host_; }
  std::uint64_t last_recno() const { return file_.last_recno(); }

 private:
  Journal(posix::KmlFile file, std::uint64_t host);
  void tick_loop(std::stop_token stop);
  // The durable recno to announce, if it moved since the last announcement.
  std::optional<std::uint64_t> moved_locked();
  void announce(std::optional<std::uint64_t> durable);

  posix::KmlFile file_;
  std::uint64_t host_;
  std::mutex mu_;  // guards file_ between appends and the ticker
  std::mutex notify_mu_;  // held while notify_ runs, so clearing it waits
  std::function<void(std::uint64_t)> notify_;
  std::uint64_t announced_ = 0;
  std::condition_variable_any wake_;
  std::jthread ticker_;
};

}  // namespace izo::presto
