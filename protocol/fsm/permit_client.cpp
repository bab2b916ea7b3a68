#include "fsm/permit_client.hpp"

#include "fsm/msm_common.hpp"

namespace izo::fsm {
namespace {

using namespace detail;
namespace ev = permit_client_events;

struct Def : Front<Def> {
  static constexpr const char* machine = PermitClient::machine;
  explicit Def(PermitClientActions* a) : act(a) {}
  PermitClientActions* act;
  std::uint64_t epoch = 0;     // of the permit held or being released
  std::uint64_t breaking = 0;  // epoch the server asked back

  IZO_STATE(None, "none");
  IZO_STATE(Requesting, "requesting");
  IZO_STATE(Held, "held");
  IZO_STATE(Releasing, "releasing");
  IZO_STATE(Optimistic, "optimistic");
  using initial_state = None;

  struct IsConnected {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return f.act->connected(); }
  };
  struct IsDisconnected {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return !f.act->connected(); }
  };
  struct CurrentEpoch {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return e.epoch == f.epoch; }
  };
  struct StaleEpoch {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return e.epoch != f.epoch; }
  };
  struct WritersWait {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return f.act->waiters(); }
  };
  struct NoWritersWait {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return !f.act->waiters(); }
  };

  struct Request {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->send_get_permit(); }
  };
  struct GrantAll {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& f, S&, T&) const {
      if constexpr (requires { e.epoch; }) f.epoch = e.epoch;
      f.act->answer_waiters(true);
    }
  };
  struct RefuseAll {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->answer_waiters(false); }
  };
  struct Flush {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->start_flush(); }
  };
  struct Release {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->send_release(f.epoch); }
  };
  struct ReleaseAndRequest {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const {
      f.act->send_release(f.epoch);
      f.act->send_get_permit();
    }
  };
  struct Revoke {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->revoke(); }
  };
  struct ReleaseStale {  // the server thinks we hold a permit we do not
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& f, S&, T&) const { f.act->send_release(e.epoch); }
  };

  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  from         event          to           action             guard
    Tr<None,        ev::Need,     Requesting,  Request,           IsConnected>,
    Tr<None,        ev::Need,     Optimistic,  GrantAll,          IsDisconnected>,
    Stay<None,      ev::Break,                 ReleaseStale>,
    Stay<None,      ev::LinkDown>,
    Stay<None,      ev::LinkUp>,
    Stay<None,      ev::Returned>,
    Stay<Requesting, ev::Need>,
    Stay<Requesting, ev::Returned>,
    Tr<Requesting,  ev::Granted,  Held,        GrantAll>,
    Tr<Requesting,  ev::Denied,   None,        RefuseAll>,
    Stay<Requesting, ev::Break,                ReleaseStale>,
    Tr<Requesting,  ev::LinkDown, Optimistic,  GrantAll>,
    Stay<Held,      ev::Need,                  GrantAll>,
    Stay<Held,      ev::Granted>,
    Stay<Held,      ev::Returned>,
    Tr<Held,        ev::Break,    Releasing,   Revoke,            CurrentEpoch>,
    Stay<Held,      ev::Break,                 none,              StaleEpoch>,
    Tr<Held,        ev::LinkDown, Optimistic>,
    Stay<Releasing, ev::Need>,
    Stay<Releasing, ev::Returned,              Flush>,
    Stay<Releasing, ev::Break>,
    Tr<Releasing,   ev::Flushed,  None,        Release,           NoWritersWait>,
    Tr<Releasing,   ev::Flushed,  Requesting,  ReleaseAndRequest, WritersWait>,
    Tr<Releasing,   ev::LinkDown, Optimistic,  GrantAll>,
    Stay<Optimistic, ev::Need,                 GrantAll>,
    Stay<Optimistic, ev::LinkDown>,
    Stay<Optimistic, ev::Returned>,
    Tr<Optimistic,  ev::LinkUp,   None,        Revoke>
  > {};
  // clang-format on
};

}  // namespace

struct PermitClient::Impl : detail::MachineBox<Def> {
  using MachineBox::MachineBox;
};

PermitClient::PermitClient(PermitClientActions& a) : impl_(std::make_unique<Impl>(&a)) {}
PermitClient::~PermitClient() = default;

std::optional<Error> PermitClient::process(const permit_client_events::Need& e) { return impl_->run(e); }
std::optional<Error> PermitClient::process(const permit_client_events::Granted& e) { return impl_->run(e); }
std::optional<Error> PermitClient::process(const permit_client_events::Denied& e) { return impl_->run(e); }
std::optional<Error> PermitClient::process(const permit_client_events::Break& e) { return impl_->run(e); }
std::optional<Error> PermitClient::process(const permit_client_events::Returned& e) { return impl_->run(e); }
std::optional<Error> PermitClient::process(const permit_client_events::Flushed& e) { return impl_->run(e); }
std::optional<Error> PermitClient::process(const permit_client_events::LinkDown& e) { return impl_->run(e); }
std::optional<Error> PermitClient::process(const permit_client_events::LinkUp& e) { return impl_->run(e); }

std::string PermitClient::state() const { return impl_->state(); }
bool PermitClient::may_write() const { return impl_->in<Def::Held>() || impl_->in<Def::Optimistic>(); }
std::uint64_t PermitClient::epoch() const { return impl_->m.epoch; }
std::vector<Transition> PermitClient::table() { return table_rows<Def>(machine); }

}  // namespace izo::fsm
