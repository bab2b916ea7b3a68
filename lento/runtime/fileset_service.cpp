#include "runtime/fileset_service.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <utility>
#include <nlohmann/json.hpp>

#include "util/fileset_path.hpp"
#include "util/host_id.hpp"

namespace izo::lento {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using replica::HostId;

constexpr std::size_t kChunk = 1 << 20;  // DAT packet payload
constexpr std::chrono::seconds kParkLimit{10};  // a fetch waits this long for content on its way

std::string winner_name(std::optional<fsm::Winner> w) { return w ? std::string(fsm::winner_name(*w)) : ""; }

}  // namespace

// Content being fetched from a peer. Its place (memory or a file) is made
// when the reply gives its size; until the engine takes the token, the sink
// gives the place back when it goes.
struct FilesetService::Sink {
  FetchedContents* contents = nullptr;
  HostId from = 0;
  std::uint64_t engine_fetch = 0;  // 0: asked for an open that waits (FETCH upcall)
  std::string path;
  std::string install_path;  // where the content lands (opens and fetches waiting there are answered)
  Version version;
  std::string token;  // the content's place, once the reply came
  int fd = -1;        // to write into it (owned by `contents`)
  bool replied = false;
  std::uint64_t expected = 0;
  std::uint64_t got = 0;
  ~Sink() {
    if (!token.empty()) contents->discard(token);
  }
};

FilesetService::FilesetService(boost::asio::io_context& io, const Configuration& config, const Cache& cache,
                               const Log& log, ServiceTiming timing)
    : io_(io), log_(log), timing_(timing), def_(*config.fileset(cache.fileset)), cache_(cache),
      self_name_(config.self.name), self_(host_id_of(config.self.name)), server_(config.server(def_.servername)),
      bindaddr_(config.self.bindaddr), reconnect_timer_(io), heartbeat_timer_(io), backoff_(timing.reconnect_min) {
  role_ = def_.servername == self_name_ ? replica::Role::server : replica::Role::client;
  server_id_ = host_id_of(def_.servername);
  names_[server_id_] = def_.servername;
  for (const auto& r : def_.replicators) names_[host_id_of(r)] = r;
}

FilesetService::~FilesetService() { stop(); }

Result<std::unique_ptr<FilesetService>> FilesetService::start(boost::asio::io_context& io, const Configuration& config,
                                                              const Cache& cache, const Log& log, ServiceTiming timing,
                                                              ContentLimits limits) {
  std::unique_ptr<FilesetService> s(new FilesetService(io, config, cache, log, timing));
  const fs::path meta = cache.holding / kMetadataDir / cache.fileset;
  auto presto = PrestoLink::attach(io, meta / "presto.sock", cache.fileset);
  if (!presto) return Error{"fileset " + cache.fileset + ": " + presto.error().message, 0};
  s->presto_ = std::move(*presto);
  if (s->presto_->filter_host() != s->self_)
    return Error{"fileset " + cache.fileset + ": the filter stamps versions as host " +
                     std::to_string(s->presto_->filter_host()) + " but this host is '" + s->self_name_ + "' (" +
                     std::to_string(s->self_) + "); mount it with presto-fuse --host " + s->self_name_,
                 0};
  // Peers' updates go to the wrapped tree directly, never through the mount:
  // a local update waiting in the filter for the permit holds the kernel's
  // lock on its directory, and lento must stay free to receive the grant.
  auto store = posix::PosixStore::open(cache.holding);
  if (!store) return Error{"fileset " + cache.fileset + ": holding directory " + store.error().message, 0};
  s->store_ = std::move(*store);
  auto journal = FilterJournal::open(meta / "kml", *s->presto_, s->presto_->attached_recno());
  if (!journal) return Error{"fileset " + cache.fileset + ": " + journal.error().message, 0};
  s->journal_ = std::move(*journal);
  auto last_rcvd = LastRcvdFile::open(meta / "last_rcvd");
  if (!last_rcvd) return Error{"fileset " + cache.fileset + ": " + last_rcvd.error().message, 0};
  s->last_rcvd_ = std::move(*last_rcvd);
  const fs::path fetch_dir = meta / "fetch";
  std::error_code ec;
  fs::remove_all(fetch_dir, ec);  // what an earlier run left half-fetched
  fs::create_directories(fetch_dir, ec);
  if (ec) return Error{"cannot make " + fetch_dir.string() + ": " + ec.message(), 0};
  s->contents_ = std::make_unique<FetchedContents>(fetch_dir, limits);
  s->pushed_ = std::make_unique<PushedContents>(*s->contents_);

  replica::Config ec_cfg;
  ec_cfg.fileset = cache.fileset;
  ec_cfg.self = s->self_;
  ec_cfg.self_name = s->self_name_;
  ec_cfg.role = s->role_;
  ec_cfg.server = s->server_id_;
  for (const auto& r : s->def_.replicators) ec_cfg.replicators.push_back(host_id_of(r));
  ec_cfg.policy = s->def_.policy;
  try {
    // Recovery runs here: records past the store's synced point are replayed.
    s->engine_ = std::make_unique<replica::Engine>(
        std::move(ec_cfg), replica::Ports{*s->store_, *s->journal_, *s->last_rcvd_});
    s->carry_out(s->engine_->take_effects());
  } catch (const std::exception& e) {
    return Error{"fileset " + cache.fileset + ": recovery failed: " + e.what(), 0};
  }
  FilesetService* self = s.get();
  s->presto_->start([self](const upcall::Message& m) { self->on_upcall(m); },
                    [self](const std::string& why) { self->fail("Presto channel: " + why); });
  log.info("fileset " + cache.fileset + ": " + (s->serves() ? "serving" : "replicating from " + s->def_.servername) +
           "; journal at record " + std::to_string(s->journal_->last_recno()) + ", mount " + cache.mtpt.string());
  if (!s->serves()) s->connect();
  s->heartbeat();
  return s;
}

