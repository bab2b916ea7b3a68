// One fileset on this host, served or replicated: the replica engine of
// protocol/ bound to the real world. Its ports are the holding tree Presto
// wraps (the Store, written directly, never through the mount), the filter's
// KML (FilterJournal) and last_rcvd (LastRcvdFile); its effects become packets on connections, fetches of file
// content, upcall replies to Presto and log lines. It decides nothing itself.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>

#include "config/config.hpp"
#include "posix/posix_store.hpp"
#include "replica/engine.hpp"
#include "runtime/connection.hpp"
#include "runtime/fetched_contents.hpp"
#include "runtime/filter_journal.hpp"
#include "runtime/last_rcvd_file.hpp"
#include "runtime/log.hpp"
#include "runtime/presto_link.hpp"
#include "runtime/pushed_contents.hpp"

namespace izo::lento {

struct ServiceTiming {
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds silence_limit{5000};  // a peer this quiet is gone
  std::chrono::milliseconds reconnect_min{200};
  std::chrono::milliseconds reconnect_max{5000};
};

class FilesetService {
 public:
  // Attaches to the fileset's Presto filter and opens its state; nothing
  // half-made is left running if this fails. `limits` bound what fetched
  // and pushed contents may hold while they wait.
  static Result<std::unique_ptr<FilesetService>> start(boost::asio::io_context& io, const Configuration& config,
                                                       const Cache& cache, const Log& log, ServiceTiming timing,
                                                       ContentLimits limits);
  ~FilesetService();
  FilesetService(const FilesetService&) = delete;
  FilesetService& operator=(const FilesetService&) = delete;

  const std::string& name() const { return def_.name; }
  bool serves() const { return role_ == replica::Role::server; }

  // Server: a replicator connected and said hello. Refuses (with a logged
  // reason and a HelloReply) a host fsetdb does not name for this fileset.
  void adopt(std::shared_ptr<Connection> c, const wire::Hello& hello);

  // izoctl.
  nlohmann::json status() const;
  nlohmann::json conflicts() const;
  std::optional<std::string> resolve(std::uint64_t id, fsm::Winner winner);
  // Cut the link to `peer` (client: the server) on purpose and keep it cut
  // until reconnect(); an unknown name is an error.
  std::optional<std::string> disconnect(const std::string& peer);
  std::optional<std::string> reconnect(const std::string& peer);

  void stop();  // DETACH from Presto, close every connection

 private:
  struct Sink;
  FilesetService(boost::asio::io_context& io, const Configuration& config, const Cache& cache, const Log& log,
                 ServiceTiming timing);

  // Every call into the engine goes through here: effects are carried out
  // afterwards, and a port failure stops the fileset with the reason.
  template <class F>
  void engine_call(F&& f);
  void carry_out(std::vector<replica::Effect> effects);
  void fail(const std::string& why);

  void on_upcall(const upcall::Message& m);
  void on_packet(replica::HostId peer, Connection& c, wire::Packet p);
  void on_closed(replica::HostId peer, Connection& c, const std::string& why);
  void send_message(replica::HostId peer, const wire::Message& m);
  // Before records that close files: the small ones, so the peer need not fetch them.
  void push_contents(Connection& c, replica::HostId peer, const std::vector<kml::Record>& records);
  void on_pushed(replica::HostId peer, Connection& c, const wire::PushContents& push);
  // An engine fetch answered by what the peer pushed; false if it pushed no such thing.
  bool fetch_pushed(const replica::effect::Fetch& f);
  Connection* connection(replica::HostId peer);

  // Client: connecting to the server, with backoff.
  void connect();
  void schedule_reconnect();
  void heartbeat();

  // Fetches: asking a peer for content, and answering a peer's request.
  std::uint32_t start_fetch(replica::HostId from, const std::string& path, const Version& v, std::uint64_t engine_id,
                            const std::string& install_path);
  void serve_fetch(std::shared_ptr<Connection> c, std::uint32_t ctoken, const wire::FetchFile& f);
  // Fetches asked for content still on its way here, answered when it lands
  // (or busy after a while).
  void serve_parked(const std::string& path);
  // Answers the opens and the parked fetches waiting on content the store
  // made whole since the last call (PosixStore::take_arrived).
  void serve_arrived();
  void on_fetch_reply(std::uint32_t ctoken, const wire::Packet& p);
  void finish_fetch(std::uint32_t ctoken, std::optional<std::string> failure);
  // An engine fetch ended (fetched or pushed): handed over with the others
  // that end meanwhile by deliver_arrivals, posted once.
  void queue_arrival(replica::Arrival arrival, const std::string& install_path);
  // Hands the engine every fetch that ended since the last call, in one
  // data_arrived (one sync for all), then answers whoever waits on them.
  void deliver_arrivals();
  void answer_waiting_opens(const std::string& path);
  void reply_fetch(std::uint64_t upcall, std::uint32_t status);  // FETCH_REPLY to Presto
  // The peer izoctl names ("" on a client: its server), if the fileset has it.
  Result<replica::HostId> peer_named(const std::string& peer) const;

  std::string host_name(replica::HostId id) const;

  boost::asio::io_context& io_;
  const Log& log_;
  ServiceTiming timing_;
  FilesetDef def_;
  Cache cache_;
  std::string self_name_;
  replica::HostId self_ = 0;
  replica::HostId server_id_ = 0;
  replica::Role role_ = replica::Role::client;
  const Server* server_ = nullptr;  // the fileset's server (config outlives this)
  std::string bindaddr_;
  std::map<replica::HostId, std::string> names_;  // every host of the fileset

  std::unique_ptr<PrestoLink> presto_;
  std::unique_ptr<posix::PosixStore> store_;
  std::unique_ptr<FilterJournal> journal_;
  std::unique_ptr<LastRcvdFile> last_rcvd_;
  std::unique_ptr<replica::Engine> engine_;
  std::unique_ptr<FetchedContents> contents_;  // outlives the sinks below
  std::unique_ptr<PushedContents> pushed_;     // what a peer pushed for its next message

  std::map<replica::HostId, std::shared_ptr<Connection>> links_;
  std::set<replica::HostId> cut_;  // disconnected on purpose (izoctl)
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  std::chrono::milliseconds backoff_;
  bool connecting_ = false;
  std::uint64_t heartbeat_seq_ = 0;

  std::map<std::uint32_t, std::unique_ptr<Sink>> sinks_;
  // Engine fetches that ended, waiting for deliver_arrivals (posted once).
  struct Ended {
    replica::Arrival arrival;
    std::string install_path;
  };
  std::vector<Ended> ended_;
  std::uint32_t next_ctoken_ = 1;
  std::uint64_t contents_fetched_ = 0;  // engine fetches answered over the network
  std::uint64_t contents_pushed_ = 0;   // engine fetches answered by what a peer pushed
  std::map<std::string, std::vector<std::uint64_t>> waiting_opens_;  // path -> FETCH upcall ids
  struct Parked {
    std::weak_ptr<Connection> connection;
    std::uint32_t ctoken = 0;
    wire::FetchFile request;
    std::chrono::steady_clock::time_point deadline;
  };
  std::map<std::string, std::vector<Parked>> parked_;
  std::vector<replica::ConflictInfo> reported_;
  bool failed_ = false;
  bool stopped_ = false;
};

}  // namespace izo::lento
