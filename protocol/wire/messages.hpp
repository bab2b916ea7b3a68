// The typed messages of the lento protocol (FORMAT.md beside this file). A
// message travels as the payload of one packet: a u16 kind, then its fields.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "kml/record.hpp"
#include "wire/codec.hpp"

namespace izo::wire {

inline constexpr std::uint16_t kProtocolVersion = 1;

enum class Kind : std::uint16_t {
  hello = 1,
  hello_reply = 2,
  get_permit = 3,
  permit_reply = 4,
  break_permit = 5,
  release_permit = 6,
  validate = 7,
  validate_reply = 8,
  fetch_file = 9,
  fetch_file_reply = 10,
  fetch_dir = 11,
  fetch_dir_reply = 12,
  reintegrate = 13,
  reintegrate_reply = 14,
  update_notify = 15,
  ack = 16,
  error_reply = 17,
  heartbeat = 18,
  describe = 19,
  describe_reply = 20,
  push_contents = 21,
};

// Status codes in replies.
enum class Status : std::uint16_t {
  ok = 0,
  refused = 1,       // not allowed (unknown peer, not a replicator, permit denied)
  not_found = 2,
  conflict = 3,
  bad_request = 4,   // malformed or out of protocol
  busy = 5,          // try again later (permit being broken)
  internal = 6,
  superseded = 7,    // reintegration: a closed file's content moved on at its writer; send again from there
};

// Connection set-up, sent by the side that connects. next_to_expect is the
// next record number the sender expects from the receiver's KML (the
// receiver forwards from there); last_recno is the sender's own KML end.
struct Hello {
  static constexpr Kind kind = Kind::hello;
  std::uint16_t protocol = kProtocolVersion;
  std::string sysid;
  std::uint64_t host_id = 0;
  std::string fileset;
  std::uint64_t next_to_expect = 1;
  std::uint64_t last_recno = 0;
  static void fields(auto& m, auto& f) {
    f("protocol", m.protocol);
    f("sysid", m.sysid, Text::name);
    f("host_id", m.host_id);
    f("fileset", m.fileset, Text::name);
    f("next_to_expect", m.next_to_expect);
    f("last_recno", m.last_recno);
  }
  friend bool operator==(const Hello&, const Hello&) = default;
};

struct HelloReply {
  static constexpr Kind kind = Kind::hello_reply;
  Status status = Status::ok;
  std::string reason;
  std::string sysid;
  std::uint64_t host_id = 0;
  std::uint64_t next_to_expect = 1;
  std::uint64_t last_recno = 0;
  static void fields(auto& m, auto& f) {
    f("status", m.status);
    f("reason", m.reason, Text::prose);
    f("sysid", m.sysid, Text::name);
    f("host_id", m.host_id);
    f("next_to_expect", m.next_to_expect);
    f("last_recno", m.last_recno);
  }
  friend bool operator==(const HelloReply&, const HelloReply&) = default;
};

struct GetPermit {
  static constexpr Kind kind = Kind::get_permit;
  std::string fileset;
  static void fields(auto& m, auto& f) { f("fileset", m.fileset, Text::name); }
  friend bool operator==(const GetPermit&, const GetPermit&) = default;
};

// epoch numbers the grants of a fileset's permit, so a stale release or
// break is recognised.
struct PermitReply {
  static constexpr Kind kind = Kind::permit_reply;
  Status status = Status::ok;
  std::string fileset;
  std::uint64_t epoch = 0;
  std::string reason;
  static void fields(auto& m, auto& f) {
    f("status", m.status);
    f("fileset", m.fileset, Text::name);
    f("epoch", m.epoch);
    f("reason", m.reason, Text::prose);
  }
  friend bool operator==(const PermitReply&, const PermitReply&) = default;
};

struct BreakPermit {
  static constexpr Kind kind = Kind::break_permit;
  std::string fileset;
  std::uint64_t epoch = 0;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("epoch", m.epoch);
  }
  friend bool operator==(const BreakPermit&, const BreakPermit&) = default;
};

