#include "replica/engine.hpp"

// GCC 12 reports members of effect::Fetch as maybe-uninitialized when a
// std::variant holding it is moved (a known false positive, GCC bug 105562);
// every member has a default initializer.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "fsm/machines.hpp"
#include "replica/canonical_text.hpp"
#include "replica/content_needs.hpp"
#include "replica/version_rule.hpp"
#include "util/fileset_path.hpp"

namespace izo::replica {

std::string_view policy_name(Policy p) {
  switch (p) {
    case Policy::server_wins: return "server-wins";
    case Policy::client_wins: return "client-wins";
    case Policy::manual: return "manual";
  }
  return "?";
}

std::optional<Policy> policy_from_name(std::string_view n) {
  for (auto p : {Policy::server_wins, Policy::client_wins, Policy::manual})
    if (policy_name(p) == n) return p;
  return std::nullopt;
}

namespace {

using kml::Op;
namespace pce = fsm::permit_client_events;
namespace pse = fsm::permit_server_events;
namespace cle = fsm::client_link_events;
namespace sle = fsm::server_link_events;
namespace ce = fsm::conflict_events;

bool touches(const kml::Record& r, const std::string& path) {
  const bool p2_is_path = r.op == Op::rename || r.op == Op::link;
  return at_or_under(r.path, path) || (p2_is_path && at_or_under(r.path2, path));
}

// The names a record changes: both for a rename or a link.
std::vector<std::string> names_of(const kml::Record& r) {
  if (r.op == Op::rename || r.op == Op::link) return {r.path, r.path2};
  return {r.path};
}

// The state a record found at a name it changes, and the state it left
// there (none: absent). A noop changes nothing.
struct NameStep {
  std::string name;
  Version before, after;
  bool dir = false;  // what it found was a directory
};

std::vector<NameStep> steps_of(const kml::Record& r) {
  if (r.op == Op::noop) return {};
  const bool creates = r.op == Op::create || r.op == Op::mkdir || r.op == Op::symlink || r.op == Op::mknod;
  const bool removes = r.op == Op::unlink || r.op == Op::rmdir || r.op == Op::rename;
  std::vector<NameStep> steps{{r.path, creates ? Version{} : r.obj_old, removes ? Version{} : r.obj_new,
                               r.op == Op::rmdir}};
  if (r.op == Op::rename) steps.push_back({r.path2, r.target_old, r.obj_new, false});
  if (r.op == Op::link) steps.push_back({r.path2, Version{}, r.obj_new, false});
  return steps;
}

// Each name the records change, with its version once all are applied in
// order (none: absent).
std::map<std::string, Version> final_versions(const std::vector<kml::Record>& records) {
  std::map<std::string, Version> out;
  for (const auto& r : records)
    for (const auto& st : steps_of(r)) out[st.name] = st.after;
  return out;
}

kml::Record noop_in_place_of(const kml::Record& r) {
  kml::Record n;
  n.recno = r.recno;
  n.op = Op::noop;
  n.origin = r.origin;
  n.origin_recno = r.origin_recno;
  n.writer = r.writer;
  n.time_ns = r.time_ns;
  return n;
}

// The last name of `path` cut so that `suffix` fits after it.
std::string with_suffix(const std::string& path, const std::string& suffix) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.size() + suffix.size() > IZO_KML_MAX_NAME) base.resize(IZO_KML_MAX_NAME - suffix.size());
  return dir + base + suffix;
}

std::string conflict_name(const std::string& path, const std::string& who, const Version& v) {
  return with_suffix(path, ".izo-conflict-" + who + "-" + std::to_string(v.seq));
}

// The alternatives to a copy's name when something else holds it: "name-1",
// "name-2", ... (anyone may have made a file named like a conflict copy).
std::string numbered(const std::string& name, unsigned n) {
  return n == 0 ? name : with_suffix(name, "-" + std::to_string(n));
}

}  // namespace

struct Engine::Impl : fsm::PermitClientActions, fsm::ClientLinkActions, fsm::PermitServerActions {
  // ---- one conflict -------------------------------------------------------
  struct Case : fsm::ConflictActions {
    Case(Impl& e, ConflictInfo i, std::vector<kml::Record> r)
        : engine(e), info(std::move(i)), remote(std::move(r)), machine(*this) {}
    // A case rebuilt from last_rcvd after a restart re-enters its state
    // without redoing what it did before the crash.
    void resolve(fsm::Winner w) override {
      if (restored) info.winner = w; else engine.resolve_case(*this, w);
    }
    void quarantine() override {
      if (!restored) engine.quarantine_case(*this);
    }
    void resolved() override { engine.case_resolved(*this); }
    Impl& engine;
    ConflictInfo info;
    std::vector<kml::Record> remote;  // the peer's updates of the object, not applied
    fsm::ConflictCase machine;
    // Client wins: the server's version is kept at copy_path (an object of
    // version copy_version here), its content fetched from the server.
    std::string copy_path;
    Version copy_version;
    bool copy_failed = false;  // that fetch failed: asked again on reconnection
    bool server_dir = false;   // client wins: the server holds a directory at the name
    // Client wins: what the server's last record at the name made there,
    // when it says (a file's close, a symlink, a directory, a node).
    std::optional<ObjType> server_kind;
    bool restored = false;     // being rebuilt from last_rcvd
  };

  // ---- one replicator, as the server sees it ------------------------------
  struct Peer : fsm::ServerLinkActions {
    Peer(Impl& e, HostId h) : engine(e), id(h), link(*this) {}
    void welcome() override { engine.welcome(*this); }
    void send_batch() override { engine.forward_batch(*this); }
    bool caught_up() const override {
      return !in_flight_flag && next_to_send > engine.ports.journal.durable_recno();
    }
    bool in_flight() const override { return in_flight_flag; }
    Impl& engine;
    HostId id;
    fsm::ServerLink link;
    std::uint64_t next_to_send = 1;
    bool in_flight_flag = false;
    // A reintegration batch: it waits for the content of every file it
    // closes (backfetch before acknowledgement), then is applied at once.
    struct Batch {
      std::vector<kml::Record> records;
      std::vector<std::set<Version>> later;
      std::size_t from = 0;                 // the first record this server does not have
      std::vector<ContentNeed> needs;
      std::vector<std::optional<std::string>> content;  // per need: the runtime's token
      std::size_t unanswered = 0;
      std::uint64_t serial = 0;
    };
    std::optional<Batch> batch;
    std::uint64_t batches = 0;
    // Where its last batch stopped for a file its writer had moved on
    // from: {that close's record, the batch's last record}.
    std::optional<std::pair<std::uint64_t, std::uint64_t>> stopped;
  };

  Impl(Config config, Ports p) : cfg(std::move(config)), ports(p), state(p.last_rcvd.load()) {
    if (cfg.role == Role::client) {
      permit = std::make_unique<fsm::PermitClient>(*this);
      link = std::make_unique<fsm::ClientLink>(*this);
      next_to_send = state.peers[cfg.server].acked + 1;
    } else {
      arbiter = std::make_unique<fsm::PermitServer>(*this);
      for (HostId r : cfg.replicators) peers.emplace(r, std::make_unique<Peer>(*this, r));
    }
    recover();
    restore_cases();
    drain();
  }

  // Open conflicts live on in last_rcvd: quarantined ones wait for a person
  // again; client-wins ones whose server copy had not arrived ask for it
  // again when the link is back.
  void restore_cases() {
    for (const auto& held : state.quarantined) {
      ConflictInfo info;
      info.id = held.id;
      info.path = held.path;
      info.reason = "quarantined before a restart";
      if (!held.remote.empty()) info.remote = held.remote.back().obj_new;
      restore_case(info, held.remote, std::nullopt);
    }
    // A copy no longer empty was filled, and this host's version journaled
    // over the server's in the same durable step, just before the crash.
    const auto filled = std::erase_if(state.awaiting_copy, [&](const AwaitedCopy& a) {
      const auto copy = ports.store.lookup(a.copy_path);
      return !copy || copy->version != a.copy_version;
    });
    if (filled) persist();
    for (const auto& a : state.awaiting_copy) {
      ConflictInfo info;
      info.id = a.id;
      info.path = a.path;
      info.reason = "client wins; the server's copy was on its way at a restart";
      info.remote = a.remote;
      info.kept.push_back(a.copy_path);
      Case& c = restore_case(info, {}, fsm::Winner::client);
      c.copy_path = a.copy_path;
      c.copy_version = a.copy_version;
      c.copy_failed = true;  // asked again at the next welcome
    }
  }

  Case& restore_case(ConflictInfo info, std::vector<kml::Record> remote, std::optional<fsm::Winner> winner) {
    if (const auto local = ports.store.lookup(info.path)) info.local = local->version;
    auto [it, fresh] = cases.emplace(info.id, std::make_unique<Case>(*this, info, std::move(remote)));
    Case& c = *it->second;
    if (!fresh) {
      log("conflict " + std::to_string(info.id) + " is held twice in last_rcvd; the second is ignored", true);
      return c;
    }
    c.restored = true;
    check(c.machine.process(ce::Decide{winner}));
    c.restored = false;
    return c;
  }

  // ---- plumbing -------------------------------------------------------------
  Config cfg;
  Ports ports;
  LastRcvdState state;
  std::vector<Effect> out;
  std::deque<std::function<void()>> posted;

  void post(std::function<void()> f) { posted.push_back(std::move(f)); }
  void drain() {
    while (!posted.empty()) {
      auto f = std::move(posted.front());
      posted.pop_front();
      f();
    }
  }
  void log(std::string text, bool error = false) { out.push_back(effect::Log{error, std::move(text)}); }
  void check(const std::optional<Error>& e) {
    if (e) log(e->message, true);
  }
  void send(HostId to, wire::Message m) { out.push_back(effect::Send{to, std::move(m)}); }
  void drop(HostId peer, std::string why) {
    log("dropping host " + std::to_string(peer) + ": " + why, true);
    send(peer, wire::ErrorReply{wire::Status::bad_request, why});
    out.push_back(effect::Drop{peer, std::move(why)});
  }
  void persist() { ports.last_rcvd.persist(state); }

  // The journal and the store agree, durably, and the counters say so.
  void make_durable() {
    ports.journal.sync();
    ports.store.sync();
    state.store_synced_through = ports.journal.durable_recno();
    persist();
  }

  // ---- crash recovery ------------------------------------------------------
  // Whether the object a record leaves is missing from the store, its names
  // before and after the record are free, and a later record of its batch
  // (`rest`) removes it or moves it away.
  bool gone_as_later_records_leave_it(const kml::Record& r, std::span<const kml::Record> rest) {
    const auto* left = name_left(r);
    const std::string& at = left ? *left : r.path;
    return !ports.store.lookup(r.path) && !ports.store.lookup(at) && removed_later(rest, at);
  }

  // A journal record that does not fit the store is in it all the same when
  // the store holds a later record of the tail, or when its object is gone
  // and a later record of the tail removes it (or moves it away): the store
  // took those later records before the crash. Only this replica's journal
  // is replayed here, so nothing else can explain the object's absence.
  bool in_store_through_later(const kml::Record& r, std::span<const kml::Record> rest) {
    if (applied_later(rest, ports.store)) return true;
    return gone_as_later_records_leave_it(r, rest);
  }

  // A record the store took only in part when the process died between its
  // steps: the object made but not stamped yet (a new name with no version),
  // or moved or linked but not stamped with its new version (the object at
  // the new name still has the version the record started from). Since the
  // last sync only this replica's journal changed the store, in order, so
  // nothing else leaves these states; forcing the record completes it.
  bool half_applied(const kml::Record& r) const {
    switch (r.op) {
      case Op::create:
      case Op::mkdir:
      case Op::symlink:
      case Op::mknod: {
        const auto made = ports.store.lookup(r.path);
        return made && !made->version.exists();
      }
      case Op::rename: {
        const auto moved = ports.store.lookup(r.path2);
        return !ports.store.lookup(r.path) && moved && moved->version == r.obj_old;
      }
      case Op::link: {
        const auto src = ports.store.lookup(r.path);
        const auto linked = ports.store.lookup(r.path2);
        return src && linked && src->version == r.obj_old && linked->version == r.obj_old;
      }
      default: return false;
    }
  }