void FilesetService::stop() {
  if (stopped_) return;
  stopped_ = true;
  reconnect_timer_.cancel();
  heartbeat_timer_.cancel();
  auto links = std::move(links_);
  for (auto& [peer, c] : links) c->close("lento is stopping");
  sinks_.clear();
  if (presto_) presto_->detach();
}

void FilesetService::fail(const std::string& why) {
  if (failed_) return;
  failed_ = true;
  log_.error("fileset " + def_.name + ": stopped: " + why);
  stop();
}

template <class F>
void FilesetService::engine_call(F&& f) {
  if (failed_ || stopped_) return;
  const posix::PosixStore::DirCacheScope dirs(*store_);
  try {
    f(*engine_);
    journal_->settle();  // a record the filter refused stops the fileset in this step
    carry_out(engine_->take_effects());
    serve_arrived();
  } catch (const std::exception& e) {
    fail(e.what());
    try {
      journal_->settle();  // the answers still due: nothing waits for them once stopped
    } catch (const std::exception&) {
    }
  }
}

std::string FilesetService::host_name(HostId id) const {
  auto it = names_.find(id);
  return it == names_.end() ? "host " + std::to_string(id) : it->second;
}

Connection* FilesetService::connection(HostId peer) {
  auto it = links_.find(peer);
  return it == links_.end() || !it->second->open() ? nullptr : it->second.get();
}

void FilesetService::send_message(HostId peer, const wire::Message& m) {
  Connection* c = connection(peer);
  if (!c) return;  // the engine hears link_down; it sends again on the next link
  if (!std::holds_alternative<wire::Heartbeat>(m))
    log_.debug(def_.name + ": -> " + host_name(peer) + " " + std::string(wire::kind_name(wire::kind_of(m))));
  if (const auto* r = std::get_if<wire::Reintegrate>(&m)) push_contents(*c, peer, r->records);
  if (const auto* u = std::get_if<wire::UpdateNotify>(&m)) push_contents(*c, peer, u->records);
  c->send(message_packet(m));
}

void FilesetService::push_contents(Connection& c, HostId peer, const std::vector<kml::Record>& records) {
  const auto push = gather_pushes(*store_, def_.name, records);
  if (push.files.empty()) return;
  std::uint64_t bytes = 0;
  for (const auto& f : push.files) bytes += f.content.bytes.size();
  log_.debug(def_.name + ": -> " + host_name(peer) + " push_contents: " + std::to_string(push.files.size()) +
             " files, " + std::to_string(bytes) + " bytes");
  c.send(message_packet(push));
}