// The holder gives the permit back after reintegrating through last_recno.
struct ReleasePermit {
  static constexpr Kind kind = Kind::release_permit;
  std::string fileset;
  std::uint64_t epoch = 0;
  std::uint64_t last_recno = 0;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("epoch", m.epoch);
    f("last_recno", m.last_recno);
  }
  friend bool operator==(const ReleasePermit&, const ReleasePermit&) = default;
};

struct Validate {
  static constexpr Kind kind = Kind::validate;
  std::string fileset;
  std::string path;
  Version version;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("path", m.path, Text::path);
    f("version", m.version);
  }
  friend bool operator==(const Validate&, const Validate&) = default;
};

struct ValidateReply {
  static constexpr Kind kind = Kind::validate_reply;
  Status status = Status::ok;
  bool valid = false;
  Version current;
  static void fields(auto& m, auto& f) {
    f("status", m.status);
    f("valid", m.valid);
    f("current", m.current);
  }
  friend bool operator==(const ValidateReply&, const ValidateReply&) = default;
};

// Asks for a whole file; the reply is followed by DAT packets and one EOD.
// offset lets a later delta or resumed transfer start inside the file.
struct FetchFile {
  static constexpr Kind kind = Kind::fetch_file;
  std::string fileset;
  std::string path;
  Version want;  // {0,0}: whatever is current
  std::uint64_t offset = 0;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("path", m.path, Text::path);
    f("want", m.want);
    f("offset", m.offset);
  }
  friend bool operator==(const FetchFile&, const FetchFile&) = default;
};

struct FetchFileReply {
  static constexpr Kind kind = Kind::fetch_file_reply;
  Status status = Status::ok;
  Version version;
  std::uint64_t size = 0;
  std::uint32_t mode = 0;
  std::string reason;
  static void fields(auto& m, auto& f) {
    f("status", m.status);
    f("version", m.version);
    f("size", m.size);
    f("mode", m.mode);
    f("reason", m.reason, Text::prose);
  }
  friend bool operator==(const FetchFileReply&, const FetchFileReply&) = default;
};

struct FetchDir {
  static constexpr Kind kind = Kind::fetch_dir;
  std::string fileset;
  std::string path;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("path", m.path, Text::path);
  }
  friend bool operator==(const FetchDir&, const FetchDir&) = default;
};

struct DirEntry {
  std::string name;
  std::uint32_t mode = 0;
  Version version;
  std::uint64_t size = 0;
  static void fields(auto& m, auto& f) {
    f("entry.name", m.name, Text::name);
    f("entry.mode", m.mode);
    f("entry.version", m.version);
    f("entry.size", m.size);
  }
  friend bool operator==(const DirEntry&, const DirEntry&) = default;
};

struct FetchDirReply {
  static constexpr Kind kind = Kind::fetch_dir_reply;
  Status status = Status::ok;
  Version version;
  std::vector<DirEntry> entries;
  static void fields(auto& m, auto& f) {
    f("status", m.status);
    f("version", m.version);
    f("entries", m.entries, kMaxDirEntries);
  }
  friend bool operator==(const FetchDirReply&, const FetchDirReply&) = default;
};

// A client's journal, from the server's next-to-expect for it.
struct Reintegrate {
  static constexpr Kind kind = Kind::reintegrate;
  std::string fileset;
  std::vector<kml::Record> records;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("records", m.records);
  }
  friend bool operator==(const Reintegrate&, const Reintegrate&) = default;
};

// On a conflict, conflict_path names the object it is about and server_state
// describes what the server holds at each name of the refused record: a create/mkdir/symlink/mknod stamped with the
// object's version (then a close giving a file's size) where an object is,
// an unlink where none is. The client resolves the conflict against it.
struct ReintegrateReply {
  static constexpr Kind kind = Kind::reintegrate_reply;
  Status status = Status::ok;
  std::uint64_t applied_through = 0;  // the sender's recno, durable on the receiver
  std::uint32_t conflicts = 0;
  std::string reason;
  std::string conflict_path;
  std::vector<kml::Record> server_state;
  static void fields(auto& m, auto& f) {
    f("status", m.status);
    f("applied_through", m.applied_through);
    f("conflicts", m.conflicts);
    f("reason", m.reason, Text::prose);
    f("conflict_path", m.conflict_path, Text::path);
    f("server_state", m.server_state);
  }
  friend bool operator==(const ReintegrateReply&, const ReintegrateReply&) = default;
};

