#include "fsm/client_link.hpp"

#include "fsm/msm_common.hpp"

namespace izo::fsm {
namespace {

using namespace detail;
namespace ev = client_link_events;

struct Def : Front<Def> {
  static constexpr const char* machine = ClientLink::machine;
  explicit Def(ClientLinkActions* a) : act(a) {}
  ClientLinkActions* act;

  IZO_STATE(Disconnected, "disconnected");
  IZO_STATE(Connecting, "connecting");
  IZO_STATE(Forwarding, "forwarding");
  IZO_STATE(Resolving, "resolving");
  IZO_STATE(Reintegrating, "reintegrating");
  IZO_STATE(Synced, "synced");
  using initial_state = Disconnected;

  struct AllAcked {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return f.act->all_acked(); }
  };
  struct NotAllAcked {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return !f.act->all_acked(); }
  };
  struct ResolvedCaughtUp {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return !f.act->conflicts_open() && f.act->caught_up(); }
  };
  struct ResolvedBehind {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return !f.act->conflicts_open() && !f.act->caught_up(); }
  };
  struct StillOpen {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return f.act->conflicts_open(); }
  };

  struct Hello {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->send_hello(); }
  };
  struct Send {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->send_batch(); }
  };
  struct Lost {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->link_lost(); }
  };

  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  from             event           to              action  guard
    Tr<Disconnected,    ev::Up,        Connecting,     Hello>,
    Stay<Disconnected,  ev::Journaled>,
    Stay<Disconnected,  ev::Down>,
    Tr<Connecting,      ev::Welcome,   Forwarding>,
    Tr<Connecting,      ev::Refused,   Disconnected,   Lost>,
    Tr<Connecting,      ev::Down,      Disconnected,   Lost>,
    Stay<Connecting,    ev::Journaled>,
    Tr<Forwarding,      ev::CaughtUp,  Reintegrating,  Send>,
    Tr<Forwarding,      ev::Conflict,  Resolving>,
    Stay<Forwarding,    ev::Journaled>,
    Tr<Forwarding,      ev::Down,      Disconnected,   Lost>,
    Stay<Resolving,     ev::Conflict>,
    Stay<Resolving,     ev::CaughtUp>,
    Stay<Resolving,     ev::Journaled>,
    Tr<Resolving,       ev::Resolved,  Reintegrating,  Send,   ResolvedCaughtUp>,
    Tr<Resolving,       ev::Resolved,  Forwarding,     none,   ResolvedBehind>,
    Stay<Resolving,     ev::Resolved,                  none,   StillOpen>,
    Stay<Resolving,     ev::Acked>,
    Tr<Resolving,       ev::Down,      Disconnected,   Lost>,
    Tr<Reintegrating,   ev::Acked,     Synced,         none,   AllAcked>,
    Stay<Reintegrating, ev::Acked,                     Send,   NotAllAcked>,
    Stay<Reintegrating, ev::Journaled,             Send>,
    Stay<Reintegrating, ev::CaughtUp>,
    Tr<Reintegrating,   ev::Conflict,  Resolving>,
    Tr<Reintegrating,   ev::Down,      Disconnected,   Lost>,
    Stay<Synced,        ev::Journaled,                 Send>,
    Stay<Synced,        ev::Acked,                     Send>,
    Stay<Synced,        ev::CaughtUp>,
    Tr<Synced,          ev::Conflict,  Resolving>,
    Tr<Synced,          ev::Down,      Disconnected,   Lost>
  > {};
  // clang-format on
};

}  // namespace

struct ClientLink::Impl : detail::MachineBox<Def> {
  using MachineBox::MachineBox;
};

ClientLink::ClientLink(ClientLinkActions& a) : impl_(std::make_unique<Impl>(&a)) {}
ClientLink::~ClientLink() = default;

std::optional<Error> ClientLink::process(const client_link_events::Up& e) { return impl_->run(e); }
std::optional<Error> ClientLink::process(const client_link_events::Welcome& e) { return impl_->run(e); }
std::optional<Error> ClientLink::process(const client_link_events::Refused& e) { return impl_->run(e); }
std::optional<Error> ClientLink::process(const client_link_events::CaughtUp& e) { return impl_->run(e); }
std::optional<Error> ClientLink::process(const client_link_events::Conflict& e) { return impl_->run(e); }
std::optional<Error> ClientLink::process(const client_link_events::Resolved& e) { return impl_->run(e); }
std::optional<Error> ClientLink::process(const client_link_events::Acked& e) { return impl_->run(e); }
std::optional<Error> ClientLink::process(const client_link_events::Journaled& e) { return impl_->run(e); }
std::optional<Error> ClientLink::process(const client_link_events::Down& e) { return impl_->run(e); }

std::string ClientLink::state() const { return impl_->state(); }
bool ClientLink::connected() const {
  return !impl_->in<Def::Disconnected>() && !impl_->in<Def::Connecting>();
}
std::vector<Transition> ClientLink::table() { return table_rows<Def>(machine); }

}  // namespace izo::fsm