void FilesetService::on_pushed(HostId peer, Connection& c, const wire::PushContents& push) {
  if (push.fileset != def_.name) {
    log_.error(def_.name + ": " + host_name(peer) + " pushed contents for fileset " + push.fileset);
    return c.close("contents pushed for another fileset");
  }
  std::uint64_t id = next_ctoken_;  // place names: beyond every fetch's ctoken so far
  next_ctoken_ += static_cast<std::uint32_t>(push.files.size());
  if (next_ctoken_ < id) next_ctoken_ = 1;
  // A place that cannot be made (the disk is full) costs only the push: the
  // engine fetches what is not here.
  if (auto e = pushed_->receive(peer, push, id)) log_.info(def_.name + ": " + e->message);
}

bool FilesetService::fetch_pushed(const replica::effect::Fetch& f) {
  auto token = pushed_->take(f.from, f.path, f.version);
  if (!token) return false;
  log_.debug(def_.name + ": '" + f.path + "' " + to_string(f.version) + " was pushed by " + host_name(f.from));
  ++contents_pushed_;
  queue_arrival(replica::Arrival{f.id, std::move(*token)}, f.install_path);
  return true;
}

void FilesetService::carry_out(std::vector<replica::Effect> effects) {
  for (auto& e : effects) {
    std::visit(
        [&](auto& x) {
          using E = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<E, replica::effect::Send>) {
            send_message(x.to, x.message);
          } else if constexpr (std::is_same_v<E, replica::effect::Fetch>) {
            if (fetch_pushed(x)) return;
            if (!start_fetch(x.from, x.path, x.version, x.id, x.install_path)) {
              // Not connected to that peer now: the engine asks again later.
              boost::asio::post(io_, [this, id = x.id] {
                engine_call([&](replica::Engine& en) { en.data_arrived(id, std::nullopt); });
              });
            }
          } else if constexpr (std::is_same_v<E, replica::effect::UpcallReply>) {
            upcall::Message m;
            if (x.upcall == 0) {
              m.kind = upcall::Kind::revoke;
              log_.info(def_.name + ": the permit is asked back from Presto");
            } else {
              m.kind = upcall::Kind::permit_reply;
              m.id = x.upcall;
              m.status = x.granted ? 0 : EROFS;
            }
            presto_->send(m);
          } else if constexpr (std::is_same_v<E, replica::effect::ConflictReport>) {
            log_.info(def_.name + ": conflict " + std::to_string(x.info.id) + " on '" + x.info.path + "': " +
                      x.info.reason + " (" + x.info.state +
                      (x.info.winner ? ", " + winner_name(x.info.winner) + " wins" : "") + ")" +
                      (x.info.kept.empty() ? "" : ", other version kept as '" + x.info.kept.front() + "'"));
            std::erase_if(reported_, [&](const replica::ConflictInfo& c) { return c.id == x.info.id; });
            reported_.push_back(x.info);
          } else if constexpr (std::is_same_v<E, replica::effect::Log>) {
            log_(x.error ? Level::error : Level::debug, def_.name + ": " + x.text);
          } else if constexpr (std::is_same_v<E, replica::effect::Drop>) {
            if (Connection* c = connection(x.peer)) c->close(x.reason);
          } else if constexpr (std::is_same_v<E, replica::effect::Discard>) {
            // Tokens are contents this service fetched; nothing else is removed.
            if (!contents_->discard(x.token))
              log_.error(def_.name + ": the engine discarded '" + x.token + "', which is no fetched content");
          }
        },
        e);
  }
}

// ---- Presto ---------------------------------------------------------------

