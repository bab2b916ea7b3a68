#include "fsm/server_link.hpp"

#include "fsm/msm_common.hpp"

namespace izo::fsm {
namespace {

using namespace detail;
namespace ev = server_link_events;

struct Def : Front<Def> {
  static constexpr const char* machine = ServerLink::machine;
  explicit Def(ServerLinkActions* a) : act(a) {}
  ServerLinkActions* act;

  IZO_STATE(Disconnected, "disconnected");
  IZO_STATE(Forwarding, "forwarding");
  IZO_STATE(Synced, "synced");
  using initial_state = Disconnected;

  struct CaughtUp {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return f.act->caught_up(); }
  };
  struct Behind {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return !f.act->caught_up(); }
  };
  struct Idle {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return !f.act->in_flight(); }
  };
  struct Busy {
    template <class E, class F, class S, class T>
    bool operator()(const E&, F& f, S&, T&) const { return f.act->in_flight(); }
  };
  struct Welcome {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const {
      f.act->welcome();
      f.act->send_batch();
    }
  };
  struct Send {
    template <class E, class F, class S, class T>
    void operator()(const E&, F& f, S&, T&) const { f.act->send_batch(); }
  };

  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  from            event             to            action   guard
    Tr<Disconnected,   ev::Hello,       Forwarding,   Welcome, Behind>,
    Tr<Disconnected,   ev::Hello,       Synced,       Welcome, CaughtUp>,
    Stay<Disconnected, ev::NewRecords>,
    Stay<Disconnected, ev::Down>,
    Tr<Forwarding,     ev::Hello,       Forwarding,   Welcome, Behind>,
    Tr<Forwarding,     ev::Hello,       Synced,       Welcome, CaughtUp>,
    Tr<Forwarding,     ev::Acked,       Synced,       none,    CaughtUp>,
    Stay<Forwarding,   ev::Acked,                     Send,    Behind>,
    Stay<Forwarding,   ev::NewRecords,                Send,    Idle>,
    Stay<Forwarding,   ev::NewRecords,                none,    Busy>,
    Tr<Forwarding,     ev::Down,        Disconnected>,
    Tr<Synced,         ev::Hello,       Forwarding,   Welcome, Behind>,
    Tr<Synced,         ev::Hello,       Synced,       Welcome, CaughtUp>,
    Stay<Synced,       ev::NewRecords,                Send,    Idle>,
    Stay<Synced,       ev::NewRecords,                none,    Busy>,
    Stay<Synced,       ev::Acked,                     Send>,
    Tr<Synced,         ev::Down,        Disconnected>
  > {};
  // clang-format on
};

}  // namespace

struct ServerLink::Impl : detail::MachineBox<Def> {
  using MachineBox::MachineBox;
};

ServerLink::ServerLink(ServerLinkActions& a) : impl_(std::make_unique<Impl>(&a)) {}
ServerLink::~ServerLink() = default;

std::optional<Error> ServerLink::process(const server_link_events::Hello& e) { return impl_->run(e); }
std::optional<Error> ServerLink::process(const server_link_events::Acked& e) { return impl_->run(e); }
std::optional<Error> ServerLink::process(const server_link_events::NewRecords& e) { return impl_->run(e); }
std::optional<Error> ServerLink::process(const server_link_events::Down& e) { return impl_->run(e); }

std::string ServerLink::state() const { return impl_->state(); }
bool ServerLink::connected() const { return !impl_->in<Def::Disconnected>(); }
std::vector<Transition> ServerLink::table() { return table_rows<Def>(machine); }

}  // namespace izo::fsm