  void recover() {
    const auto from = state.store_synced_through + 1;
    auto tail = ports.journal.read(from, SIZE_MAX);
    if (tail.empty()) return;
    const auto later = later_stamps(tail);
    // Each name's state once the whole tail is applied. A record whose names
    // all hold that state already is in the store, or was undone by later
    // records that are too (a create of a name later removed, say).
    auto final_state = final_versions(tail);
    auto settled = [&](const kml::Record& r) {
      for (const auto& n : names_of(r)) {
        const auto here = ports.store.lookup(n);
        if ((here ? here->version : Version{}) != final_state[n]) return false;
      }
      return true;
    };
    std::size_t applied = 0, completed = 0;
    for (std::size_t i = 0; i < tail.size(); ++i) {
      const auto& r = tail[i];
      if (r.op == Op::noop || settled(r)) continue;
      const auto d = cfg.version_rule(r, ports.store, later[i]);
      if (d.verdict == Verdict::conflict && in_store_through_later(r, std::span(tail).subspan(i + 1)))
        continue;
      if (d.verdict == Verdict::conflict && half_applied(r)) {
        check(ports.store.force(r));
        ++completed;
      } else if (d.verdict == Verdict::apply) {
        check(ports.store.apply(r, r.origin == cfg.self ? Origin::local : Origin::remote));
        ++applied;
      } else if (d.verdict == Verdict::merge) {
        merge_directory(ports.store, r);
      } else if (d.verdict == Verdict::conflict) {
        log("recovery: journal record " + std::to_string(r.recno) + " does not fit the store: " +
                d.reason,
            true);
      }
    }
    ports.store.sync();
    state.store_synced_through = ports.journal.durable_recno();
    persist();
    log("recovery: replayed " + std::to_string(tail.size()) + " journal records from " +
        std::to_string(from) + ", " + std::to_string(applied) + " were missing from the store, " +
        std::to_string(completed) + " half done");
  }

  // ---- fetches -------------------------------------------------------------
  // A fetch's waiter is told the token (nullopt: failed) and answers whether
  // it keeps it (it then discards it itself).
  using FetchWaiter = std::function<bool(const std::optional<std::string>&)>;
  struct PendingFetch {
    effect::Fetch fetch;
    FetchWaiter then;
    bool install = true;  // install at install_path when it arrives
  };
  std::map<std::uint64_t, PendingFetch> fetches;
  std::uint64_t next_fetch = 1;

  // A fetch on its way into that name and version (from that host, if given).
  PendingFetch* fetch_into(const std::string& install_path, const Version& install_v,
                           std::optional<HostId> from = std::nullopt) {
    for (auto& [id, f] : fetches)
      if (f.fetch.install_path == install_path && f.fetch.install_version == install_v &&
          (!from || f.fetch.from == *from))
        return &f;
    return nullptr;
  }

  void fetch(HostId from, std::string path, Version v, std::string install_path, Version install_v,
             FetchWaiter then = {}, bool install = true) {
    // Already asked of the same host: whoever waits now is told when that one
    // ends. Asked of another host, it is asked again of this one: a
    // reintegration's content comes from its writer (which may have pushed
    // it), not from whichever replicator a restarted server asked first.
    if (PendingFetch* f = fetch_into(install_path, install_v, from)) {
      f->install = f->install || install;
      if (then) {
        f->then = [first = std::move(f->then), second = std::move(then)](const std::optional<std::string>& token) {
          const bool kept = first && first(token);
          return second(token) || kept;
        };
      }
      return;
    }
    effect::Fetch f{next_fetch++, from, std::move(path), v, std::move(install_path), install_v};
    out.emplace_back(std::in_place_type<effect::Fetch>, f);
    fetches.emplace(f.id, PendingFetch{std::move(f), std::move(then), install});
  }

  // Content this replica is missing, asked of `from`: a client asks its
  // server; a server asks each replicator in turn (it answers if it holds the
  // object at that version: the one whose update it is, or one that had the
  // content when an update without content, a rename, moved it on).
  void fetch_missing(HostId from) {
    for (const auto& [path, v] : ports.store.missing_data()) fetch(from, path, v, path, v);
  }

  // Fetches that ended, installed together and made durable by one sync
  // before anyone waiting on them is told (group commit: a reintegration's
  // hundreds of files cost one sync per batch the runtime gathers, not one
  // each).
  void data_arrived(std::span<const Arrival> arrivals) {
    std::vector<std::pair<PendingFetch, std::optional<std::string>>> ended;
    bool installed = false;
    for (const auto& [id, token] : arrivals) {
      auto it = fetches.find(id);
      if (it == fetches.end()) {
        log("data for unknown fetch " + std::to_string(id), true);
        if (token) discard(*token);
        continue;
      }
      PendingFetch f = std::move(it->second);
      fetches.erase(it);
      if (token && f.install) {
        ports.store.install_data(f.fetch.install_path, f.fetch.install_version, *token);
        installed = true;
      } else if (!token) {
        log("fetch of " + f.fetch.path + " " + to_string(f.fetch.version) + " from host " +
            std::to_string(f.fetch.from) + " failed; will ask again");
      }
      ended.emplace_back(std::move(f), token);
    }
    if (installed) ports.store.sync();
    for (auto& [f, token] : ended) {
      const bool kept = f.then && f.then(token);
      if (token && !kept) discard(*token);
    }
  }

  void discard(std::string token) { out.push_back(effect::Discard{std::move(token)}); }

  // ---- client: permit ------------------------------------------------------
  std::unique_ptr<fsm::PermitClient> permit;
  std::deque<std::uint64_t> waiting;
  bool internal_need = false;  // reintegration waits for the permit

  bool connected() const override { return link->connected(); }
  void send_get_permit() override { send(cfg.server, wire::GetPermit{cfg.fileset}); }
  void send_release(std::uint64_t epoch) override {
    send(cfg.server, wire::ReleasePermit{cfg.fileset, epoch, ports.journal.last_recno()});
  }
  void revoke() override { out.push_back(effect::UpcallReply{0, false}); }
  void start_flush() override {
    if (all_acked()) {
      post([this] { check(permit->process(pce::Flushed{})); });
    } else {
      send_batch();
    }
  }
  void answer_waiters(bool granted) override {
    for (auto id : waiting) out.push_back(effect::UpcallReply{id, granted});
    waiting.clear();
    internal_need = false;
    // Whoever asked, journaled records may be waiting for the permit.
    if (granted) post([this] { send_batch(); });
  }
  bool waiters() const override { return !waiting.empty() || internal_need; }

  bool may_send() const {
    const auto s = permit->state();
    return s == "held" || s == "releasing";
  }

  // ---- client: the link to the server --------------------------------------
  std::unique_ptr<fsm::ClientLink> link;
  std::uint64_t server_last_at_welcome = 0;
  std::uint64_t next_to_send = 1;
  bool in_flight = false;
  std::uint64_t sent_through = 0;  // the last record of the batch on its way
  // The server stopped the last batch at a file whose content this host has
  // moved on from: it is sent again once it can carry the records that
  // replace that version, or after two heartbeats as it is.
  struct Resend {
    std::uint64_t after = 0;  // the last record the stopped batch carried
    std::string path;         // the file
    int heartbeats = 0;
  };
  std::optional<Resend> resend;

  PeerCounters& server_counters() { return state.peers[cfg.server]; }

  void send_hello() override {
    send(cfg.server, wire::Hello{wire::kProtocolVersion, cfg.self_name, cfg.self, cfg.fileset,
                                 server_counters().next_to_expect, ports.journal.durable_recno()});
  }
  bool caught_up() const override {
    auto it = state.peers.find(cfg.server);
    const std::uint64_t next = it == state.peers.end() ? 1 : it->second.next_to_expect;
    return next > server_last_at_welcome;
  }
  bool all_acked() const override {
    auto it = state.peers.find(cfg.server);
    const std::uint64_t acked = it == state.peers.end() ? 0 : it->second.acked;
    return acked >= ports.journal.last_recno();
  }
  bool conflicts_open() const override {
    return std::any_of(cases.begin(), cases.end(), [](const auto& c) {
      const auto s = c.second->machine.state();
      return s == "detected" || s == "resolving";
    });
  }
  void link_lost() override {
    in_flight = false;
    resend.reset();
  }

  void send_batch() override {
    if (!link->connected() || in_flight) return;
    if (next_to_send > ports.journal.durable_recno()) {
      // Nothing to send: reintegration is over once the server has it all.
      post([this] {
        if (all_acked() && link->state() == "reintegrating") check(link->process(cle::Acked{}));
      });
      return;
    }
    if (!may_send()) {
      if (!internal_need && permit->state() == "none") {
        internal_need = true;
        check(permit->process(pce::Need{}));
      }
      return;
    }
    std::size_t count = cfg.batch_records;
    if (resend) {
      if (ports.journal.durable_recno() <= resend->after && resend->heartbeats < 2) return;
      // Far enough to carry the next record of that file, or at least one more.
      const auto through = next_record_naming(resend->path, resend->after + 1).value_or(resend->after + 1);
      count = std::max<std::size_t>(count, through - next_to_send + 1);
      resend.reset();
    }
    auto records = ports.journal.read(next_to_send, count);
    for (auto& r : records)
      if (r.origin != cfg.self || state.superseded.contains(r.recno)) r = noop_in_place_of(r);
    // This host's updates of a name whose client-wins case still waits for
    // the server's copy wait too: they were made on a version the server
    // never had, and the case's end replaces them (finish_client_wins).
    const auto held_for_copy = std::find_if(records.begin(), records.end(), [&](const kml::Record& r) {
      return r.op != Op::noop && std::any_of(cases.begin(), cases.end(), [&](const auto& c) {
               // (and the removal of a directory holding it)
               return waits_for_copy(*c.second) &&
                      (touches(r, c.second->info.path) ||
                       (r.op == Op::rmdir && at_or_under(c.second->info.path, r.path)));
             });
    });
    records.erase(held_for_copy, records.end());
    if (records.empty()) return;
    next_to_send = records.back().recno + 1;
    sent_through = records.back().recno;
    in_flight = true;
    send(cfg.server, wire::Reintegrate{cfg.fileset, std::move(records)});
  }

  // The first durable record from `from` on that changes `path` (or a
  // directory above it), if any.
  std::optional<std::uint64_t> next_record_naming(const std::string& path, std::uint64_t from) {
    while (from <= ports.journal.durable_recno()) {
      const auto chunk = ports.journal.read(from, cfg.batch_records);
      if (chunk.empty()) break;
      for (const auto& r : chunk)  // read() gives durable records only
        for (const auto& n : names_of(r))
          if (at_or_under(path, n)) return r.recno;
      from = chunk.back().recno + 1;
    }
    return std::nullopt;
  }

  void on_hello_reply(const wire::HelloReply& m) {
    if (m.status != wire::Status::ok) {
      log("server refused the connection: " + m.reason, true);
      check(link->process(cle::Refused{}));
      return;
    }
    if (m.next_to_expect > ports.journal.durable_recno() + 1) {
      drop(cfg.server, "the server has records of this host up to " +
                           std::to_string(m.next_to_expect - 1) + " but this journal ends at " +
                           std::to_string(ports.journal.durable_recno()) +
                           ": this host's journal lost records; refusing to reuse their numbers");
      return;
    }
    server_last_at_welcome = m.last_recno;
    next_to_send = m.next_to_expect;
    server_counters().acked = m.next_to_expect - 1;
    cancel_local_lifetimes();
    persist();
    check(link->process(cle::Welcome{}));
    check(permit->process(pce::LinkUp{}));
    fetch_missing(cfg.server);
    for (auto& [id, c] : cases)
      if (c->copy_failed) request_copy(*c);
    ask_pending_descriptions();
    if (caught_up()) check(link->process(cle::CaughtUp{}));
  }

  void on_update_notify(const std::vector<kml::Record>& recs) {
    auto& pc = server_counters();
    const auto later = later_stamps(recs);
    for (const auto& r : recs) {
      if (auto bad = kml::check(r)) return drop(cfg.server, "record " + std::to_string(r.recno) + " refused: " + bad->message);
    }
    // Records this store took before a crash stopped it recording so (the
    // counters were not yet durable): the batch comes again. Names whose
    // state a description gave are out of the batch's order: not evidence.
    std::size_t held = 0;  // records before this index were applied (see applied_later)
    for (std::size_t i = recs.size(); i-- > 0 && held == 0;) {
      const auto names = names_of(recs[i]);
      const bool described = std::any_of(names.begin(), names.end(),
                                         [&](const std::string& n) { return state.described.contains(n); });
      if (!described && result_in_store(recs[i], ports.store)) held = i + 1;
    }
    for (std::size_t i = 0; i < recs.size(); ++i) {
      const auto& r = recs[i];
      if (r.recno < pc.next_to_expect) continue;  // resent after a crash: had it
      if (r.recno > pc.next_to_expect) {
        drop(cfg.server, "update " + std::to_string(r.recno) + " where " +
                             std::to_string(pc.next_to_expect) + " was expected");
        return;
      }
      if (i >= held) apply_remote(r, later[i], std::span(recs).subspan(i + 1));
      pc.next_to_expect = r.recno + 1;
    }
    forget_old_descriptions();
    make_durable();
    send(cfg.server, wire::Ack{cfg.fileset, pc.next_to_expect - 1});
    fetch_missing(cfg.server);
    if (link->state() == "forwarding" && caught_up()) check(link->process(cle::CaughtUp{}));
    if (in_flight == false && link->state() != "forwarding") send_batch();
  }