void FilesetService::on_upcall(const upcall::Message& m) {
  using upcall::Kind;
  switch (m.kind) {
    case Kind::permit: engine_call([&](replica::Engine& e) { e.need_permit(m.id); }); break;
    case Kind::permit_returned: engine_call([](replica::Engine& e) { e.permit_returned(); }); break;
    case Kind::kml_written:
      journal_->durable_through(m.recno);
      engine_call([](replica::Engine& e) { e.journaled(); });
      break;
    case Kind::fetch: {
      const auto here = store_->lookup(m.path);
      if (!here || !here->data_missing) {
        reply_fetch(m.id, here ? 0 : ENOENT);
        break;
      }
      waiting_opens_[m.path].push_back(m.id);
      bool in_flight = false;
      for (const auto& [t, s] : sinks_) in_flight = in_flight || s->path == m.path;
      // A client asks its server at once; a server's engine already asks the
      // replicator whose update it is, and the open is answered when it lands.
      if (!in_flight && !serves()) {
        if (!start_fetch(server_id_, m.path, here->version, 0, m.path)) {
          log_.info(def_.name + ": '" + m.path + "' was opened but its content is not here and the server is not connected");
          reply_fetch(m.id, EIO);
          waiting_opens_[m.path].pop_back();
        }
      }
      break;
    }
    default: log_.error(def_.name + ": unexpected upcall " + std::string(upcall::kind_name(m.kind)));
  }
}

void FilesetService::answer_waiting_opens(const std::string& path) {
  auto it = waiting_opens_.find(path);
  if (it == waiting_opens_.end()) return;
  const auto here = store_->lookup(path);
  if (here && here->data_missing) return;  // still waiting
  for (const auto id : it->second) reply_fetch(id, here ? 0 : ENOENT);
  waiting_opens_.erase(it);
}

void FilesetService::reply_fetch(std::uint64_t upcall, std::uint32_t status) {
  upcall::Message reply;
  reply.kind = upcall::Kind::fetch_reply;
  reply.id = upcall;
  reply.status = status;
  presto_->send(reply);
}

// ---- connections ----------------------------------------------------------

void FilesetService::connect() {
  if (stopped_ || connecting_ || serves() || connection(server_id_) ||
      cut_.contains(server_id_))
    return;
  connecting_ = true;
  auto socket = std::make_shared<boost::asio::ip::tcp::socket>(io_);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(server_->ipaddr, ec);
  if (ec) {
    connecting_ = false;
    return fail("server " + server_->name + " has ipaddr '" + server_->ipaddr + "', not an IP address");
  }
  const boost::asio::ip::tcp::endpoint to(address, server_->port);
  socket->open(to.protocol(), ec);
  if (!ec && !bindaddr_.empty()) {
    // Several lentos on one host are told apart by their bind address.
    socket->bind(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address(bindaddr_, ec), 0), ec);
    if (ec) log_.error(def_.name + ": cannot bind to " + bindaddr_ + ": " + ec.message());
  }
  socket->async_connect(to, [this, socket, to](const boost::system::error_code& err) {
    connecting_ = false;
    if (stopped_) return;
    if (err) {
      log_.debug(def_.name + ": cannot reach " + server_->name + " at " + to.address().to_string() + ":" +
                 std::to_string(to.port()) + ": " + err.message());
      return schedule_reconnect();
    }
    socket->set_option(boost::asio::ip::tcp::no_delay(true));
    const HostId server = server_id_;
    auto c = std::make_shared<Connection>(io_, std::make_unique<TcpStream>(std::move(*socket)), timing_.silence_limit);
    links_[server] = c;
    log_.info(def_.name + ": connected to " + server_->name + " at " + c->remote());
    c->start([this, server](Connection& conn, wire::Packet p) { on_packet(server, conn, std::move(p)); },
             [this, server](Connection& conn, const std::string& why) { on_closed(server, conn, why); });
    engine_call([&](replica::Engine& e) { e.link_up(server); });
  });
}

void FilesetService::schedule_reconnect() {
  if (stopped_ || serves()) return;
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, timing_.reconnect_max);
  reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) connect();
  });
}

void FilesetService::heartbeat() {
  if (stopped_) return;
  std::vector<std::string> parked_paths;
  for (const auto& [path, waiting] : parked_) parked_paths.push_back(path);
  for (const auto& path : parked_paths) serve_parked(path);
  ++heartbeat_seq_;
  for (auto& [peer, c] : links_)
    if (c->open()) c->send(message_packet(wire::Heartbeat{heartbeat_seq_}));
  heartbeat_timer_.expires_after(timing_.heartbeat);
  heartbeat_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) heartbeat();
  });
}

