// Lento's end of the upcall channel to one fileset's Presto filter
// (protocol/upcall/FORMAT.md): a Unix stream socket, attached at start.
//
// Upcalls (PERMIT, FETCH, KML_WRITTEN, PERMIT_RETURNED) arrive on the event
// loop. JOURNAL and SYNC are answered by JOURNALED with the request's id:
// the loop thread writes requests (several JOURNALs may be in flight) and
// reads until the reply it waits for, keeping any upcall that arrives
// meanwhile for the loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "kml/record.hpp"
#include "upcall/message.hpp"
#include "util/result.hpp"

namespace izo::lento {

class PrestoLink {
 public:
  using Upcall = std::function<void(const upcall::Message&)>;
  using Closed = std::function<void(const std::string& why)>;

  // Connects to `socket` and attaches to `fileset`; waits at most
  // `wait_ms` for the filter to answer.
  static Result<std::unique_ptr<PrestoLink>> attach(boost::asio::io_context& io, const std::filesystem::path& socket,
                                                    const std::string& fileset, int wait_ms = 5000);
  ~PrestoLink();
  PrestoLink(const PrestoLink&) = delete;
  PrestoLink& operator=(const PrestoLink&) = delete;

  std::uint64_t filter_host() const { return filter_host_; }
  std::uint64_t attached_recno() const { return attached_recno_; }

  // Starts delivering upcalls; `closed` is called once if the filter goes.
  void start(Upcall on_upcall, Closed closed);

  // JOURNAL and SYNC in two halves: send_journal / send_sync write the
  // request (once send_journal returns, the record is in the channel: the
  // filter appends it even if lento dies now) and give its id;
  // await_journaled waits for the answer: the record's number, or for a
  // SYNC the number the KML is durable through. Answers come in request
  // order. An error if the filter refuses or the channel is gone.
  Result<std::uint64_t> send_journal(const kml::Record& r);
  Result<std::uint64_t> send_sync();
  Result<std::uint64_t> await_journaled(std::uint64_t id);

  void send(upcall::Message m);  // PERMIT_REPLY, FETCH_REPLY, REVOKE
  void detach();                 // DETACH, then close
  bool open() const { return open_; }

 private:
  PrestoLink(boost::asio::io_context& io, int fd, std::string fileset);
  Result<std::uint64_t> post(upcall::Message m);  // the request's id
  Result<upcall::Message> await(std::uint64_t id, int wait_ms);
  // Reads what the socket holds (waiting at most `wait_ms` for something),
  // moving whole messages to pending_. False when the channel is gone.
  bool pull(int wait_ms);
  void arm();
  void deliver();
  void fail(const std::string& why);

  boost::asio::posix::stream_descriptor sd_;
  std::string fileset_;
  std::uint64_t filter_host_ = 0;
  std::uint64_t attached_recno_ = 0;
  std::uint64_t next_id_ = 1;
  std::vector<std::uint8_t> in_;
  std::deque<upcall::Message> pending_;
  Upcall on_upcall_;
  Closed closed_;
  bool open_ = true;
  bool armed_ = false;
};

}  // namespace izo::lento