  // A forwarded record that finds this replica past it was applied here
  // before a crash lost the counter that said so (besides the records a later
  // one of the batch shows to be here, skipped before asking) when the
  // record's object is gone, a later record of the batch removes it, and no
  // update made here touches it.
  bool applied_before_a_crash(const kml::Record& r, std::span<const kml::Record> rest) {
    if (!gone_as_later_records_leave_it(r, rest)) return false;
    for (const auto& own : ports.journal.read(server_counters().acked + 1, SIZE_MAX))
      if (touches(own, r.path) || (!r.path2.empty() && touches(own, r.path2))) return false;
    return true;
  }

  // `rest`: the records after `r` in its batch.
  void apply_remote(const kml::Record& r, const std::set<Version>& later, std::span<const kml::Record> rest) {
    if (r.op == Op::noop || covered_by_description(r)) return;
    // Held by every quarantined conflict it touches: each resolution then
    // knows every name the server changed with its own.
    bool held_back = false;
    for (auto& held : state.quarantined) {
      if (touches(r, held.path)) {
        held.remote.push_back(r);
        cases.at(held.id)->remote.push_back(r);
        held_back = true;
      }
    }
    if (held_back || follows_waiting_copy(r)) return;
    auto d = cfg.version_rule(r, ports.store, later);
    if (d.verdict == Verdict::conflict && applied_before_a_crash(r, rest)) return;
    // A name the server made or changed in a directory this host removed
    // (or replaced by something else): the case is the name's (its version
    // is the one to keep or to take), and a resolution at the name reaches
    // the directory (it comes back for the server; the server's object is
    // kept beside it for this host).
    if (d.verdict == Verdict::conflict && d.path != r.path && at_or_under(r.path, d.path) && !directory_here(d.path))
      d = Decision{Verdict::conflict, r.path, "changed there, in a directory deleted here (" + d.path + ")"};
    // So is an object the server moved into such a directory: the case is
    // its new name's.
    if (d.verdict == Verdict::conflict && r.op == Op::rename) {
      if (const auto removed = removed_ancestors({r.path2}); !removed.empty())
        d = Decision{Verdict::conflict, r.path2, "moved there into a directory deleted here (" + removed.front() + ")"};
    }
    if (d.verdict == Verdict::apply) {
      if (auto e = ports.store.apply(r, Origin::remote)) {
        open_case(r, Decision{Verdict::conflict, r.path, e->message});
      }
    } else if (d.verdict == Verdict::merge) {
      merge_directory(ports.store, r);
    } else if (d.verdict == Verdict::conflict) {
      open_case(r, d);
    }
  }

  void on_reintegrate_reply(const wire::ReintegrateReply& m) {
    in_flight = false;
    auto& pc = server_counters();
    pc.acked = std::max(pc.acked, m.applied_through);
    persist();
    if (m.status == wire::Status::ok) {
      check(link->process(cle::Acked{}));
      if (permit->state() == "releasing" && all_acked())
        post([this] { check(permit->process(pce::Flushed{})); });
      return;
    }
    next_to_send = m.applied_through + 1;
    if (m.status == wire::Status::superseded) {
      log("server stopped before record " + std::to_string(next_to_send) + ": " + m.reason);
      resend = Resend{sent_through, m.conflict_path, 0};
      send_batch();
      return;
    }
    if (m.status == wire::Status::conflict && state.superseded.contains(next_to_send)) {
      // A batch sent before a resolution replaced the record: the refusal
      // is of something this host no longer says; its noop goes instead.
      log("server refused record " + std::to_string(next_to_send) + ", replaced here since: " + m.reason);
      send_batch();
      return;
    }
    if (m.status == wire::Status::conflict && !m.server_state.empty()) {
      for (const auto& r : m.server_state) {
        if (auto bad = kml::check(r)) return drop(cfg.server, "server state refused: " + bad->message);
      }
      if (join_quarantine(m)) return;
      // The server found what this host's record changed changed there too,
      // after forwarding: a conflict like any other, resolved against the
      // server's present state of the names.
      open_case(m.server_state,
                Decision{Verdict::conflict, m.conflict_path,
                         "the server refused record " + std::to_string(next_to_send) + ": " + m.reason});
      return;
    }
    log("server did not take record " + std::to_string(next_to_send) + ": " + m.reason +
        " (resent after the next forwarded updates)");
  }

  // ---- conflicts (client) --------------------------------------------------
  std::map<std::uint64_t, std::unique_ptr<Case>> cases;
  std::uint64_t resolved_count = 0;

  // `state` names the state being entered when called from a transition's
  // action (the machine still shows the state it leaves).
  void report(const Case& c, std::string entering = {}) {
    ConflictInfo info = c.info;
    info.state = entering.empty() ? c.machine.state() : std::move(entering);
    out.push_back(effect::ConflictReport{std::move(info)});
  }

  void open_case(const kml::Record& r, const Decision& d) { open_case(std::vector<kml::Record>{r}, d); }

  void open_case(std::vector<kml::Record> remote, const Decision& d) {
    if (extend_case(remote, d)) return;
    ConflictInfo info;
    info.path = d.path;
    info.reason = d.reason;
    if (auto local = ports.store.lookup(d.path)) info.local = local->version;
    info.remote = remote.back().obj_new;
    info.id = id_before_a_crash(info).value_or(state.next_conflict_id);
    if (info.id == state.next_conflict_id) ++state.next_conflict_id;
    log("conflict " + std::to_string(info.id) + " on " + info.path + ": " + info.reason);
    auto c = std::make_unique<Case>(*this, info, std::move(remote));
    auto& ref = *c;
    cases.emplace(info.id, std::move(c));
    check(link->process(cle::Conflict{}));
    report(ref);
    std::optional<fsm::Winner> winner;
    if (cfg.handler) {
      winner = cfg.handler->decide(ref.info);
    } else if (cfg.policy == Policy::server_wins) {
      winner = fsm::Winner::server;
    } else if (cfg.policy == Policy::client_wins) {
      winner = fsm::Winner::client;
    }
    check(ref.machine.process(ce::Decide{winner}));
  }

  // A conflict found again after a crash stopped its resolution once it was
  // durable in the history (the same object, the same two versions) keeps
  // its number.
  std::optional<std::uint64_t> id_before_a_crash(const ConflictInfo& info) const {
    for (const auto& r : state.resolved)
      if (r.path == info.path && r.local == info.local && r.remote == info.remote) return r.id;
    return std::nullopt;
  }

  // Keeps a resolved conflict in the history last_rcvd holds (persisted with
  // the next make_durable), so it is still listed after a restart.
  void remember_resolved(const ConflictInfo& info) {
    std::erase_if(state.resolved, [&](const ConflictInfo& r) { return r.id == info.id; });
    state.resolved.push_back(info);
    state.resolved.back().state = "resolved";
    if (state.resolved.size() > LastRcvdState::resolved_kept) state.resolved.erase(state.resolved.begin());
  }

  std::uint64_t next_stamp_seq() const { return ports.journal.last_recno() + 1; }

  // Journals an update made here by the engine itself, and applies it.
  void journal_local(kml::Record r, bool apply_to_store = true) {
    r.origin = 0;  // this host's
    const Version stamp{cfg.self, next_stamp_seq()};
    if (r.op != Op::unlink && r.op != Op::rmdir) r.obj_new = stamp;
    ports.journal.append(r);
    if (apply_to_store) check(ports.store.apply(r, Origin::local));
  }

  // Calls `f` with each of this host's own durable records the server has
  // not acknowledged, in order (the journal is read a batch at a time).
  template <class F>
  void each_unacked_own(F&& f) {
    for (std::uint64_t n = server_counters().acked + 1; n <= ports.journal.durable_recno(); n += cfg.batch_records)
      for (auto& r : ports.journal.read(n, cfg.batch_records))
        if (r.origin == cfg.self) f(r);
  }

  // Objects created and deleted again here since the server last heard from
  // this host leave no trace at the server: their records are cancelled (sent
  // as noops), as Coda cancels such pairs in its CML. A chain is followed
  // through renames; one that replaced an existing object is kept whole.
  void cancel_local_lifetimes() {
    struct Chain {
      std::vector<std::uint64_t> recnos;
      bool clean = true;  // began with a create in the window, replaced nothing
    };
    std::map<std::string, Chain> live;
    std::size_t cancelled = 0;
    each_unacked_own([&](const kml::Record& r) {
      if (state.superseded.contains(r.recno)) return;
      switch (r.op) {
        case Op::create:
        case Op::mkdir:
        case Op::symlink:
        case Op::mknod:
          live[r.path] = Chain{{r.recno}, true};
          break;
        case Op::rename: {
          auto it = live.find(r.path);
          Chain c = it == live.end() ? Chain{{}, false} : std::move(it->second);
          if (it != live.end()) live.erase(it);
          c.recnos.push_back(r.recno);
          if (r.target_old.exists()) c.clean = false;
          live.erase(r.path2);
          live[r.path2] = std::move(c);
          break;
        }
        case Op::unlink:
        case Op::rmdir: {
          auto it = live.find(r.path);
          if (it != live.end() && it->second.clean) {
            for (auto recno : it->second.recnos) state.superseded.insert(recno);
            state.superseded.insert(r.recno);
            cancelled += it->second.recnos.size() + 1;
          }
          if (it != live.end()) live.erase(it);
          break;
        }
        case Op::link:
          live.erase(r.path);  // shared objects are not followed
          break;
        default: {
          auto it = live.find(r.path);
          if (it != live.end()) it->second.recnos.push_back(r.recno);
        }
      }
    });
    if (cancelled) log("cancelled " + std::to_string(cancelled) + " records of objects created and deleted while away");
  }

  // What the server holds at a name, as this host last knew it: the version
  // its first unacknowledged own record there started from.
  struct ServerBase {
    Version version;
    bool dir = false;
    // This host's last record at the name is kept (a later life of it, see
    // supersede_closure): that record carries this host's state there.
    bool carried = false;
    // This host changed the name in records the server has not
    // acknowledged (its state there is its own, carried over or contested).
    bool changed_here = false;
  };