void FilesetService::adopt(std::shared_ptr<Connection> c, const wire::Hello& hello) {
  auto refuse = [&](const std::string& why) {
    log_.info(def_.name + ": refused " + hello.sysid + " from " + c->remote() + ": " + why);
    c->finish(message_packet(wire::HelloReply{wire::Status::refused, why, self_name_, self_, 0, 0}), "refused");
  };
  if (!serves()) return refuse("this host does not serve fileset " + def_.name);
  if (failed_) return refuse("fileset " + def_.name + " is stopped on this server");
  const HostId peer = host_id_of(hello.sysid);
  if (!names_.contains(peer) || peer == self_) return refuse("fsetdb does not name '" + hello.sysid + "' a replicator of " + def_.name);
  if (hello.host_id != peer)
    return refuse("host id " + std::to_string(hello.host_id) + " is not the id of '" + hello.sysid + "'");
  if (cut_.contains(peer)) return refuse("'" + hello.sysid + "' is disconnected on purpose (izoctl reconnect)");
  if (auto old = links_.find(peer); old != links_.end()) {
    auto previous = old->second;
    links_.erase(old);
    previous->close("replaced by a new connection from " + hello.sysid);
    engine_call([&](replica::Engine& e) { e.link_down(peer); });
  }
  links_[peer] = c;
  log_.info(def_.name + ": " + hello.sysid + " connected from " + c->remote());
  c->set_handlers([this, peer](Connection& conn, wire::Packet p) { on_packet(peer, conn, std::move(p)); },
                  [this, peer](Connection& conn, const std::string& why) { on_closed(peer, conn, why); });
  engine_call([&](replica::Engine& e) { e.receive(peer, hello); });
}

void FilesetService::on_closed(HostId peer, Connection& c, const std::string& why) {
  auto it = links_.find(peer);
  if (it == links_.end() || it->second.get() != &c) return;  // an older connection
  auto keep = it->second;  // `c` lives until this handler ends
  links_.erase(it);
  log_.info(def_.name + ": link to " + host_name(peer) + " lost: " + why);
  std::vector<std::uint32_t> broken;
  for (const auto& [t, s] : sinks_)
    if (s->from == peer) broken.push_back(t);
  for (const auto t : broken) finish_fetch(t, "the connection closed");
  pushed_->drop(peer);
  engine_call([&](replica::Engine& e) { e.link_down(peer); });
  if (!serves()) schedule_reconnect();
}

void FilesetService::on_packet(HostId peer, Connection& c, wire::Packet p) {
  switch (p.type) {
    case wire::PacketType::msg: {
      auto m = wire::decode_message(p.payload);
      if (!m) {
        log_.error(def_.name + ": bad message from " + host_name(peer) + ": " + m.error().message);
        return c.close("bad message: " + m.error().message);
      }
      if (!std::holds_alternative<wire::Heartbeat>(*m))
        log_.debug(def_.name + ": <- " + host_name(peer) + " " + std::string(wire::kind_name(wire::kind_of(*m))));
      if (const auto* push = std::get_if<wire::PushContents>(&*m)) return on_pushed(peer, c, *push);
      // The backoff starts again once the server took us in, not at the TCP
      // connect: a server that refuses (its fileset stopped, we are cut
      // off) is asked again ever more slowly, not five times a second.
      if (const auto* r = std::get_if<wire::HelloReply>(&*m); r && r->status == wire::Status::ok && peer == server_id_)
        backoff_ = timing_.reconnect_min;
      engine_call([&](replica::Engine& e) { e.receive(peer, *m); });
      pushed_->drop(peer);  // pushes are good for the message after them only
      return;
    }
    case wire::PacketType::req: {
      auto m = wire::decode_message(p.payload);
      if (!m || !std::holds_alternative<wire::FetchFile>(*m) || p.ctoken == 0) {
        const std::string why = m ? "unexpected request " + std::string(wire::kind_name(wire::kind_of(*m))) : m.error().message;
        log_.error(def_.name + ": bad request from " + host_name(peer) + ": " + why);
        return c.send(message_packet(wire::ErrorReply{wire::Status::bad_request, why}, wire::PacketType::rep, p.ctoken));
      }
      return serve_fetch(c.shared_from_this(), p.ctoken, std::get<wire::FetchFile>(*m));
    }
    case wire::PacketType::rep:
    case wire::PacketType::dat:
    case wire::PacketType::eod: return on_fetch_reply(p.ctoken, p);
    default:
      log_.error(def_.name + ": unexpected " + std::string(wire::packet_type_name(p.type)) + " packet from " +
                 host_name(peer));
      return c.close("unexpected packet type");
  }
}

