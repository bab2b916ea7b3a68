// The server's side of one replicator's connection: after the replicator's
// hello, send it what it has not seen (from its next-to-expect), then keep
// forwarding new records as they become durable.
//
//   disconnected --Hello[behind]--> forwarding --Acked[caught up]--> synced
//   disconnected --Hello[caught up]--> synced
//   forwarding --Acked[behind]--> forwarding (next batch sent)
//   forwarding/synced --NewRecords[idle]--> (sent)     any --Down--> disconnected
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fsm/transition_log.hpp"
#include "util/result.hpp"

namespace izo::fsm {

namespace server_link_events {
struct Hello { static constexpr const char* name = "Hello"; };
struct Acked { static constexpr const char* name = "Acked"; };
struct NewRecords { static constexpr const char* name = "NewRecords"; };
struct Down { static constexpr const char* name = "Down"; };
}  // namespace server_link_events

class ServerLinkActions {
 public:
  virtual ~ServerLinkActions() = default;
  virtual void welcome() = 0;          // reply to hello
  virtual void send_batch() = 0;       // next records the replicator has not been sent
  virtual bool caught_up() const = 0;  // everything durable here was sent and acked
  virtual bool in_flight() const = 0;  // a batch awaits its ack
};

class ServerLink {
 public:
  static constexpr const char* machine = "server_link";
  explicit ServerLink(ServerLinkActions& actions);
  ~ServerLink();
  ServerLink(const ServerLink&) = delete;
  ServerLink& operator=(const ServerLink&) = delete;

  std::optional<Error> process(const server_link_events::Hello& e);
  std::optional<Error> process(const server_link_events::Acked& e);
  std::optional<Error> process(const server_link_events::NewRecords& e);
  std::optional<Error> process(const server_link_events::Down& e);

  std::string state() const;
  bool connected() const;
  static std::vector<Transition> table();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace izo::fsm