  // Replaces this host's unacknowledged records that touch `seeds` (they are
  // sent as noops), with every record of the same objects' lives here: a
  // record that finds a name as an earlier pending record left it continues
  // that record, and records under a directory they changed go with it. A
  // record that finds the server's state at a name (its updates came in
  // between) starts a new life there and is kept. Returns each name reached
  // with the server's base.
  std::map<std::string, ServerBase> supersede_closure(const std::set<std::string>& seeds) {
    std::vector<kml::Record> pending;
    each_unacked_own([&](kml::Record& r) {
      if (!state.superseded.contains(r.recno)) pending.push_back(std::move(r));
    });
    std::vector<std::size_t> life(pending.size());
    for (std::size_t i = 0; i < life.size(); ++i) life[i] = i;
    auto find = [&](std::size_t i) {
      while (life[i] != i) i = life[i] = life[life[i]];
      return i;
    };
    std::map<std::string, std::pair<std::size_t, Version>> left;  // name: last record there, its state after
    for (std::size_t i = 0; i < pending.size(); ++i) {
      for (const auto& st : steps_of(pending[i])) {
        auto it = left.find(st.name);
        if (it != left.end() && it->second.second == st.before) life[find(i)] = find(it->second.first);
        left[st.name] = {i, st.after};
      }
    }
    std::set<std::string> names(seeds);
    std::vector<bool> taken(pending.size(), false);
    auto reached = [&](const kml::Record& r) {
      for (const auto& s : seeds)
        if (touches(r, s)) return true;
      for (const auto& n : names_of(r))
        for (const auto& d : names)
          if (n.size() > d.size() && at_or_under(n, d)) return true;  // under a directory reached
      return false;
    };
    for (bool grew = true; grew;) {
      grew = false;
      std::set<std::size_t> lives;
      for (std::size_t i = 0; i < pending.size(); ++i)
        if (!taken[i] && reached(pending[i])) lives.insert(find(i));
      for (std::size_t i = 0; i < pending.size(); ++i) {
        if (taken[i] || !lives.contains(find(i))) continue;
        taken[i] = true;
        grew = true;
        for (auto& n : names_of(pending[i])) names.insert(n);
      }
    }
    // A name's base is what the server held there as this host last saw it
    // before changing it: the state a taken record found that this host's
    // own taken records before it did not make.
    std::map<std::string, ServerBase> bases;
    std::map<std::string, Version> made_here;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (!taken[i]) continue;
      state.superseded.insert(pending[i].recno);
      for (const auto& st : steps_of(pending[i])) {
        auto it = made_here.find(st.name);
        if (it == made_here.end() || it->second != st.before) bases[st.name] = ServerBase{st.before, st.dir};
        made_here[st.name] = st.after;
      }
    }
    for (const auto& [name, last] : left)
      if (!taken[last.first] && bases.contains(name)) bases[name].carried = true;
    for (const auto& n : names) bases.try_emplace(n, ServerBase{});
    for (const auto& [name, last] : left)
      if (auto it = bases.find(name); it != bases.end()) it->second.changed_here = true;
    // Records sent but not acknowledged go again, as noops where superseded.
    next_to_send = std::min(next_to_send, server_counters().acked + 1);
    return bases;
  }

  // Journals this host's present state of every name in `bases` but those in
  // `skip`, on top of what the server holds there: parents before children
  // for what exists here, children before parents for what is gone.
  void rebase_names(const std::map<std::string, ServerBase>& bases, const std::set<std::string>& skip) {
    std::vector<std::string> present, gone;
    for (const auto& [name, base] : bases) {
      if (skip.contains(name) || base.carried) continue;
      const auto local = ports.store.lookup(name);
      if (local && local->version.host != cfg.self) continue;  // the server's state already
      (local ? present : gone).push_back(name);
    }
    auto depth = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
    std::stable_sort(present.begin(), present.end(), [&](auto& x, auto& y) { return depth(x) < depth(y); });
    std::stable_sort(gone.begin(), gone.end(), [&](auto& x, auto& y) { return depth(x) > depth(y); });
    for (const auto& n : present) rebase_local(n, bases.at(n).version);
    for (const auto& n : gone) rebase_local(n, bases.at(n).version, bases.at(n).dir);
    // A name the server described while this host's own object stood there
    // (the description was not taken, and the server's records of it were
    // skipped as described): this host's object is gone now, so what the
    // server holds there comes in after all.
    std::vector<std::string> again;
    for (const auto& n : gone)
      if (const auto it = state.described.find(n); it != state.described.end() && it->second != 0 && !ports.store.lookup(n))
        again.push_back(n);
    if (!again.empty()) ask_description(again);
  }

  // A copy of what this replica has at `path`, under a conflict name.
  // Only a version of this host's that the server does not hold is copied:
  // anything else is the server's already, or was replaced there knowingly.
  std::optional<std::string> keep_local_copy(const std::string& path) {
    const auto local = ports.store.lookup(path);
    if (!local || (local->type != ObjType::file && local->type != ObjType::symlink)) return std::nullopt;
    if (server_has(local->version)) return std::nullopt;
    if (local->type == ObjType::file && local->data_missing) return std::nullopt;
    return journal_copy(path, conflict_name(path, cfg.self_name, local->version), *local);
  }

  // Journals a copy of this host's object `local` at `from` (a file with its
  // content, a symlink, or an empty directory) under the first of `to`,
  // `to-1`, `to-2`, ... that is free or holds this copy already; returns the
  // name used.
  std::string journal_copy(const std::string& from, const std::string& to, const ObjectInfo& local) {
    for (unsigned n = 0;; ++n) {
      const std::string name = numbered(to, n);
      const auto there = ports.store.lookup(name);
      if (there && !holds_copy(from, name, *there, local)) continue;
      if (there) {
        finish_copy(from, name);
        return name;
      }
      kml::Record create;
      create.op = local.type == ObjType::file ? Op::create : local.type == ObjType::dir ? Op::mkdir : Op::symlink;
      create.path = name;
      create.attrs.mode = local.mode;
      create.writer = {0, local.uid, local.gid};  // the copy keeps its owner
      if (local.type == ObjType::symlink) create.path2 = local.target;
      journal_local(create);
      if (local.type == ObjType::file) {
        check(ports.store.copy(from, name));
        journal_close(name, ports.store.lookup(name)->size);
      }
      return name;
    }
  }

  // Whether `there`, the object at the copy's name `to`, is this copy of
  // `local` (at `from`), made before a crash stopped the resolution: a
  // directory for a directory (it holds the copies of what was in one), a
  // symlink with the same target, a file with the same bytes, or the empty
  // file of a copy whose content was not in yet (its create is this host's
  // last record there). Anything else is someone's file that happens to have
  // the name, and stays.
  bool holds_copy(const std::string& from, const std::string& to, const ObjectInfo& there, const ObjectInfo& local) {
    if (there.type != local.type) return false;
    switch (local.type) {
      case ObjType::dir: return true;
      case ObjType::symlink: return there.target == local.target;
      case ObjType::file: return ports.store.same_content(from, to) || (there.size == 0 && copy_unfilled(to));
      default: return false;
    }
  }

  // Whether this host's last unacknowledged record at `to` is its create.
  bool copy_unfilled(const std::string& to) {
    std::optional<kml::Record> last;
    each_unacked_own([&](kml::Record& r) {
      if (touches(r, to)) last = std::move(r);
    });
    return last && last->op == Op::create;
  }

  // A copy made before a crash stopped the resolution: a file whose close
  // the journal does not hold yet gets its content and the close; anything
  // else is done.
  void finish_copy(const std::string& from, const std::string& to) {
    if (!copy_unfilled(to)) return;
    check(ports.store.copy(from, to));
    journal_close(to, ports.store.lookup(to)->size);
  }

  // Server wins at a directory the server removed, under which this host
  // made or changed things: they cannot stay where they are (the server
  // refuses anything under a directory it no longer has), so this host's
  // versions under it are copied into a new directory under a conflict
  // name, and the directory here is emptied for the server's removal. The
  // names emptied join `contested`: none of this host's records there is
  // carried over (supersede_closure took them all, as they lie under `dir`).
  std::optional<std::string> keep_local_tree(const std::string& dir, std::set<std::string>& contested) {
    const auto local = ports.store.lookup(dir);
    if (!local || local->type != ObjType::dir) return std::nullopt;
    // Everything under it here (this host's records there may have been
    // superseded already, by a quarantine), parents before children.
    std::vector<std::pair<std::string, ObjectInfo>> under;
    std::vector<std::string> walk{dir};
    while (!walk.empty()) {
      const auto at = std::move(walk.back());
      walk.pop_back();
      for (auto& name : ports.store.entries(at)) {
        auto obj = ports.store.lookup(name);
        if (!obj) continue;
        if (obj->type == ObjType::dir) walk.push_back(name);
        under.emplace_back(std::move(name), std::move(*obj));
      }
    }
    std::sort(under.begin(), under.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    if (under.empty()) return std::nullopt;
    const std::string root = journal_copy(dir, conflict_name(dir, cfg.self_name, local->version), *local);
    // Where each directory's copy went (a name taken by something else moves
    // a copy to the next free one, and what was under it follows).
    std::map<std::string, std::string> copied_to{{dir, root}};
    for (const auto& [name, obj] : under) {
      // Every directory, to hold what is under it; this host's versions the server lacks.
      const bool copied = obj.type == ObjType::dir || (!server_has(obj.version) && !obj.data_missing);
      if (!copied) continue;
      const auto slash = name.rfind('/');
      const std::string to = journal_copy(name, copied_to.at(name.substr(0, slash)) + name.substr(slash), obj);
      if (obj.type == ObjType::dir) copied_to.emplace(name, to);
    }
    for (auto it = under.rbegin(); it != under.rend(); ++it) {
      kml::Record rm;
      rm.op = it->second.type == ObjType::dir ? Op::rmdir : Op::unlink;
      rm.path = it->first;
      check(ports.store.force(rm));
      contested.insert(it->first);
    }
    return root;
  }

  // Journals the close of the file at `path`, at its present version, with `size`.
  void journal_close(const std::string& path, std::uint64_t size) {
    kml::Record close;
    close.op = Op::close;
    close.path = path;
    close.obj_old = ports.store.lookup(path)->version;
    close.attrs.valid = IZO_ATTR_SIZE;
    close.attrs.size = size;
    journal_local(close);
  }

  void resolve_case(Case& c, fsm::Winner w) {
    c.info.winner = w;
    if (w == fsm::Winner::server) {
      // A quarantined conflict held the server's updates of its name while
      // others came and went: its names take the server's present state,
      // as the server describes it, not its held updates forced in their
      // order (another resolution may have moved a name on since, or an
      // update held here may belong to a name another conflict holds).
      const bool was_held = std::any_of(state.quarantined.begin(), state.quarantined.end(),
                                        [&](const HeldConflict& h) { return h.id == c.info.id; });
      // A name another quarantined conflict holds: its own, or one of the
      // server's updates that conflict holds touches (a conflict at a
      // directory holding nothing of the server's does not hold its names).
      auto held_elsewhere = [&](const std::string& n) {
        return std::any_of(state.quarantined.begin(), state.quarantined.end(), [&](const HeldConflict& h) {
          if (h.id == c.info.id || !at_or_under(n, h.path)) return false;
          if (n == h.path) return true;
          return std::any_of(h.remote.begin(), h.remote.end(), [&](const kml::Record& r) { return touches(r, n); });
        });
      };
      std::set<std::string> names{c.info.path};
      for (const auto& r : c.remote)
        for (auto& n : names_of(r))
          if (!held_elsewhere(n)) names.insert(n);
      // A directory this host removed above a name the server changed comes
      // back as the server holds it, with everything of it this host
      // removed: the server's change cannot stand without its directory.
      const auto restored = removed_ancestors(names);
      names.insert(restored.begin(), restored.end());
      const auto bases = supersede_closure(names);
      // The server's state wins where it is not what this host's changes
      // started from. Elsewhere (the other name of a refused rename, say)
      // this host's changes are not in conflict and are carried over.
      const auto remote_final = final_versions(c.remote);
      std::set<std::string> contested{c.info.path};
      for (const auto& [n, v] : remote_final)
        if (names.contains(n) && bases.at(n).version != v) contested.insert(n);
      std::vector<std::string> described;  // parents before children (map order)
      for (const auto& entry : bases) {
        const std::string& n = entry.first;  // (clang 14 lambdas cannot capture a structured binding)
        if (std::any_of(restored.begin(), restored.end(), [&](const std::string& d) { return at_or_under(n, d); }))
          described.push_back(n);
      }
      contested.insert(described.begin(), described.end());
      for (const auto& [n, v] : remote_final)
        if (contested.contains(n) && !server_leaves_directory(c.remote, n))
          if (auto copy = keep_local_tree(n, contested)) c.info.kept.push_back(*copy);
      for (const auto& n : contested)
        if (auto copy = keep_local_copy(n)) c.info.kept.push_back(*copy);
      // The copies, what they supersede and the conflict are durable before
      // the server's versions replace this host's: a crash from here on
      // finds them, and the conflict found again resolves to the same names.
      remember_resolved(c.info);
      make_durable();
      // A directory this host replaced by something else (kept as a copy
      // above) is cleared for the server's to come back.
      for (const auto& d : restored)
        if (!directory_here(d)) clear_for_description(d);
      std::set<std::string> asked(described.begin(), described.end());
      for (const auto& r : c.remote) {
        const auto rn = names_of(r);
        std::vector<std::string> describe;
        if (was_held) {
          // Every name the held update changed takes the server's state
          // but where this host's own version stands outside the conflict.
          for (const auto& n : rn)
            if (!held_elsewhere(n) && (contested.contains(n) || !(bases.at(n).changed_here || own_version_at(n))))
              describe.push_back(n);
        } else if (std::none_of(rn.begin(), rn.end(), [&](const std::string& n) { return contested.contains(n); })) {
          continue;
        } else if (std::any_of(rn.begin(), rn.end(), [&](const std::string& n) { return asked.contains(n); })) {
          // A record is not forced in part: one touching a name that takes
          // the server's description has its other names described too
          // (but where this host's own version stands outside the
          // conflict: the source of a move into the restored directory,
          // untouched here, goes as the server moved it).
          for (const auto& n : rn)
            if (contested.contains(n) || (!held_elsewhere(n) && !(bases.at(n).changed_here || own_version_at(n))))
              describe.push_back(n);
        } else if (takes_away_from_here(r, contested)) {
          // The server moved its object from a name where this host's
          // own stands (its state there is not in this conflict): forcing
          // the rename would take this host's object away. The target
          // takes the server's state as the server describes it.
          describe.push_back(r.path2);
        } else {
          check(ports.store.force(r));
          continue;
        }
        for (const auto& n : describe) {
          if (!asked.insert(n).second) continue;
          clear_for_description(n);
          described.push_back(n);
        }
      }
      rebase_names(bases, contested);
      // Names under a removed directory take the server's present state, as
      // it describes them (this host no longer has the versions it removed).
      if (!described.empty()) ask_description(described);
      make_durable();
      fetch_missing(cfg.server);
      post([this, &c] { check(c.machine.process(ce::Done{})); });
      return;
    }
    // The client's version stays at the name; the server's is kept as a copy.
    const auto bases = supersede_closure({c.info.path});
    c.server_dir = bases.at(c.info.path).dir;
    rebase_names(bases, {c.info.path});
    describe_other_names(c.remote, c.info.path);
    keep_servers_version(c);
  }

  // Whether the server's records `remote` leave a directory at `path` that
  // can take this host's directory there as it is: not when they remove the
  // name, or make a file, a symlink or a device there (this host's tree at
  // the name is then kept under a conflict name, as it cannot stay).
  static bool server_leaves_directory(const std::vector<kml::Record>& remote, const std::string& path) {
    const auto [last, after] = server_side(remote, path);
    if (!after.exists()) return false;
    switch (last->op) {
      case Op::create:
      case Op::close:
      case Op::symlink:
      case Op::mknod:
      case Op::link: return false;
      default: return true;
    }
  }

  // Whether this host holds at `path` a version of its own the server lacks.
  bool own_version_at(const std::string& path) {
    const auto here = ports.store.lookup(path);
    return here && !server_has(here->version);
  }

  // Whether forcing the server's rename `r` would move away a version of
  // this host's that the server does not have (not the object the server
  // moved), from a name outside the conflict.
  bool takes_away_from_here(const kml::Record& r, const std::set<std::string>& contested) {
    if (r.op != Op::rename || contested.contains(r.path)) return false;
    const auto here = ports.store.lookup(r.path);
    return here && here->version != r.obj_old && own_version_at(r.path);
  }

  // Empties a contested name that is to take the server's state from its
  // description (a resolution kept this host's version first): a
  // description is taken where this host holds nothing of its own.
  void clear_for_description(const std::string& path) {
    const auto here = ports.store.lookup(path);
    if (!here || (here->type == ObjType::dir && ports.store.has_entries(path))) return;
    kml::Record rm;
    rm.op = here->type == ObjType::dir ? Op::rmdir : Op::unlink;
    rm.path = path;
    check(ports.store.force(rm));
  }

  // The directories above `names` that this host does not have (it removed
  // them, or put something else at their name), outermost first.
  std::vector<std::string> removed_ancestors(const std::set<std::string>& names) {
    std::set<std::string> missing;
    for (const auto& n : names)
      for (auto p = parent_path(n); !p.empty() && !missing.contains(p); p = parent_path(p)) {
        if (directory_here(p)) break;
        missing.insert(p);
      }
    return {missing.begin(), missing.end()};
  }

  bool directory_here(const std::string& path) const {
    const auto o = ports.store.lookup(path);
    return o && o->type == ObjType::dir;
  }

  // The server's last record that changed `path` among `remote`, and the
  // version it left there (none: the server removed the name).
  static std::pair<const kml::Record*, Version> server_side(const std::vector<kml::Record>& remote,
                                                            const std::string& path) {
    const kml::Record* last = nullptr;
    Version after;
    for (const auto& r : remote)
      for (const auto& st : steps_of(r))
        if (st.name == path) {
          last = &r;
          after = st.after;
        }
    return {last, after};
  }

  // The other names the server's records of a client-wins case changed (the
  // source of a rename onto the name, the target of one away from it) are
  // not in conflict: they take the server's state, described by it.
  // One in a directory this host removed cannot take it: it is a conflict
  // of its own (as when the server's record had come alone).
  void describe_other_names(const std::vector<kml::Record>& remote, const std::string& path) {
    std::set<std::string> others;
    std::map<std::string, std::vector<kml::Record>> orphaned;
    for (const auto& r : remote)
      for (const auto& n : names_of(r)) {
        if (n == path || state.described.contains(n)) continue;
        if (!removed_ancestors({n}).empty()) {
          orphaned[n].push_back(r);
        } else if (!open_case_at(n)) {
          others.insert(n);
        }
      }
    if (!others.empty()) ask_description({others.begin(), others.end()});
    for (auto& entry : orphaned) {  // (clang 14 lambdas cannot capture a structured binding)
      const std::string n = entry.first;
      const std::string reason = "changed there, in a directory deleted here (" + removed_ancestors({n}).front() + ")";
      // Records a case there holds already are not a new conflict; others
      // continue a case there waiting for the server's copy (open_case
      // joins it), or open one.
      post([this, n, recs = std::move(entry.second), reason] {
        std::vector<kml::Record> fresh;
        for (const auto& r : recs)
          if (!case_holds(n, r)) fresh.push_back(r);
        if (!fresh.empty()) open_case(std::move(fresh), Decision{Verdict::conflict, n, reason});
      });
    }
  }

  bool case_holds(const std::string& path, const kml::Record& r) const {
    return std::any_of(cases.begin(), cases.end(), [&](const auto& c) {
      const auto& remote = c.second->remote;
      return c.second->info.path == path && c.second->machine.open() &&
             std::find(remote.begin(), remote.end(), r) != remote.end();
    });
  }

  bool open_case_at(const std::string& path) const {
    return std::any_of(cases.begin(), cases.end(),
                       [&](const auto& c) { return c.second->info.path == path && c.second->machine.open(); });
  }

  // Client wins: keeps the server's present version of the case's name under
  // a conflict name, then journals this host's version over it. A symlink is
  // copied at once; a file's content is fetched into an empty copy (made
  // here, or the one already waiting); when the server removed the name, or
  // put a directory or a node there, there is no content to keep, and a copy
  // still empty goes.
  void keep_servers_version(Case& c) {
    const auto [last, after] = server_side(c.remote, c.info.path);
    if (!last) return finish_client_wins(c, c.info.remote);
    c.info.remote = after;
    switch (last->op) {
      case Op::mkdir:
        c.server_kind = ObjType::dir;
        c.server_dir = true;
        break;
      case Op::create:
      case Op::close: c.server_kind = ObjType::file; break;
      case Op::symlink: c.server_kind = ObjType::symlink; break;
      case Op::mknod: c.server_kind = ObjType::node; break;
      default: break;
    }
    const bool symlink = last->op == Op::symlink;
    const bool content = after.exists() && !symlink && last->op != Op::mkdir && last->op != Op::mknod;
    if (!content) drop_empty_copy(c);
    if (!after.exists()) return finish_client_wins(c, Version{});
    if (symlink) {
      kml::Record copy;
      copy.op = Op::symlink;
      copy.path = server_copy_name(c.info.path, after);
      copy.path2 = last->path2;
      copy.attrs.mode = last->attrs.mode;
      journal_local(copy);
      c.info.kept.push_back(copy.path);
      return finish_client_wins(c, after);
    }
    if (!content) return finish_client_wins(c, after);
    if (c.copy_path.empty()) {
      kml::Record copy;
      copy.op = Op::create;
      copy.path = server_copy_name(c.info.path, after);
      copy.attrs.mode = 0100644;
      journal_local(copy);
      c.info.kept.push_back(copy.path);
      c.copy_path = copy.path;
      c.copy_version = ports.store.lookup(copy.path)->version;
      // Until the copy is filled, this host's version waits outside the
      // journal: the case must outlive a crash.
      state.awaiting_copy.push_back(AwaitedCopy{c.info.id, c.info.path, after, c.copy_path, c.copy_version});
      make_durable();
    } else {
      for (auto& a : state.awaiting_copy)
        if (a.id == c.info.id) a.remote = after;  // persisted with the batch that brought it
    }
    request_copy(c);
  }

  // Where a client-wins case keeps the server's version `v` of `path`: beside
  // it, or, when this host removed a directory above it, in a new directory
  // named for the outermost one removed, made here (journaled) with the
  // folders between (the server's version cannot stay under a directory the
  // client's removal wins at).
  std::string server_copy_name(const std::string& path, const Version& v) {
    const auto removed = removed_ancestors({path});
    // Named for the server and for this host: two clients that each keep
    // the same server version must not make the same new name (each would
    // then be a conflict at the other's copy).
    const std::string who = "server-via-" + cfg.self_name;
    // The first free name (one someone made already stays theirs), or for a
    // new folder, one that is a folder (made before a crash stopped the
    // resolution, or someone's, which can hold the copy as well).
    auto free_name = [&](const std::string& name, bool folder) {
      for (unsigned n = 0;; ++n) {
        const auto there = ports.store.lookup(numbered(name, n));
        if (!there || (folder && there->type == ObjType::dir)) return numbered(name, n);
      }
    };
    if (removed.empty()) return free_name(conflict_name(path, who, v), false);
    const auto& outer = removed.front();
    const std::string root = free_name(conflict_name(outer, who, v), true);
    for (const auto& d : removed) {
      const std::string dir = root + d.substr(outer.size());
      if (ports.store.lookup(dir)) continue;  // made before a crash stopped the resolution
      kml::Record mkdir;
      mkdir.op = Op::mkdir;
      mkdir.path = dir;
      mkdir.attrs.mode = 040755;
      journal_local(mkdir);
    }
    return root + path.substr(outer.size());
  }

  // A client-wins copy still empty, for a server version that is not to be
  // kept after all, goes (journaled, so it goes at the server too).
  void drop_empty_copy(Case& c) {
    if (c.copy_path.empty()) return;
    const auto copy = ports.store.lookup(c.copy_path);
    if (copy && copy->version == c.copy_version) {
      kml::Record rm;
      rm.op = Op::unlink;
      rm.path = c.copy_path;
      rm.obj_old = c.copy_version;
      journal_local(rm);
    }
    std::erase(c.info.kept, c.copy_path);
    c.copy_path.clear();
  }

  // Asks the server for its present version of a client-wins case's object,
  // into the copy. If the case learnt of a newer version meanwhile (the
  // server's writer went on, extend_case), the newer one is asked for: the
  // older was replaced by its own writer, and the server may no longer have
  // it. A failed fetch is asked again when the link comes back.
  void request_copy(Case& c) {
    c.copy_failed = false;
    // One fetch into the copy at a time: the one on its way asks again for
    // the newer version when it ends.
    if (fetch_into(c.copy_path, c.copy_version)) return;
    fetch(cfg.server, c.info.path, c.info.remote, c.copy_path, c.copy_version,
          [this, id = c.info.id, asked = c.info.remote](const std::optional<std::string>& data) {
            auto it = cases.find(id);
            if (it == cases.end() || it->second->copy_path.empty()) return false;  // finished without it
            Case& k = *it->second;
            if (k.info.remote != asked) {
              request_copy(k);
              return false;
            }
            if (!data) {
              k.copy_failed = true;
              log("conflict " + std::to_string(id) + ": the server's " + k.info.path + " " + to_string(asked) +
                  " could not be fetched; asked again when the link comes back");
              return false;
            }
            // Installed by now: the copy's size is the content's (the token
            // is the runtime's handle, not the bytes).
            const auto copy = ports.store.lookup(k.copy_path);
            if (copy && copy->version == k.copy_version) {
              journal_close(k.copy_path, copy->size);
            } else {
              log("conflict " + std::to_string(id) + ": " + k.copy_path + " changed here before the server's " +
                      k.info.path + " " + to_string(asked) + " arrived; that version is not kept",
                  true);
            }
            finish_client_wins(k, asked);
            return false;
          });
  }

  void finish_client_wins(Case& c, Version remote_v) {
    // What this host wrote at the name while the copy was on its way was
    // written on its own version, which the server never had: replaced
    // (sent as noops) by the present state journaled on the server's.
    // Records journaled since the resolution began (its first rebase, when
    // the case ends at once) are made durable first: only durable records
    // are replaced (a crash could give a lost one's number to another).
    if (ports.journal.durable_recno() != ports.journal.last_recno()) make_durable();
    const auto bases = supersede_closure({c.info.path});
    // A version of this host's own among the server's records of the case
    // is one the server said it holds (it forwards this host's own updates
    // as noops; only its description of a name carries them), even if this
    // host replaced the record that made it after sending it.
    const bool said = remote_v.host == cfg.self &&
                      std::any_of(c.remote.begin(), c.remote.end(),
                                  [&](const kml::Record& r) { return r.op != Op::noop && r.obj_new == remote_v; });
    // Where the server has nothing at the name (it removed the directory
    // this host made things in, say), this host's object goes back before
    // anything under it; elsewhere what is under it goes first (a removal
    // here leaves the directory empty before it goes).
    const bool server_lacks = said ? !remote_v.exists() : !server_has(remote_v);
    // The server's object is replaced, not changed, where a change cannot
    // make it this host's: another kind of object, or a symlink (its
    // target is made once).
    const auto here = ports.store.lookup(c.info.path);
    const bool replace = here && c.server_kind &&
                         (*c.server_kind != here->type || here->type == ObjType::symlink);
    // So does this host's directory replacing another kind of object there.
    const bool object_first = server_lacks || (replace && here->type == ObjType::dir);
    if (object_first) rebase_local(c.info.path, remote_v, c.server_dir, said, replace);
    rebase_names(bases, {c.info.path});
    if (!object_first) rebase_local(c.info.path, remote_v, c.server_dir, said, replace);
    std::erase_if(state.awaiting_copy, [&](const AwaitedCopy& a) { return a.id == c.info.id; });
    make_durable();
    post([this, &c] { check(c.machine.process(ce::Done{})); });
  }

  // A conflicting update that continues the remote side of a client-wins
  // case still fetching the server's copy (the server's writer changed the
  // object again, renamed another onto it or removed it, often in the same
  // batch) joins that case instead of opening another: the copy keeps the
  // server's latest version, and the versions it replaced, which the server
  // may no longer have, are not asked for. A rename joins the cases of both
  // its names. True when the case of the conflict's own name was joined.
  bool extend_case(const std::vector<kml::Record>& remote, const Decision& d) {
    bool joined_own = false;
    for (auto& [id, c] : cases) {
      if (!waits_for_copy(*c)) continue;
      std::optional<Version> before;
      for (const auto& r : remote)
        for (const auto& st : steps_of(r))
          if (st.name == c->info.path && !before) before = st.before;
      if (!before || *before != c->info.remote) continue;
      joined_own = joined_own || c->info.path == d.path;
      follow_server(*c, remote, d.reason);
    }
    return joined_own;
  }

  // A forwarded update of a name whose client-wins case still waits for
  // the server's copy is followed by the case whatever the version rule
  // would say of it here: a removal there, say, is no conflict with this
  // host's removal, but the server no longer has the version the copy
  // waits for, and would never have it.
  bool follows_waiting_copy(const kml::Record& r) {
    bool followed = false;
    for (auto& [id, c] : cases) {
      if (!waits_for_copy(*c)) continue;
      for (const auto& st : steps_of(r)) {
        if (st.name != c->info.path || st.before != c->info.remote) continue;
        follow_server(*c, {r}, "the server changed it again");
        followed = true;
        break;
      }
    }
    return followed;
  }

  static bool waits_for_copy(const Case& c) { return !c.copy_path.empty() && c.machine.state() == "resolving"; }

  // A client-wins case waiting for the server's copy learns of the server's
  // later records at its name: the copy keeps the latest version, or none.
  void follow_server(Case& c, const std::vector<kml::Record>& records, const std::string& why) {
    c.remote.insert(c.remote.end(), records.begin(), records.end());
    describe_other_names(records, c.info.path);
    keep_servers_version(c);
    log("conflict " + std::to_string(c.info.id) + " on " + c.info.path + ": the server's version moved on to " +
        to_string(c.info.remote) + " (" + why + ")");
    report(c);
  }

  // Whether the server holds version `v`: one of this host's own only if the
  // record that made it was acknowledged and not replaced by a noop.
  bool server_has(const Version& v) {
    if (!v.exists() || v.host != cfg.self) return v.exists();
    return v.seq <= server_counters().acked && !state.superseded.contains(v.seq);
  }

  // Journals this replica's own state of `path` on top of the server's
  // version, so that reintegration carries it over.
  void rebase_local(const std::string& path, Version remote_v, bool remote_dir = false, bool server_said = false,
                    bool replace = false) {
    if (!server_said && !server_has(remote_v)) remote_v = Version{};
    if (replace && remote_v.exists() && ports.store.lookup(path)) {
      // The server's object goes, and this host's is made anew in its place.
      kml::Record rm;
      rm.op = remote_dir ? Op::rmdir : Op::unlink;
      rm.path = path;
      rm.obj_old = remote_v;
      journal_local(rm, false);
      remote_v = Version{};
    }
    const auto local = ports.store.lookup(path);
    if (!local) {
      if (remote_v.exists()) {
        kml::Record rm;
        rm.op = remote_dir ? Op::rmdir : Op::unlink;
        rm.path = path;
        rm.obj_old = remote_v;
        journal_local(rm, false);
      }
      return;
    }
    if (local->type == ObjType::file && local->data_missing) {
      // Moved here while its content was never fetched, and the version it
      // came from is replaced at the server: there is nothing of this host's
      // to carry over, so the name takes the server's state, which this
      // host may never have had: it asks the server for it.
      kml::Record rm;
      rm.op = Op::unlink;
      rm.path = path;
      check(ports.store.force(rm));
      log(path + ": its content never reached this host and its origin was replaced at the server; "
                 "the name takes the server's state");
      ask_description({path});
      return;
    }
    kml::Record attrs;
    attrs.op = Op::setattr;
    attrs.path = path;
    attrs.obj_old = remote_v;
    attrs.attrs.valid = IZO_ATTR_MODE | IZO_ATTR_UID | IZO_ATTR_GID;
    attrs.attrs.mode = local->mode;
    attrs.attrs.uid = local->uid;
    attrs.attrs.gid = local->gid;
    attrs.writer = {0, local->uid, local->gid};
    if (!remote_v.exists()) {
      kml::Record create;
      create.op = local->type == ObjType::dir ? Op::mkdir
                  : local->type == ObjType::symlink ? Op::symlink : Op::create;
      create.path = path;
      create.path2 = local->target;
      create.attrs.mode = local->mode;
      create.writer = {0, local->uid, local->gid};  // the object's owner, as here
      create.obj_new = Version{cfg.self, next_stamp_seq()};
      journal_local(create, false);
      attrs.obj_old = create.obj_new;
    }
    journal_local(attrs);  // sets the local object's version too
    if (local->type == ObjType::file) journal_close(path, local->size);
  }

  // ---- client: names whose state is the server's (wire::Describe) --------
  // Marks `names` as waiting for the server's description and asks for it
  // when connected (else on the next welcome). The caller persists the mark
  // with the store change that made it needed.
  void ask_description(const std::vector<std::string>& names) {
    for (const auto& n : names) state.described[n] = 0;
    send_describe(names);
  }

  void send_describe(const std::vector<std::string>& names) {
    if (!link->connected() || names.empty()) return;
    for (std::size_t i = 0; i < names.size(); i += wire::kMaxDescribeNames) {
      wire::Describe d{cfg.fileset, {}};
      for (std::size_t j = i; j < std::min(names.size(), i + wire::kMaxDescribeNames); ++j)
        d.names.push_back(wire::NameRef{names[j]});
      send(cfg.server, std::move(d));
    }
  }

  void ask_pending_descriptions() {
    std::vector<std::string> pending;
    for (const auto& [n, through] : state.described)
      if (through == 0) pending.push_back(n);
    send_describe(pending);
  }

  // Whether a forwarded record is already in, or about to be replaced by,
  // the server's description of one of its names. A skipped record's other
  // names are asked for too: it is not applied in part.
  bool covered_by_description(const kml::Record& r) {
    if (state.described.empty()) return false;
    bool covered = false;
    for (const auto& n : names_of(r)) {
      auto it = state.described.find(n);
      if (it != state.described.end() && (it->second == 0 || r.recno <= it->second)) covered = true;
      // Under a directory still waiting for its description (one this host
      // removed, say): the record cannot be applied before it comes.
      for (auto p = parent_path(n); !covered && !p.empty(); p = parent_path(p)) {
        auto up = state.described.find(p);
        if (up != state.described.end() && up->second == 0) covered = true;
      }
    }
    if (!covered) return false;
    // Its other names are asked for, as are those whose description is
    // older than the record (it changed them since).
    std::vector<std::string> more;
    for (const auto& n : names_of(r)) {
      const auto it = state.described.find(n);
      if (it == state.described.end() || (it->second != 0 && it->second < r.recno)) more.push_back(n);
    }
    if (!more.empty()) ask_description(more);
    return true;
  }

  void on_describe_reply(const wire::DescribeReply& m) {
    if (m.status != wire::Status::ok) return log("the server did not describe names: status " + std::to_string(static_cast<int>(m.status)), true);
    for (const auto& r : m.records) {
      if (auto bad = kml::check(r)) return drop(cfg.server, "description refused: " + bad->message);
    }
    // Only names still waiting take it; one this host wrote again meanwhile
    // keeps its own state (its records go to the server, which sees any
    // conflict with what it describes here).
    std::set<std::string> answered, taken;
    for (const auto& r : m.records) {
      auto it = state.described.find(r.path);
      if (it == state.described.end() || it->second != 0) continue;
      answered.insert(r.path);
      const auto local = ports.store.lookup(r.path);
      if (!local || server_has(local->version)) taken.insert(r.path);
    }
    for (const auto& r : m.records)
      if (taken.contains(r.path)) check(ports.store.force(r));
    // A client-wins case at a described name learns the server's present
    // version there: the one its copy must keep (none: nothing to keep).
    for (auto& [id, c] : cases) {
      if (!waits_for_copy(*c) || !answered.contains(c->info.path)) continue;
      std::vector<kml::Record> now;
      for (const auto& r : m.records)
        if (r.path == c->info.path) now.push_back(r);
      if (!now.empty()) follow_server(*c, now, "described by the server");
    }
    const auto next = server_counters().next_to_expect;
    for (const auto& n : answered) {
      if (m.through < next) {
        state.described.erase(n);  // every record it covers came already
      } else {
        state.described[n] = m.through;
      }
    }
    make_durable();
    fetch_missing(cfg.server);
  }

  // Descriptions every record they cover has come by are done with.
  void forget_old_descriptions() {
    const auto next = server_counters().next_to_expect;
    std::erase_if(state.described, [&](const auto& d) { return d.second != 0 && d.second < next; });
  }

  // A record refused at a name a quarantined conflict holds (this host
  // wrote it again while the conflict waits for a person) joins that
  // conflict: it is superseded like the records the quarantine took, and
  // what the server holds there comes in the held forwarded records (a
  // description of it now could be older than some of them). The
  // resolution decides for all of this host's updates there at once.
  bool join_quarantine(const wire::ReintegrateReply& m) {
    std::set<std::string> names{m.conflict_path};
    for (const auto& r : m.server_state) names.insert(r.path);
    for (const auto& held : state.quarantined) {
      if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return at_or_under(n, held.path); }))
        continue;
      log("server refused record " + std::to_string(next_to_send) + " (" + m.reason + "): " + held.path +
          " waits for conflict " + std::to_string(held.id) + " to be resolved; this host's updates there join it");
      // Nothing at or under the held name is journaled again now: the
      // resolution decides it.
      const auto bases = supersede_closure({held.path});
      std::set<std::string> held_names;
      for (const auto& [n, base] : bases)
        if (at_or_under(n, held.path)) held_names.insert(n);
      rebase_names(bases, held_names);
      make_durable();
      send_batch();
      return true;
    }
    return false;
  }

  void quarantine_case(Case& c) {
    rebase_names(supersede_closure({c.info.path}), {c.info.path});
    state.quarantined.push_back(HeldConflict{c.info.id, c.info.path, c.remote});
    // The held records and the counters past the records before them go to
    // disk with the store they describe, never ahead of it.
    make_durable();
    report(c, "quarantined");
  }

  void case_resolved(Case& c) {
    std::erase_if(state.quarantined, [&](const HeldConflict& h) { return h.id == c.info.id; });
    remember_resolved(c.info);
    // The resolution's changes are durable before the conflict is forgotten.
    make_durable();
    ++resolved_count;
    log("conflict " + std::to_string(c.info.id) + " on " + c.info.path + " resolved: " +
        std::string(fsm::winner_name(c.info.winner.value_or(fsm::Winner::client))) + " wins" +
        (c.info.kept.empty() ? "" : ", other version kept as " + c.info.kept.front()));
    report(c, "resolved");
    const auto id = c.info.id;
    post([this, id] {
      cases.erase(id);
      if (link->state() == "resolving") check(link->process(cle::Resolved{}));
      if (!link->connected()) return;
      if (link->state() == "reintegrating" || link->state() == "synced") send_batch();
    });
  }

  // ---- server --------------------------------------------------------------
  std::unique_ptr<fsm::PermitServer> arbiter;
  std::map<HostId, std::unique_ptr<Peer>> peers;
  std::map<HostId, std::uint64_t> pending_grants;
  std::set<HostId> break_after_grant;
  std::deque<std::uint64_t> local_waiters;
  std::optional<std::uint64_t> self_break_epoch;

  void grant(HostId to, std::uint64_t epoch) override {
    if (to == cfg.self) {
      for (auto id : local_waiters) out.push_back(effect::UpcallReply{id, true});
      local_waiters.clear();
      return;
    }
    auto it = peers.find(to);
    if (it != peers.end() && it->second->caught_up()) {
      send(to, wire::PermitReply{wire::Status::ok, cfg.fileset, epoch, ""});
    } else {
      pending_grants[to] = epoch;  // after the replicator has everything
    }
  }
  void send_break(HostId holder, std::uint64_t epoch) override {
    if (holder == cfg.self) {
      // Presto is asked to give it back; permit_returned() releases it.
      self_break_epoch = epoch;
      out.push_back(effect::UpcallReply{0, false});
      return;
    }
    if (pending_grants.contains(holder)) {
      // The grant waits for the holder to catch up; it is delivered first and
      // taken back right after, so the holder gets to write once (no
      // starvation) and the break follows the grant on the same connection.
      break_after_grant.insert(holder);
      return;
    }
    send(holder, wire::BreakPermit{cfg.fileset, epoch});
  }

  // What this replica holds at `path`, as records that make it so when
  // forced on another store (see wire::ReintegrateReply::server_state).
  void describe_object(const std::string& path, std::vector<kml::Record>& into) const {
    kml::Record r;
    r.path = path;
    const auto obj = ports.store.lookup(path);
    if (!obj) {
      r.op = Op::unlink;
      into.push_back(std::move(r));
      return;
    }
    r.op = obj->type == ObjType::dir       ? Op::mkdir
           : obj->type == ObjType::symlink ? Op::symlink
           : obj->type == ObjType::node    ? Op::mknod
                                           : Op::create;
    if (r.op == Op::symlink) r.path2 = obj->target;
    r.attrs.valid = IZO_ATTR_MODE;
    r.attrs.mode = obj->mode;
    r.writer = {0, obj->uid, obj->gid};
    r.obj_new = obj->version;
    r.origin = cfg.self;
    into.push_back(r);
    if (obj->type != ObjType::file) return;
    kml::Record size;
    size.op = Op::close;
    size.path = path;
    size.obj_old = obj->version;
    size.obj_new = obj->version;
    // Content not here yet has no size to tell (an empty one would say the
    // whole content): the other side fetches it.
    if (!obj->data_missing) {
      size.attrs.valid = IZO_ATTR_SIZE;
      size.attrs.size = obj->size;
    }
    size.origin = cfg.self;
    into.push_back(std::move(size));
  }

  void welcome(Peer& p) {
    send(p.id, wire::HelloReply{wire::Status::ok, "", cfg.self_name, cfg.self,
                                state.peers[p.id].next_to_expect, ports.journal.durable_recno()});
  }

  void forward_batch(Peer& p) {
    if (p.in_flight_flag) return;
    auto records = ports.journal.read(p.next_to_send, cfg.batch_records);
    if (records.empty()) return;
    for (auto& r : records)
      if (r.origin == p.id) r = noop_in_place_of(r);  // its own update: it has it
    p.next_to_send = records.back().recno + 1;
    p.in_flight_flag = true;
    send(p.id, wire::UpdateNotify{cfg.fileset, std::move(records)});
  }

  void new_records() {
    for (auto& [id, p] : peers) check(p->link.process(sle::NewRecords{}));
  }

  Peer* known_peer(HostId from) {
    auto it = peers.find(from);
    return it == peers.end() ? nullptr : it->second.get();
  }

  void on_hello(HostId from, const wire::Hello& m) {
    auto refuse = [&](std::string why) {
      log("refusing host " + std::to_string(from) + " (" + m.sysid + "): " + why, true);
      send(from, wire::HelloReply{wire::Status::refused, why, cfg.self_name, cfg.self, 0, 0});
      out.push_back(effect::Drop{from, why});
    };
    if (m.protocol != wire::kProtocolVersion)
      return refuse("protocol version " + std::to_string(m.protocol) + " is not spoken here");
    if (m.fileset != cfg.fileset) return refuse("fileset " + m.fileset + " is not served here");
    Peer* p = known_peer(from);
    if (!p || m.host_id != from) return refuse(m.sysid + " is not a replicator of " + cfg.fileset);
    if (m.next_to_expect > ports.journal.durable_recno() + 1)
      return refuse("it expects record " + std::to_string(m.next_to_expect) +
                    " but this server's journal ends at " +
                    std::to_string(ports.journal.durable_recno()));
    if (m.last_recno + 1 < state.peers[from].next_to_expect)
      return refuse("its journal ends at " + std::to_string(m.last_recno) +
                    " but this server already has its records up to " +
                    std::to_string(state.peers[from].next_to_expect - 1) +
                    ": its journal lost records");
    p->next_to_send = m.next_to_expect;
    // What it expects next, it holds durably before: acknowledged.
    if (m.next_to_expect > 0) state.peers[from].acked = std::max(state.peers[from].acked, m.next_to_expect - 1);
    p->in_flight_flag = false;
    check(p->link.process(sle::Hello{}));
    fetch_missing(from);
  }

  void on_ack(Peer& p, const wire::Ack& m) {
    auto& pc = state.peers[p.id];
    // Not persisted on its own: a server only reports what a replicator
    // acknowledged (its lag), and after a restart the replicator's hello
    // says it again. The next persist carries it.
    pc.acked = std::max(pc.acked, m.recno);
    if (m.recno + 1 >= p.next_to_send) p.in_flight_flag = false;
    check(p.link.process(sle::Acked{}));
    auto g = pending_grants.find(p.id);
    if (g != pending_grants.end() && p.caught_up()) {
      send(p.id, wire::PermitReply{wire::Status::ok, cfg.fileset, g->second, ""});
      if (break_after_grant.erase(p.id) != 0) send(p.id, wire::BreakPermit{cfg.fileset, g->second});
      pending_grants.erase(g);
    }
  }

  void on_reintegrate(Peer& p, const wire::Reintegrate& m) {
    auto& pc = state.peers[p.id];
    if (arbiter->holder() != p.id) {
      send(p.id, wire::ReintegrateReply{wire::Status::refused, pc.next_to_expect - 1, 0,
                                        "reintegration needs the permit", "", {}});
      return;
    }
    if (p.batch) {
      send(p.id, wire::ReintegrateReply{wire::Status::refused, pc.next_to_expect - 1, 0,
                                        "the previous batch is still being applied", "", {}});
      return;
    }
    for (const auto& r : m.records) {
      if (auto bad = kml::check(r))
        return drop(p.id, "record " + std::to_string(r.origin_recno) + " refused: " + bad->message);
    }
    Peer::Batch b;
    b.serial = ++p.batches;
    b.records = m.records;
    b.later = later_stamps(b.records);
    while (b.from < b.records.size() && b.records[b.from].origin_recno < pc.next_to_expect) ++b.from;
    b.needs = content_needs(b.records, b.from);
    b.content.resize(b.needs.size());
    b.unanswered = b.needs.size();
    p.batch = std::move(b);
    if (p.batch->needs.empty()) return apply_batch(p);
    // Every closed file's content is asked for at once, under the name and
    // version it has once the batch is applied; nothing is applied before
    // all have answered.
    for (std::size_t i = 0; i < p.batch->needs.size(); ++i) {
      const auto& n = p.batch->needs[i];
      fetch(
          p.id, n.path, n.version, n.path, n.version,
          [this, peer = p.id, serial = p.batch->serial, i](const std::optional<std::string>& token) {
            Peer* q = known_peer(peer);
            if (!q || !q->batch || q->batch->serial != serial) return false;  // the batch went with the link
            q->batch->content[i] = token;
            if (--q->batch->unanswered == 0) apply_batch(*q);
            return token.has_value();  // apply_batch discarded it
          },
          false);
    }
  }

  // The content tokens a batch holds are given back.
  void end_batch(Peer& p) {
    if (!p.batch) return;
    for (auto& t : p.batch->content)
      if (t) discard(*t);
    p.batch.reset();
  }

  // The batch's first close of a file whose content its writer no longer has
  // (it wrote, renamed or removed the file since): the batch stops before it,
  // and the writer sends it again with the records that follow, which replace
  // it. A close is applied without its content only when the writer has no
  // record that replaces it, asked twice.
  std::optional<std::size_t> stop_for_missing_content(Peer& p) {
    auto& b = *p.batch;
    std::optional<std::size_t> worst;
    for (std::size_t i = 0; i < b.needs.size(); ++i)
      if (!b.content[i] && (!worst || b.needs[i].first_close < b.needs[*worst].first_close)) worst = i;
    if (!worst) {
      p.stopped.reset();
      return std::nullopt;
    }
    const auto& n = b.needs[*worst];
    const std::pair at{b.records[n.first_close].origin_recno, b.records.back().origin_recno};
    const bool nothing_new = p.stopped && p.stopped->first == at.first && p.stopped->second >= at.second;
    if (nothing_new && at.first == state.peers[p.id].next_to_expect) {
      p.stopped.reset();
      log("reintegration of host " + std::to_string(p.id) + ": the content of " + n.path + " " +
              to_string(n.version) + " could not be fetched and nothing replaces it; applied without it",
          true);
      return std::nullopt;
    }
    p.stopped = at;
    return *worst;
  }

  // Applies a replicator's batch in order, with the content of the files it
  // closes, then makes it durable and acknowledges it.
  void apply_batch(Peer& p) {
    auto& b = *p.batch;
    auto& pc = state.peers[p.id];
    wire::ReintegrateReply reply{wire::Status::ok, 0, 0, "", "", {}};
    const auto stop_need = stop_for_missing_content(p);
    const std::size_t stop = stop_need ? b.needs[*stop_need].first_close : b.records.size();
    bool journaled_any = false;
    // Each content is installed right after its file's last record.
    std::vector<std::size_t> by_last(b.needs.size());
    for (std::size_t k = 0; k < by_last.size(); ++k) by_last[k] = k;
    std::sort(by_last.begin(), by_last.end(), [&](auto x, auto y) { return b.needs[x].last < b.needs[y].last; });
    auto next_install = by_last.begin();
    std::size_t i = b.from;
    for (; i < stop; ++i) {
      const auto& r = b.records[i];
      if (r.origin != p.id) {
        end_batch(p);
        return drop(p.id, "record " + std::to_string(r.recno) + " is from host " + std::to_string(r.origin) +
                              ", not from the sender");
      }
      if (r.origin_recno < pc.next_to_expect) continue;  // had it
      if (r.origin_recno > pc.next_to_expect) {
        end_batch(p);
        return drop(p.id, "record " + std::to_string(r.origin_recno) + " where " +
                              std::to_string(pc.next_to_expect) + " was expected");
      }
      const bool journaled = ports.journal.last_from(p.id) >= r.origin_recno;
      if (r.op != Op::noop) {
        // A record this server journaled is in its store (recovery replays
        // the journal past the store's synced point): it comes again only
        // because a crash lost the counters that said so.
        auto d = journaled ? Decision{Verdict::duplicate, r.path, "journaled here before a crash"}
                           : cfg.version_rule(r, ports.store, b.later[i]);
        if (d.verdict == Verdict::conflict && applied_later(std::span(b.records).subspan(i + 1), ports.store))
          d = Decision{Verdict::duplicate, r.path, "applied before a crash"};
        if (d.verdict == Verdict::conflict) {
          reply.status = wire::Status::conflict;
          reply.conflicts = 1;
          reply.reason = d.reason;
          reply.conflict_path = d.path;
          std::set<std::string> names{d.path};
          for (auto& n : names_of(r)) names.insert(n);
          for (const auto& n : names) describe_object(n, reply.server_state);
          break;
        }
        if (!journaled) {
          ports.journal.append(r);
          journaled_any = true;
        }
        if (d.verdict == Verdict::merge) merge_directory(ports.store, r);
        if (d.verdict == Verdict::apply) {
          if (auto e = ports.store.apply(r, Origin::remote))
            log("record " + std::to_string(r.origin_recno) + " of host " + std::to_string(p.id) +
                    " journaled but not applicable: " + e->message,
                true);
        }
      }
      for (; next_install != by_last.end() && b.needs[*next_install].last <= i; ++next_install)
        if (const auto& n = b.needs[*next_install]; n.last == i && b.content[*next_install])
          ports.store.install_data(n.path, n.version, *b.content[*next_install]);
      pc.next_to_expect = r.origin_recno + 1;
    }
    if (stop_need && i == stop) {
      const auto& n = b.needs[*stop_need];
      reply.status = wire::Status::superseded;
      reply.conflict_path = n.path;
      reply.reason = "the content of " + n.path + " " + to_string(n.version) +
                     " is no longer at its writer: send record " + std::to_string(b.records[stop].origin_recno) +
                     " again with the records that replace it";
      log("reintegration of host " + std::to_string(p.id) + " stops before record " +
          std::to_string(b.records[stop].origin_recno) + ": " + reply.reason);
    }
    make_durable();
    reply.applied_through = pc.next_to_expect - 1;
    send(p.id, reply);
    end_batch(p);
    fetch_missing(p.id);  // what a close applied without its content still lacks
    if (journaled_any) new_records();
  }

  // A replicator's question: the present state of some names, durable, as
  // of the last record of this journal.
  void on_describe(Peer& p, const wire::Describe& m) {
    if (ports.journal.durable_recno() != ports.journal.last_recno()) make_durable();
    wire::DescribeReply reply{wire::Status::ok, ports.journal.last_recno(), {}};
    for (const auto& n : m.names) describe_object(n.path, reply.records);
    send(p.id, std::move(reply));
  }

  // ---- events ---------------------------------------------------------------
  void receive(HostId from, const wire::Message& m) {
    if (cfg.role == Role::client) {
      if (from != cfg.server) return drop(from, "not this fileset's server");
      std::visit(
          [&](const auto& x) {
            using M = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<M, wire::HelloReply>) {
              on_hello_reply(x);
            } else if constexpr (std::is_same_v<M, wire::UpdateNotify>) {
              if (!link->connected()) return log("update before welcome, ignored", true);
              on_update_notify(x.records);
            } else if constexpr (std::is_same_v<M, wire::ReintegrateReply>) {
              on_reintegrate_reply(x);
            } else if constexpr (std::is_same_v<M, wire::PermitReply>) {
              if (x.status == wire::Status::ok) {
                check(permit->process(pce::Granted{x.epoch}));
              } else if (x.status != wire::Status::busy) {
                check(permit->process(pce::Denied{}));
              }
            } else if constexpr (std::is_same_v<M, wire::BreakPermit>) {
              check(permit->process(pce::Break{x.epoch}));
            } else if constexpr (std::is_same_v<M, wire::DescribeReply>) {
              on_describe_reply(x);
            } else if constexpr (std::is_same_v<M, wire::ErrorReply>) {
              log("server reports: " + x.message, true);
            } else if constexpr (std::is_same_v<M, wire::Heartbeat>) {
              if (!link->connected()) return;
              fetch_missing(cfg.server);  // retry what failed
              if (resend && ++resend->heartbeats >= 2) send_batch();
            } else {
              drop(from, std::string("unexpected ") + std::string(wire::kind_name(M::kind)) +
                             " from the server");
            }
          },
          m);
      return;
    }
    Peer* p = known_peer(from);
    if (std::holds_alternative<wire::Hello>(m)) return on_hello(from, std::get<wire::Hello>(m));
    if (!p || !p->link.connected()) return drop(from, "no hello yet");
    std::visit(
        [&](const auto& x) {
          using M = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<M, wire::Ack>) {
            on_ack(*p, x);
          } else if constexpr (std::is_same_v<M, wire::Reintegrate>) {
            on_reintegrate(*p, x);
          } else if constexpr (std::is_same_v<M, wire::GetPermit>) {
            check(arbiter->process(pse::Request{from}));
          } else if constexpr (std::is_same_v<M, wire::ReleasePermit>) {
            check(arbiter->process(pse::Release{from, x.epoch}));
          } else if constexpr (std::is_same_v<M, wire::Heartbeat>) {
            fetch_missing(from);  // retry backfetches that failed
          } else if constexpr (std::is_same_v<M, wire::Describe>) {
            on_describe(*p, x);
          } else {
            drop(from, std::string("unexpected ") + std::string(wire::kind_name(M::kind)));
          }
        },
        m);
  }

  void link_up(HostId peer) {
    if (cfg.role != Role::client || peer != cfg.server) return log("link_up for a non-server host", true);
    check(link->process(cle::Up{}));
  }

  void link_down(HostId peer) {
    if (cfg.role == Role::client) {
      if (peer != cfg.server) return;
      check(link->process(cle::Down{}));
      check(permit->process(pce::LinkDown{}));
      return;
    }
    if (Peer* p = known_peer(peer)) {
      check(p->link.process(sle::Down{}));
      p->in_flight_flag = false;
      end_batch(*p);  // nothing of it was applied; it comes again
      pending_grants.erase(peer);
      break_after_grant.erase(peer);
      check(arbiter->process(pse::PeerLost{peer}));
    }
  }

  void journaled() {
    if (cfg.role == Role::client) {
      check(link->process(cle::Journaled{}));
    } else {
      new_records();
    }
  }

  void permit_returned() {
    if (cfg.role == Role::client) {
      check(permit->process(pce::Returned{}));
    } else if (self_break_epoch) {
      const auto epoch = *self_break_epoch;
      self_break_epoch.reset();
      check(arbiter->process(pse::Release{cfg.self, epoch}));
    }
  }

  void need_permit(std::uint64_t upcall) {
    if (cfg.role == Role::client) {
      waiting.push_back(upcall);
      check(permit->process(pce::Need{}));
    } else {
      local_waiters.push_back(upcall);
      check(arbiter->process(pse::Request{cfg.self}));
    }
  }
};