// ---- fetches --------------------------------------------------------------

std::uint32_t FilesetService::start_fetch(HostId from, const std::string& path, const Version& v,
                                          std::uint64_t engine_id, const std::string& install_path) {
  Connection* c = connection(from);
  if (!c) return 0;
  const std::uint32_t ctoken = next_ctoken_++;
  if (next_ctoken_ == 0) next_ctoken_ = 1;
  auto s = std::make_unique<Sink>();
  s->from = from;
  s->engine_fetch = engine_id;
  s->path = path;
  s->install_path = install_path;
  s->version = v;
  s->contents = contents_.get();
  sinks_[ctoken] = std::move(s);
  log_.debug(def_.name + ": fetching '" + path + "' " + to_string(v) + " from " + host_name(from));
  c->send(message_packet(wire::FetchFile{def_.name, path, v, 0}, wire::PacketType::req, ctoken));
  return ctoken;
}

void FilesetService::serve_fetch(std::shared_ptr<Connection> conn, std::uint32_t ctoken, const wire::FetchFile& f) {
  Connection& c = *conn;
  auto reply = [&](wire::FetchFileReply r) { c.send(message_packet(r, wire::PacketType::rep, ctoken)); };
  if (f.fileset != def_.name) return reply({wire::Status::bad_request, {}, 0, 0, "not fileset " + def_.name});
  const auto here = store_->lookup(f.path);
  if (!here || here->type != replica::ObjType::file)
    return reply({wire::Status::not_found, {}, 0, 0, "no file '" + f.path + "' here"});
  if (here->data_missing) {
    // A server fetching a replicator's update answers its other replicators
    // when the content lands rather than make them poll. Only a server
    // parks: a replicator asked by its server says busy at once, so the
    // server asks another one (two hosts parked on each other would wait
    // for ever).
    if (serves() && (!f.want.exists() || here->version == f.want)) {
      parked_[f.path].push_back(Parked{conn, ctoken, f, std::chrono::steady_clock::now() + kParkLimit});
      return;
    }
    return reply({wire::Status::busy, here->version, 0, 0, "the content is not here yet"});
  }
  if (f.want.exists() && here->version != f.want)
    return reply({wire::Status::not_found, here->version, 0, 0, "'" + f.path + "' is at " + to_string(here->version)});
  const int fd = store_->open_for_read(f.path);
  if (fd < 0) return reply({wire::Status::internal, here->version, 0, 0, std::strerror(-fd)});
  reply({wire::Status::ok, here->version, here->size, here->mode, ""});
  std::vector<std::uint8_t> buf(kChunk);
  std::uint64_t off = f.offset;
  for (;;) {
    const auto n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
    if (n <= 0) break;
    wire::Packet d;
    d.type = wire::PacketType::dat;
    d.ctoken = ctoken;
    d.payload.assign(buf.begin(), buf.begin() + n);
    c.send(d);
    off += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  wire::Packet end;
  end.type = wire::PacketType::eod;
  end.ctoken = ctoken;
  c.send(end);
}

void FilesetService::on_fetch_reply(std::uint32_t ctoken, const wire::Packet& p) {
  auto it = sinks_.find(ctoken);
  if (it == sinks_.end()) return;  // a fetch given up (its connection went and came back)
  Sink& s = *it->second;
  if (p.type == wire::PacketType::rep) {
    auto m = wire::decode_message(p.payload);
    if (!m) return finish_fetch(ctoken, "bad reply: " + m.error().message);
    if (auto* e = std::get_if<wire::ErrorReply>(&*m)) return finish_fetch(ctoken, "refused: " + e->message);
    auto* r = std::get_if<wire::FetchFileReply>(&*m);
    if (!r) return finish_fetch(ctoken, "a reply that is not fetch_file_reply");
    if (r->status != wire::Status::ok) return finish_fetch(ctoken, "not served: " + r->reason);
    auto place = contents_->make(ctoken, r->size);
    if (!place) return finish_fetch(ctoken, place.error().message);
    s.token = place->token;
    s.fd = place->fd;
    s.replied = true;
    s.expected = r->size;
    return;
  }
  if (!s.replied) return finish_fetch(ctoken, "data before the reply");
  if (p.type == wire::PacketType::dat) {
    if (::write(s.fd, p.payload.data(), p.payload.size()) != static_cast<ssize_t>(p.payload.size()))
      return finish_fetch(ctoken, std::string("cannot write the fetched data: ") + std::strerror(errno));
    s.got += p.payload.size();
    return;
  }
  if (s.got != s.expected)
    return finish_fetch(ctoken, "got " + std::to_string(s.got) + " bytes of " + std::to_string(s.expected));
  // No fsync here: the fetched content is disposable; installing it syncs
  // the file it lands in before the missing mark goes.
  contents_->seal(s.token);
  finish_fetch(ctoken, std::nullopt);
}

void FilesetService::finish_fetch(std::uint32_t ctoken, std::optional<std::string> failure) {
  auto node = sinks_.extract(ctoken);
  if (node.empty()) return;
  std::unique_ptr<Sink> s = std::move(node.mapped());
  if (failure) log_.info(def_.name + ": fetch of '" + s->path + "' from " + host_name(s->from) + " failed: " + *failure);
  if (s->engine_fetch != 0) {
    std::optional<std::string> token = failure ? std::nullopt : std::optional<std::string>(s->token);
    // The engine holds the fetched content from here until it discards it.
    if (token) {
      s->token.clear();
      ++contents_fetched_;
    }
    queue_arrival(replica::Arrival{s->engine_fetch, std::move(token)}, s->install_path);
    return;
  }
  if (!failure) {
    store_->install_data(s->path, s->version, s->token);
    store_->sync();  // the content is durable before the open it waits for reads it
  }
  if (failure) {
    for (const auto id : waiting_opens_[s->path]) reply_fetch(id, EIO);
    waiting_opens_.erase(s->path);
  }
  answer_waiting_opens(s->install_path);
  serve_parked(s->install_path);
}

void FilesetService::queue_arrival(replica::Arrival arrival, const std::string& install_path) {
  // The fetches ending while this one is handled (the rest of what the
  // socket gave) join it: the engine makes them durable with one sync.
  if (ended_.empty()) boost::asio::post(io_, [this] { deliver_arrivals(); });
  ended_.push_back(Ended{std::move(arrival), install_path});
}

void FilesetService::deliver_arrivals() {
  auto ended = std::exchange(ended_, {});
  std::vector<replica::Arrival> arrivals;
  arrivals.reserve(ended.size());
  for (auto& e : ended) arrivals.push_back(std::move(e.arrival));
  engine_call([&](replica::Engine& e) { e.data_arrived(arrivals); });
  // What became whole was answered inside the engine call (serve_arrived);
  // here, whoever waits on an object that moved on meanwhile.
  for (const auto& e : ended) {
    answer_waiting_opens(e.install_path);
    serve_parked(e.install_path);
  }
}

void FilesetService::serve_arrived() {
  for (const auto& path : store_->take_arrived()) {
    answer_waiting_opens(path);
    serve_parked(path);
  }
}

void FilesetService::serve_parked(const std::string& path) {
  auto it = parked_.find(path);
  if (it == parked_.end()) return;
  const auto here = store_->lookup(path);
  const bool ready = here && !here->data_missing;
  const auto now = std::chrono::steady_clock::now();
  std::vector<Parked> keep;
  for (auto& p : it->second) {
    auto c = p.connection.lock();
    if (!c || !c->open()) continue;
    const bool moved_on = !here || (p.request.want.exists() && here->version != p.request.want);
    if (ready || moved_on) {
      serve_fetch(c, p.ctoken, p.request);  // the content, or why not (it parks nothing now)
      continue;
    }
    if (now >= p.deadline) {
      c->send(message_packet(wire::FetchFileReply{wire::Status::busy, here->version, 0, 0,
                                                  "the content did not arrive here in time"},
                             wire::PacketType::rep, p.ctoken));
      continue;
    }
    keep.push_back(std::move(p));
  }
  if (keep.empty()) parked_.erase(it);
  else it->second = std::move(keep);
}

// ---- izoctl ---------------------------------------------------------------

json FilesetService::status() const {
  json j;
  j["fileset"] = def_.name;
  j["role"] = serves() ? "server" : "client";
  j["server"] = def_.servername;
  j["policy"] = std::string(replica::policy_name(def_.policy));
  j["mount"] = cache_.mtpt.string();
  if (failed_) j["stopped"] = true;
  const auto st = engine_->status();
  j["permit"] = st.permit;
  j["holder"] = st.holder ? json(host_name(*st.holder)) : json(nullptr);
  j["journal"] = {{"last", st.journal_last}, {"durable", st.journal_durable}, {"bytes", journal_->size_bytes()}};
  json peers = json::array();
  for (const auto& p : st.peers) {
    const auto c = links_.find(p.peer);
    const bool up = c != links_.end() && c->second->open();
    const auto lag = st.journal_durable > p.counters.acked ? st.journal_durable - p.counters.acked : 0;
    peers.push_back({{"name", host_name(p.peer)},
                     {"link", p.link},
                     {"connected", up},
                     {"cut", cut_.contains(p.peer)},
                     {"address", up ? c->second->remote() : ""},
                     {"next_to_expect", p.counters.next_to_expect},
                     {"acked", p.counters.acked},
                     {"lag_records", lag},
                     {"lag_bytes", journal_->bytes_after(p.counters.acked)}});
  }
  j["peers"] = peers;
  j["conflicts_open"] = st.conflicts.size();
  j["conflicts_resolved"] = st.conflicts_resolved;
  j["fetches_in_flight"] = sinks_.size();
  j["contents_fetched"] = contents_fetched_;
  j["contents_pushed"] = contents_pushed_;
  return j;
}

json FilesetService::conflicts() const {
  json out = json::array();
  auto one = [&](const replica::ConflictInfo& c, bool open) {
    out.push_back({{"fileset", def_.name},
                   {"id", c.id},
                   {"path", c.path},
                   {"reason", c.reason},
                   {"local", to_string(c.local)},
                   {"remote", to_string(c.remote)},
                   {"state", c.state},
                   {"open", open},
                   {"winner", winner_name(c.winner)},
                   {"kept", c.kept}});
  };
  const auto st = engine_->status();
  std::set<std::uint64_t> open;
  for (const auto& c : st.conflicts) {
    one(c, true);
    open.insert(c.id);
  }
  std::set<std::uint64_t> listed = open;
  for (const auto& c : reported_)
    if (listed.insert(c.id).second) one(c, false);
  for (const auto& c : st.resolved)  // resolved before this lento started
    if (listed.insert(c.id).second) one(c, false);
  return out;
}

std::optional<std::string> FilesetService::resolve(std::uint64_t id, fsm::Winner winner) {
  if (failed_) return "fileset " + def_.name + " is stopped";
  std::optional<std::string> problem;
  engine_call([&](replica::Engine& e) {
    if (auto err = e.resolve(id, winner)) problem = err->message;
  });
  if (!problem) log_.info(def_.name + ": conflict " + std::to_string(id) + " resolved by hand, " + std::string(fsm::winner_name(winner)) + " wins");
  return problem;
}

Result<HostId> FilesetService::peer_named(const std::string& peer) const {
  const HostId id = peer.empty() && !serves() ? server_id_ : host_id_of(peer);
  if (!names_.contains(id) || id == self_) return Error{"'" + peer + "' is not a peer of fileset " + def_.name, 0};
  return id;
}

std::optional<std::string> FilesetService::disconnect(const std::string& peer) {
  const auto found = peer_named(peer);
  if (!found) return found.error().message;
  const HostId id = *found;
  if (!serves() && id != server_id_) return "a replicator is only linked to its server, " + def_.servername;
  cut_.insert(id);
  log_.info(def_.name + ": disconnecting " + host_name(id) + " on purpose");
  reconnect_timer_.cancel();
  if (Connection* c = connection(id)) c->close("disconnected on purpose (izoctl)");
  return std::nullopt;
}

std::optional<std::string> FilesetService::reconnect(const std::string& peer) {
  const auto found = peer_named(peer);
  if (!found) return found.error().message;
  const HostId id = *found;
  cut_.erase(id);
  log_.info(def_.name + ": reconnecting " + host_name(id));
  backoff_ = timing_.reconnect_min;
  if (!serves()) connect();
  return std::nullopt;
}

}  // namespace izo::lento
