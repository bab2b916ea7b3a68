// One conflict, from detection to resolution. The policy decides at once
// (server wins, client wins) or quarantines the object until a person or a
// tool chooses (manual); resolving may wait for data to arrive.
//
//   detected --Decide[automatic]--> resolving --Done--> resolved
//   detected --Decide[manual]--> quarantined --Choose--> resolving
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fsm/transition_log.hpp"
#include "util/result.hpp"

namespace izo::fsm {

enum class Winner { server, client };

std::string_view winner_name(Winner w);                       // "server" or "client"
std::optional<Winner> winner_from_name(std::string_view name);  // nullopt: neither

namespace conflict_events {
struct Decide { static constexpr const char* name = "Decide"; std::optional<Winner> winner; };  // nullopt: manual
struct Choose { static constexpr const char* name = "Choose"; Winner winner = Winner::server; };
struct Done { static constexpr const char* name = "Done"; };
}  // namespace conflict_events

class ConflictActions {
 public:
  virtual ~ConflictActions() = default;
  virtual void resolve(Winner winner) = 0;  // keep both versions, the winner at the name
  virtual void quarantine() = 0;
  virtual void resolved() = 0;
};

class ConflictCase {
 public:
  static constexpr const char* machine = "conflict";
  explicit ConflictCase(ConflictActions& actions);
  ~ConflictCase();
  ConflictCase(ConflictCase&&) noexcept;
  ConflictCase& operator=(ConflictCase&&) noexcept;

  std::optional<Error> process(const conflict_events::Decide& e);
  std::optional<Error> process(const conflict_events::Choose& e);
  std::optional<Error> process(const conflict_events::Done& e);

  std::string state() const;
  bool open() const;  // not resolved yet
  static std::vector<Transition> table();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace izo::fsm
