// The filter's side of the upcall channel to Lento (protocol/upcall/FORMAT.md)
// over a Unix stream socket. Lento connects and ATTACHes; only a root peer may
// (SO_PEERCRED), and the attaching process is then recognised on every
// request (ISLENTO): its updates pass unjournaled and without a permit, and it
// may read and write InterMezzo's private attributes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "kml/record.hpp"
#include "kml/version.hpp"
#include "util/result.hpp"

namespace izo::presto {

class LentoChannel {
 public:
  struct Options {
    std::filesystem::path socket;
    std::string fileset;
    std::chrono::milliseconds permit_wait{60'000};  // then EROFS
    std::chrono::milliseconds fetch_wait{60'000};   // then EIO
    std::uint64_t host = 0;                         // told to Lento at ATTACH
  };
  // What Lento's JOURNAL and SYNC do (and ATTACH, which syncs first).
  struct JournalHooks {
    std::function<std::uint64_t()> sync;  // makes the KML durable; its durable recno
    // Appends a record Lento made (under the filter's update lock); its recno.
    std::function<Result<std::uint64_t>(kml::Record)> append;
  };
  // Listens on `socket` (replacing a stale one).
  static Result<std::unique_ptr<LentoChannel>> listen(Options o, JournalHooks hooks);
  ~LentoChannel();

  // Whether `pid` (a thread of any process) belongs to the attached Lento.
  bool is_lento(pid_t pid) const;

  // Before an update by `pid`: waits for the permit. 0, or -EROFS if Lento is
  // not attached, refuses, or does not answer in time. Pair with end_update().
  int begin_update(pid_t pid);
  void end_update();

  // The content of `path` at `v` is missing: asks Lento and waits. 0, or the
  // errno to fail the open with.
  int fetch(const std::string& path, const Version& v, pid_t pid);

  // The KML is durable through `recno` (sent without waiting; notices may coalesce).
  void kml_written(std::uint64_t recno);

 private:
  explicit LentoChannel(Options o, int listen_fd, JournalHooks hooks);
  void serve(std::stop_token stop);
  void on_session(int fd, const std::stop_token& stop);
  bool send_locked(int fd, const std::vector<std::uint8_t>& bytes);
  std::uint64_t request(std::uint16_t kind, const std::string& path, const Version& v, pid_t pid);
  void maybe_return_permit_locked();

  Options options_;
  int listen_fd_ = -1;
  JournalHooks hooks_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  int session_fd_ = -1;         // the attached Lento's connection
  pid_t lento_tgid_ = 0;
  bool permit_ = false;          // held by this host's updates
  bool revoking_ = false;        // asked back: no new update until it is returned
  bool permit_asked_ = false;
  int updates_in_progress_ = 0;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::optional<std::uint32_t>> answers_;  // request id -> status
  std::uint64_t permit_request_ = 0;
  std::uint64_t notified_recno_ = 0;
  std::jthread server_;
};

}  // namespace izo::presto
