#include "fsm/conflict_case.hpp"

#include "fsm/msm_common.hpp"

namespace izo::fsm {
namespace {

using namespace detail;
namespace ev = conflict_events;

struct Def : Front<Def> {
  static constexpr const char* machine = ConflictCase::machine;
  explicit Def(ConflictActions* a) : act(a) {}
  ConflictActions* act;

  IZO_STATE(Detected, "detected");
  IZO_STATE(Quarantined, "quarantined");
  IZO_STATE(Resolving, "resolving");
  IZO_STATE(Resolved, "resolved");
  using initial_state = Detected;

  struct Automatic {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F&, S&, T&) const { return e.winner.has_value(); }
  };
  struct Manual {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F&, S&, T&) const { return !e.winner.has_value(); }
  };
  struct ResolveDecided {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& f, S&, T&) const { f.act->resolve(*e.winner); }
  };
  struct ResolveChosen {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& f, S&, T&) const { f.act->resolve(e.winner); }
  };
  struct Quarantine {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->quarantine(); }
  };
  struct Report {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->resolved(); }
  };

  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  from          event        to           action          guard
    Tr<Detected,     ev::Decide,  Resolving,   ResolveDecided, Automatic>,
    Tr<Detected,     ev::Decide,  Quarantined, Quarantine,     Manual>,
    Tr<Quarantined,  ev::Choose,  Resolving,   ResolveChosen>,
    Tr<Resolving,    ev::Done,    Resolved,    Report>
  > {};
  // clang-format on
};

}  // namespace

struct ConflictCase::Impl : detail::MachineBox<Def> {
  using MachineBox::MachineBox;
};

ConflictCase::ConflictCase(ConflictActions& a) : impl_(std::make_unique<Impl>(&a)) {}
ConflictCase::~ConflictCase() = default;
ConflictCase::ConflictCase(ConflictCase&&) noexcept = default;
ConflictCase& ConflictCase::operator=(ConflictCase&&) noexcept = default;

std::string_view winner_name(Winner w) { return w == Winner::server ? "server" : "client"; }

std::optional<Winner> winner_from_name(std::string_view name) {
  if (name == "server") return Winner::server;
  if (name == "client") return Winner::client;
  return std::nullopt;
}

std::optional<Error> ConflictCase::process(const conflict_events::Decide& e) { return impl_->run(e); }
std::optional<Error> ConflictCase::process(const conflict_events::Choose& e) { return impl_->run(e); }
std::optional<Error> ConflictCase::process(const conflict_events::Done& e) { return impl_->run(e); }

std::string ConflictCase::state() const { return impl_->state(); }
bool ConflictCase::open() const { return !impl_->in<Def::Resolved>(); }
std::vector<Transition> ConflictCase::table() { return table_rows<Def>(machine); }

}  // namespace izo::fsm
