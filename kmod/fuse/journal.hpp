// The fileset's KML as the filter writes it: one writer at a time (the
// filter's update lock), records numbered by the file, versions stamped as
// {host, recno}, durability by group commit with a background ticker.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
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

  // Appends `r` (origin this host, recno the file's). Call with the update
  // lock held, after next_version() stamped `r`, so numbers agree.
  std::uint64_t append(kml::Record r);
  // Everything appended is durable when this returns.
  void sync();

  std::uint64_t host() const { return host_; }
  std::uint64_t last_recno() const { return file_.last_recno(); }

 private:
  Journal(posix::KmlFile file, std::uint64_t host);
  void tick_loop(std::stop_token stop);

  posix::KmlFile file_;
  std::uint64_t host_;
  std::mutex mu_;  // guards file_ between appends and the ticker
  std::condition_variable_any wake_;
  std::jthread ticker_;
};

}  // namespace izo::presto
