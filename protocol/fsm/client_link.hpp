// A client's connection to the server of one fileset, in the reconnection
// order of the seeds: forward (the server sends what this client has not
// seen), handle conflicts, reintegrate (this client sends its journal from the
// server's next-to-expect for it), then synced.
//
//   disconnected --Up--> connecting (hello sent) --Welcome--> forwarding
//   forwarding --CaughtUp--> reintegrating --Acked[all]--> synced
//   forwarding/reintegrating/synced --Conflict--> resolving
//   resolving --Resolved--> forwarding | reintegrating (if caught up)
//   any --Down--> disconnected (journaling goes on)
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fsm/transition_log.hpp"
#include "util/result.hpp"

namespace izo::fsm {

namespace client_link_events {
struct Up { static constexpr const char* name = "Up"; };
struct Welcome { static constexpr const char* name = "Welcome"; };
struct Refused { static constexpr const char* name = "Refused"; };
struct CaughtUp { static constexpr const char* name = "CaughtUp"; };
struct Conflict { static constexpr const char* name = "Conflict"; };
struct Resolved { static constexpr const char* name = "Resolved"; };
struct Acked { static constexpr const char* name = "Acked"; };
struct Journaled { static constexpr const char* name = "Journaled"; };
struct Down { static constexpr const char* name = "Down"; };
}  // namespace client_link_events

class ClientLinkActions {
 public:
  virtual ~ClientLinkActions() = default;
  virtual void send_hello() = 0;
  virtual void send_batch() = 0;         // the next journal records not yet sent
  virtual bool caught_up() const = 0;    // applied all the server had at Welcome
  virtual bool all_acked() const = 0;    // the server has durably everything journaled here
  virtual bool conflicts_open() const = 0;
  virtual void link_lost() = 0;
};

class ClientLink {
 public:
  static constexpr const char* machine = "client_link";
  explicit ClientLink(ClientLinkActions& actions);
  ~ClientLink();
  ClientLink(const ClientLink&) = delete;
  ClientLink& operator=(const ClientLink&) = delete;

  std::optional<Error> process(const client_link_events::Up& e);
  std::optional<Error> process(const client_link_events::Welcome& e);
  std::optional<Error> process(const client_link_events::Refused& e);
  std::optional<Error> process(const client_link_events::CaughtUp& e);
  std::optional<Error> process(const client_link_events::Conflict& e);
  std::optional<Error> process(const client_link_events::Resolved& e);
  std::optional<Error> process(const client_link_events::Acked& e);
  std::optional<Error> process(const client_link_events::Journaled& e);
  std::optional<Error> process(const client_link_events::Down& e);

  std::string state() const;
  bool connected() const;  // past the hello exchange
  static std::vector<Transition> table();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace izo::fsm
