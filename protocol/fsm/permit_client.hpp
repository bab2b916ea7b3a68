// The write permit as one host sees it for one fileset (client side).
//
//   none --Need[connected]--> requesting --Granted--> held --Break--> releasing
//     (Presto is told to give the permit back; once it has, with no update
//     half made, --Returned--> the journal is flushed to the server)
//     releasing --Flushed--> none (release sent) | requesting (if writers wait)
//   Need while disconnected, or LinkDown while requesting/held/releasing:
//     optimistic (a local permit: writes go on and are journaled)
//   optimistic --LinkUp--> none (the permit must be acquired again)
//
// Reads never need a permit. The engine keeps the queue of waiting upcalls;
// this machine says when to answer them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fsm/transition_log.hpp"
#include "util/result.hpp"

namespace izo::fsm {

namespace permit_client_events {
struct Need { static constexpr const char* name = "Need"; };
struct Granted { static constexpr const char* name = "Granted"; std::uint64_t epoch = 0; };
struct Denied { static constexpr const char* name = "Denied"; };
struct Break { static constexpr const char* name = "Break"; std::uint64_t epoch = 0; };
struct Returned { static constexpr const char* name = "Returned"; };  // Presto gave it back
struct Flushed { static constexpr const char* name = "Flushed"; };
struct LinkDown { static constexpr const char* name = "LinkDown"; };
struct LinkUp { static constexpr const char* name = "LinkUp"; };
}  // namespace permit_client_events

class PermitClientActions {
 public:
  virtual ~PermitClientActions() = default;
  virtual bool connected() const = 0;
  virtual void send_get_permit() = 0;
  virtual void send_release(std::uint64_t epoch) = 0;
  virtual void start_flush() = 0;                   // reintegrate all journaled, then Flushed
  virtual void answer_waiters(bool granted) = 0;    // reply to queued permit upcalls
  virtual void revoke() = 0;                        // Presto must give the permit back
  virtual bool waiters() const = 0;                 // upcalls still waiting
};

class PermitClient {
 public:
  static constexpr const char* machine = "permit_client";
  explicit PermitClient(PermitClientActions& actions);
  ~PermitClient();
  PermitClient(const PermitClient&) = delete;
  PermitClient& operator=(const PermitClient&) = delete;

  std::optional<Error> process(const permit_client_events::Need& e);
  std::optional<Error> process(const permit_client_events::Granted& e);
  std::optional<Error> process(const permit_client_events::Denied& e);
  std::optional<Error> process(const permit_client_events::Break& e);
  std::optional<Error> process(const permit_client_events::Returned& e);
  std::optional<Error> process(const permit_client_events::Flushed& e);
  std::optional<Error> process(const permit_client_events::LinkDown& e);
  std::optional<Error> process(const permit_client_events::LinkUp& e);

  std::string state() const;
  bool may_write() const;  // held or optimistic
  std::uint64_t epoch() const;
  static std::vector<Transition> table();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace izo::fsm