// The server forwarding records to a replicator (update notification).
struct UpdateNotify {
  static constexpr Kind kind = Kind::update_notify;
  std::string fileset;
  std::vector<kml::Record> records;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("records", m.records);
  }
  friend bool operator==(const UpdateNotify&, const UpdateNotify&) = default;
};

// Records through `recno` of the peer's KML are durable here.
struct Ack {
  static constexpr Kind kind = Kind::ack;
  std::string fileset;
  std::uint64_t recno = 0;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("recno", m.recno);
  }
  friend bool operator==(const Ack&, const Ack&) = default;
};

struct ErrorReply {
  static constexpr Kind kind = Kind::error_reply;
  Status status = Status::bad_request;
  std::string message;
  static void fields(auto& m, auto& f) {
    f("status", m.status);
    f("message", m.message, Text::prose);
  }
  friend bool operator==(const ErrorReply&, const ErrorReply&) = default;
};

struct Heartbeat {
  static constexpr Kind kind = Kind::heartbeat;
  std::uint64_t seq = 0;
  static void fields(auto& m, auto& f) { f("seq", m.seq); }
  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

// One name in a describe request.
struct NameRef {
  std::string path;
  static void fields(auto& m, auto& f) { f("name.path", m.path, Text::path); }
  friend bool operator==(const NameRef&, const NameRef&) = default;
};

// A client asks for the server's present state of names it cannot rebuild
// itself: a conflict resolution dropped its own change there and what the
// server holds never reached it.
struct Describe {
  static constexpr Kind kind = Kind::describe;
  std::string fileset;
  std::vector<NameRef> names;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("names", m.names, kMaxDescribeNames);
  }
  friend bool operator==(const Describe&, const Describe&) = default;
};

// The server's state of each name asked, as in ReintegrateReply::server_state,
// as of its journal's record `through`: the asker skips forwarded records up
// to there that touch those names (the state already includes them).
struct DescribeReply {
  static constexpr Kind kind = Kind::describe_reply;
  Status status = Status::ok;
  std::uint64_t through = 0;
  std::vector<kml::Record> records;
  static void fields(auto& m, auto& f) {
    f("status", m.status);
    f("through", m.through);
    f("records", m.records);
  }
  friend bool operator==(const DescribeReply&, const DescribeReply&) = default;
};

// The whole content of files that the records of the message sent right
// after it close, at the versions the receiver would fetch (the file's name
// and version once those records are applied): a sender may push small
// files so that the receiver need not ask for them. The receiver keeps them
// for that next message only and fetches whatever was not pushed. Lento's
// own: the engine never sees it.
inline constexpr std::size_t kMaxPushedFile = 1u << 20;
inline constexpr std::size_t kMaxPushedFiles = 1024;

struct PushedFile {
  std::string path;
  Version version;
  Blob content;
  static void fields(auto& m, auto& f) {
    f("pushed.path", m.path, Text::path);
    f("pushed.version", m.version);
    f("pushed.content", m.content, kMaxPushedFile);
  }
  friend bool operator==(const PushedFile&, const PushedFile&) = default;
};

struct PushContents {
  static constexpr Kind kind = Kind::push_contents;
  std::string fileset;
  std::vector<PushedFile> files;
  static void fields(auto& m, auto& f) {
    f("fileset", m.fileset, Text::name);
    f("files", m.files, kMaxPushedFiles);
  }
  friend bool operator==(const PushContents&, const PushContents&) = default;
};

using Message =
    std::variant<Hello, HelloReply, GetPermit, PermitReply, BreakPermit, ReleasePermit, Validate,
                 ValidateReply, FetchFile, FetchFileReply, FetchDir, FetchDirReply, Reintegrate,
                 ReintegrateReply, UpdateNotify, Ack, ErrorReply, Heartbeat, Describe, DescribeReply,
                 PushContents>;

std::string_view kind_name(Kind k);
Kind kind_of(const Message& m);

// Appends the kind and the fields of `m` to `out`.
void encode_message(const Message& m, std::vector<std::uint8_t>& out);

// Decodes one whole message; trailing bytes are an error.
Result<Message> decode_message(std::span<const std::uint8_t> payload);

}  // namespace izo::wire