Engine::Engine(Config config, Ports ports) : impl_(std::make_unique<Impl>(std::move(config), ports)) {}
Engine::~Engine() = default;

void Engine::link_up(HostId peer) {
  impl_->link_up(peer);
  impl_->drain();
}
void Engine::link_down(HostId peer) {
  impl_->link_down(peer);
  impl_->drain();
}
void Engine::receive(HostId peer, const wire::Message& m) {
  impl_->receive(peer, m);
  impl_->drain();
}
void Engine::journaled() {
  impl_->journaled();
  impl_->drain();
}
void Engine::need_permit(std::uint64_t upcall) {
  impl_->need_permit(upcall);
  impl_->drain();
}
void Engine::permit_returned() {
  impl_->permit_returned();
  impl_->drain();
}
void Engine::data_arrived(std::uint64_t fetch, std::optional<std::string> token) {
  const Arrival one{fetch, std::move(token)};
  data_arrived(std::span(&one, 1));
}
void Engine::data_arrived(std::span<const Arrival> arrivals) {
  impl_->data_arrived(arrivals);
  impl_->drain();
}
std::optional<Error> Engine::resolve(std::uint64_t id, fsm::Winner winner) {
  auto it = impl_->cases.find(id);
  if (it == impl_->cases.end()) return Error{"no open conflict " + std::to_string(id)};
  auto e = it->second->machine.process(fsm::conflict_events::Choose{winner});
  impl_->drain();
  return e;
}

