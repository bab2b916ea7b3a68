#include "fsm/permit_server.hpp"

#include <algorithm>

#include "fsm/msm_common.hpp"

namespace izo::fsm {
namespace {

using namespace detail;
namespace ev = permit_server_events;

struct Def : Front<Def> {
  static constexpr const char* machine = PermitServer::machine;
  explicit Def(PermitServerActions* a) : act(a) {}
  PermitServerActions* act;
  HostId holder = 0;
  std::uint64_t epoch = 0;
  std::deque<HostId> waiting;

  void enqueue(HostId h) {
    if (std::find(waiting.begin(), waiting.end(), h) == waiting.end()) waiting.push_back(h);
  }
  void grant_to(HostId h) {
    holder = h;
    ++epoch;
    act->grant(h, epoch);
  }
  void grant_next() {
    const HostId next = waiting.front();
    waiting.pop_front();
    grant_to(next);
  }

  IZO_STATE(Free, "free");
  IZO_STATE(Held, "held");
  IZO_STATE(Breaking, "breaking");
  using initial_state = Free;

  struct FromHolder {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return e.from == f.holder; }
  };
  struct FromOther {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return e.from != f.holder; }
  };
  struct ValidRelease {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return e.from == f.holder && e.epoch == f.epoch; }
  };
  struct StaleRelease {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return !(e.from == f.holder && e.epoch == f.epoch); }
  };
  struct ValidReleaseOneWaiter {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S& s, T& t) const { return ValidRelease{}(e, f, s, t) && f.waiting.size() == 1; }
  };
  struct ValidReleaseMoreWaiters {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S& s, T& t) const { return ValidRelease{}(e, f, s, t) && f.waiting.size() > 1; }
  };
  struct ValidReleaseNoWaiters {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S& s, T& t) const { return ValidRelease{}(e, f, s, t) && f.waiting.empty(); }
  };
  struct HolderLostOneWaiter {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return e.peer == f.holder && f.waiting.size() == 1; }
  };
  struct HolderLostMoreWaiters {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return e.peer == f.holder && f.waiting.size() > 1; }
  };
  struct HolderLostNoWaiters {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return e.peer == f.holder && f.waiting.empty(); }
  };
  struct OtherLost {
    template <class E, class F, class S, class T>
    bool operator()(const E& e, F& f, S&, T&) const { return e.peer != f.holder; }
  };

  struct Grant {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& f, S&, T&) const { f.grant_to(e.from); }
  };
  struct Regrant {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->grant(f.holder, f.epoch); }
  };
  struct QueueAndBreak {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& f, S&, T&) const {
      f.enqueue(e.from);
      f.act->send_break(f.holder, f.epoch);
    }
  };
  struct Queue {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& f, S&, T&) const { f.enqueue(e.from); }
  };
  struct GrantNext {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.grant_next(); }
  };
  // Others still wait: the new holder is asked to give it back at once.
  struct GrantNextAndBreak {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const {
      f.grant_next();
      f.act->send_break(f.holder, f.epoch);
    }
  };
  struct Clear {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.holder = 0; }
  };
  struct Forget {
    template <class E, class F, class S, class T>
    void operator()(const E& e, F& f, S&, T&) const { std::erase(f.waiting, e.peer); }
  };

  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  from        event          to         action          guard
    Tr<Free,       ev::Request,  Held,      Grant>,
    Stay<Free,     ev::Release,              none>,
    Stay<Free,     ev::PeerLost,             Forget>,
    Stay<Held,     ev::Request,              Regrant,         FromHolder>,
    Tr<Held,       ev::Request,  Breaking,  QueueAndBreak,   FromOther>,
    Tr<Held,       ev::Release,  Free,      Clear,           ValidReleaseNoWaiters>,
    Stay<Held,     ev::Release,              none,            StaleRelease>,
    Tr<Held,       ev::PeerLost, Free,      Clear,           HolderLostNoWaiters>,
    Stay<Held,     ev::PeerLost,             Forget,          OtherLost>,
    Stay<Breaking, ev::Request,              Queue>,
    Tr<Breaking,   ev::Release,  Held,      GrantNext,       ValidReleaseOneWaiter>,
    Tr<Breaking,   ev::Release,  Breaking,  GrantNextAndBreak, ValidReleaseMoreWaiters>,
    Tr<Breaking,   ev::Release,  Free,      Clear,           ValidReleaseNoWaiters>,
    Stay<Breaking, ev::Release,              none,            StaleRelease>,
    Tr<Breaking,   ev::PeerLost, Held,      GrantNext,       HolderLostOneWaiter>,
    Tr<Breaking,   ev::PeerLost, Breaking,  GrantNextAndBreak, HolderLostMoreWaiters>,
    Tr<Breaking,   ev::PeerLost, Free,      Clear,           HolderLostNoWaiters>,
    Stay<Breaking, ev::PeerLost,             Forget,          OtherLost>
  > {};
  // clang-format on
};

}  // namespace

struct PermitServer::Impl : detail::MachineBox<Def> {
  using MachineBox::MachineBox;
};

PermitServer::PermitServer(PermitServerActions& a) : impl_(std::make_unique<Impl>(&a)) {}
PermitServer::~PermitServer() = default;

std::optional<Error> PermitServer::process(const permit_server_events::Request& e) { return impl_->run(e); }
std::optional<Error> PermitServer::process(const permit_server_events::Release& e) { return impl_->run(e); }
std::optional<Error> PermitServer::process(const permit_server_events::PeerLost& e) { return impl_->run(e); }

std::string PermitServer::state() const { return impl_->state(); }
std::optional<HostId> PermitServer::holder() const {
  if (impl_->in<Def::Free>()) return std::nullopt;
  return impl_->m.holder;
}
std::uint64_t PermitServer::epoch() const { return impl_->m.epoch; }
std::deque<HostId> PermitServer::waiters() const { return impl_->m.waiting; }
std::vector<Transition> PermitServer::table() { return table_rows<Def>(machine); }

}  // namespace izo::fsm
