// The write permit of one fileset as its server arbitrates it: at most one
// holder among connected hosts.
//
//   free --Request(X)--> held by X --Request(Y)--> breaking X (Break sent to X)
//   breaking X --Release(X)--> held by Y (the next waiter) | free, or
//     breaking Y at once when more hosts wait (so every waiter gets its turn)
//   A holder that is lost (disconnected) frees the permit: it goes on writing
//   under an optimistic local permit, and reconnection detects conflicts.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fsm/transition_log.hpp"
#include "util/result.hpp"

namespace izo::fsm {

using HostId = std::uint64_t;

namespace permit_server_events {
struct Request { static constexpr const char* name = "Request"; HostId from = 0; };
struct Release { static constexpr const char* name = "Release"; HostId from = 0; std::uint64_t epoch = 0; };
struct PeerLost { static constexpr const char* name = "PeerLost"; HostId peer = 0; };
}  // namespace permit_server_events

class PermitServerActions {
 public:
  virtual ~PermitServerActions() = default;
  virtual void grant(HostId to, std::uint64_t epoch) = 0;
  virtual void send_break(HostId holder, std::uint64_t epoch) = 0;
};

class PermitServer {
 public:
  static constexpr const char* machine = "permit_server";
  explicit PermitServer(PermitServerActions& actions);
  ~PermitServer();
  PermitServer(const PermitServer&) = delete;
  PermitServer& operator=(const PermitServer&) = delete;

  std::optional<Error> process(const permit_server_events::Request& e);
  std::optional<Error> process(const permit_server_events::Release& e);
  std::optional<Error> process(const permit_server_events::PeerLost& e);

  std::string state() const;
  std::optional<HostId> holder() const;  // held or being broken
  std::uint64_t epoch() const;
  std::deque<HostId> waiters() const;
  static std::vector<Transition> table();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace izo::fsm