std::vector<Effect> Engine::take_effects() { return std::exchange(impl_->out, {}); }

Status Engine::status() const {
  const Impl& i = *impl_;
  Status s;
  s.role = i.cfg.role;
  s.journal_last = i.ports.journal.last_recno();
  s.journal_durable = i.ports.journal.durable_recno();
  s.conflicts_resolved = i.resolved_count;
  s.resolved = i.state.resolved;
  if (i.cfg.role == Role::client) {
    s.permit = i.permit->state();
    auto it = i.state.peers.find(i.cfg.server);
    s.peers.push_back({i.cfg.server, i.link->state(), it == i.state.peers.end() ? PeerCounters{} : it->second});
  } else {
    s.permit = i.arbiter->state();
    s.holder = i.arbiter->holder();
    for (const auto& [id, p] : i.peers) {
      auto it = i.state.peers.find(id);
      s.peers.push_back({id, p->link.state(), it == i.state.peers.end() ? PeerCounters{} : it->second});
    }
  }
  for (const auto& [id, c] : i.cases) {
    ConflictInfo info = c->info;
    info.state = c->machine.state();
    if (c->machine.open()) s.conflicts.push_back(std::move(info));
  }
  return s;
}

std::string Engine::canonical_state() const {
  const Impl& i = *impl_;
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  std::string out;
  if (i.cfg.role == Role::client) {
    out += "client permit=" + i.permit->state() + ":" + n(i.permit->epoch()) + " waiting=";
    for (auto u : i.waiting) out += n(u) + ",";
    out += " internal_need=" + n(i.internal_need) + " link=" + i.link->state() +
           " server_last_at_welcome=" + n(i.server_last_at_welcome) + " next_to_send=" + n(i.next_to_send) +
           " in_flight=" + n(i.in_flight) + " sent_through=" + n(i.sent_through) + " resend=" +
           (i.resend ? n(i.resend->after) + ":" + i.resend->path + ":" + n(static_cast<std::uint64_t>(i.resend->heartbeats))
                     : "-") +
           "\n";
  } else {
    out += "server permit=" + i.arbiter->state() + ":" + n(i.arbiter->epoch()) + " holder=" +
           (i.arbiter->holder() ? n(*i.arbiter->holder()) : "-") + " waiters=";
    for (auto h : i.arbiter->waiters()) out += n(h) + ",";
    for (const auto& [id, p] : i.peers) {
      out += " peer=" + n(id) + ":" + p->link.state() + ":" + n(p->next_to_send) + ":" + n(p->in_flight_flag);
      if (p->batch) {
        out += ":batch=" + n(p->batch->records.front().origin_recno) + "-" + n(p->batch->records.back().origin_recno);
        for (const auto& c : p->batch->content) out += c ? "+" : "?";
      }
      if (p->stopped) out += ":stopped=" + n(p->stopped->first) + "-" + n(p->stopped->second);
    }
    for (const auto& [h, epoch] : i.pending_grants) out += " grant=" + n(h) + ":" + n(epoch);
    for (auto h : i.break_after_grant) out += " break_after=" + n(h);
    out += " local_waiters=";
    for (auto u : i.local_waiters) out += n(u) + ",";
    out += " self_break=" + (i.self_break_epoch ? n(*i.self_break_epoch) : "-") + "\n";
  }
  for (const auto& [id, f] : i.fetches)
    out += "fetch " + n(id) + " from=" + n(f.fetch.from) + " " + f.fetch.path + "@" + to_string(f.fetch.version) +
           " -> " + f.fetch.install_path + "@" + to_string(f.fetch.install_version) + (f.then ? " then" : "") + "\n";
  for (const auto& [id, c] : i.cases) {
    out += "case " + n(id) + " " + c->machine.state() + " " + c->info.path + " local=" + to_string(c->info.local) +
           " remote=" + to_string(c->info.remote) + " winner=" +
           std::string(c->info.winner ? fsm::winner_name(*c->info.winner) : "-") + " kept=";
    for (const auto& k : c->info.kept) out += k + ",";
    out += " copy=" + c->copy_path + "@" + to_string(c->copy_version) + (c->copy_failed ? " copy_failed" : "") + " ";
    for (const auto& r : c->remote) append_record(out, r);
    out += "\n";
  }
  if (!i.out.empty() || !i.posted.empty()) out += "undrained " + n(i.out.size()) + ":" + n(i.posted.size()) + "\n";
  out += canonical_text(i.state);
  return out;
}

}  // namespace izo::replica
