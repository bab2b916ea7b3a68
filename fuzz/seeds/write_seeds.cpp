// Writes every fuzz target's seed corpus (FUZZDIR/NAME/seeds/) from the real
// encoders, so the seeds are well-formed by construction and follow the
// formats when they change. `fuzz_seeds_are_current` checks that the
// committed seeds are what this program writes.
//
//   fuzz_write_seeds FUZZDIR
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "izo/upcall_format.h"
#include "kml/examples.hpp"
#include "kml/record.hpp"
#include "upcall/message.hpp"
#include "wire/messages.hpp"
#include "wire/packet.hpp"

namespace {

namespace fs = std::filesystem;
using namespace izo;
using Bytes = std::vector<std::uint8_t>;

fs::path out_root;

void put(const std::string& target, const std::string& name, const Bytes& bytes) {
  const auto dir = out_root / target / "seeds";
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz_write_seeds: cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes encode(const kml::Record& r) {
  Bytes out;
  if (!kml::encode(r, out)) {
    std::fprintf(stderr, "fuzz_write_seeds: an example record breaks the format\n");
    std::exit(1);
  }
  return out;
}

// A log of `records`, numbered from 1.
Bytes log_of(std::vector<kml::Record> records) {
  Bytes out;
  std::uint64_t n = 0;
  for (auto& r : records) {
    r.recno = ++n;
    const auto one = encode(r);
    out.insert(out.end(), one.begin(), one.end());
  }
  return out;
}

void kml_seeds() {
  for (const auto& r : kml::example_records()) put("kml_record", std::string(kml::op_name(r.op)), encode(r));
  // Names a terminal or a JSON printer could trip on.
  auto hostile = kml::example_records().at(IZO_KML_SETXATTR);
  hostile.path = "docs/line\nbreak\x1b[31m\xff\xfe";
  hostile.path2 = "user.\x01name";
  hostile.data = std::string("\0\x7f\x80\"\\", 5);
  put("kml_record", "hostile-names", encode(hostile));

  const auto workload = log_of(kml::example_workload(13));
  put("kml_scan", "clean", workload);
  put("kml_scan", "empty", {});
  auto torn = workload;
  torn.resize(torn.size() - 100);
  put("kml_scan", "torn-tail", torn);
  auto zeros = workload;
  zeros.resize(zeros.size() + 512, 0);
  put("kml_scan", "zero-filled-tail", zeros);
  auto corrupt = workload;
  corrupt[encode(kml::example_workload(1).front()).size() + 60] ^= 0x40;  // inside the second record
  put("kml_scan", "corrupt-middle", corrupt);
  auto late = kml::example_workload(3, 1'000'000);
  put("kml_scan", "late-numbers", [&] {
    Bytes out;
    for (const auto& r : late) {
      const auto one = encode(r);
      out.insert(out.end(), one.begin(), one.end());
    }
    return out;
  }());
}

// Records aimed at the traps record_apply sets: symlinks out of the fileset
// ("escape" -> ../outside, "abs" -> the outside's absolute path,
// "d/secret" -> a file outside), and an ordinary workload.
void record_apply_seeds() {
  put("record_apply", "workload", log_of(kml::example_workload(26)));
  const auto ex = kml::example_records();
  auto make = [&](kml::Op op, std::string path, std::string path2 = {}) {
    auto r = ex.at(static_cast<std::size_t>(op));
    r.path = std::move(path);
    r.path2 = std::move(path2);
    return r;
  };
  std::vector<kml::Record> attack;
  attack.push_back(make(kml::Op::create, "escape/pwn"));
  attack.push_back(make(kml::Op::mkdir, "abs/newdir"));
  attack.push_back(make(kml::Op::setattr, "d/secret"));
  attack.push_back(make(kml::Op::rename, "f", "escape/moved"));
  attack.push_back(make(kml::Op::rename, "escape/secret", "stolen"));
  attack.push_back(make(kml::Op::link, "abs/secret", "hardlinked"));
  attack.push_back(make(kml::Op::symlink, "s", "../outside/secret"));
  attack.push_back(make(kml::Op::setattr, "s"));
  attack.push_back(make(kml::Op::unlink, "escape/secret"));
  attack.push_back(make(kml::Op::rmdir, "abs/sub"));
  attack.push_back(make(kml::Op::setxattr, "abs/secret", "user.stolen"));
  attack.push_back(make(kml::Op::delxattr, "d/secret", "user.x"));
  attack.push_back(make(kml::Op::close, "d/secret"));
  attack.push_back(make(kml::Op::mknod, "escape/node"));
  put("record_apply", "symlink-attacks", log_of(attack));
  std::vector<kml::Record> root_attrs{make(kml::Op::setattr, ""), make(kml::Op::setxattr, "", "user.root")};
  put("record_apply", "root-attrs", log_of(root_attrs));
}

std::vector<wire::Message> example_messages() {
  const auto records = kml::example_workload(3);
  wire::FetchDirReply dir;
  dir.version = Version{7, 3};
  dir.entries = {{"a.txt", 0100644, Version{7, 1}, 12}, {"sub", 040755, Version{7, 2}, 0}};
  wire::ReintegrateReply rr;
  rr.status = wire::Status::conflict;
  rr.applied_through = 2;
  rr.conflicts = 1;
  rr.reason = "changed on both sides";
  rr.conflict_path = "docs/readme.txt";
  rr.server_state = {records.front()};
  return {
      wire::Hello{wire::kProtocolVersion, "clientA", 2, "shared", 5, 9},
      wire::HelloReply{wire::Status::ok, "", "server", 1, 10, 4},
      wire::GetPermit{"shared"},
      wire::PermitReply{wire::Status::ok, "shared", 3, ""},
      wire::BreakPermit{"shared", 3},
      wire::ReleasePermit{"shared", 3, 9},
      wire::Validate{"shared", "docs/readme.txt", Version{7, 1}},
      wire::ValidateReply{wire::Status::ok, true, Version{7, 1}},
      wire::FetchFile{"shared", "docs/readme.txt", Version{7, 1}, 0},
      wire::FetchFileReply{wire::Status::ok, Version{7, 1}, 12, 0100644, ""},
      wire::FetchDir{"shared", "docs"},
      dir,
      wire::Reintegrate{"shared", records},
      rr,
      wire::UpdateNotify{"shared", records},
      wire::Ack{"shared", 9},
      wire::ErrorReply{wire::Status::bad_request, "no such fileset"},
      wire::Heartbeat{7},
      wire::Describe{"shared", {{"docs/readme.txt"}, {"a.txt"}}},
      wire::DescribeReply{wire::Status::ok, 9, {records.front()}},
      wire::PushContents{"shared", {{"docs/readme.txt", Version{3, 15}, {"hello\n"}}}},
  };
}

void wire_seeds() {
  Bytes stream{7};  // wire_packet's first byte: the size of each read
  std::uint32_t token = 1;
  for (const auto& m : example_messages()) {
    Bytes payload;
    wire::encode_message(m, payload);
    const std::string name(wire::kind_name(wire::kind_of(m)));
    put("wire_message", name, payload);
    wire::Packet p{wire::PacketType::msg, 0, 0, payload};
    if (name == "fetch_file") p = {wire::PacketType::req, token, 0, payload};
    if (name == "fetch_file_reply") p = {wire::PacketType::rep, token, 9, payload};
    Bytes one{static_cast<std::uint8_t>(name.size())};
    wire::encode_packet(p, one);
    put("wire_packet", name, one);
    wire::encode_packet(p, stream);
  }
  wire::encode_packet({wire::PacketType::dat, token, 9, text("twelve bytes")}, stream);
  wire::encode_packet({wire::PacketType::eod, token, 9, {}}, stream);
  wire::encode_packet({wire::PacketType::go, token, 9, {}}, stream);
  put("wire_packet", "session", stream);
}

void upcall_seeds() {
  using upcall::Kind;
  const Version v{7, 1};
  std::vector<std::pair<std::string, upcall::Message>> ms = {
      {"attach", {Kind::attach, 0, 0, 0, {}, 0, "shared", "", {}}},
      {"attached", {Kind::attached, 0, 0, 42, Version{7, 0}, 0, "shared", "", {}}},
      {"permit", {Kind::permit, 0, 2, 0, {}, 4242, "shared", "", {}}},
      {"permit_reply", {Kind::permit_reply, 0, 2, 0, {}, 0, "shared", "", {}}},
      {"permit_refused", {Kind::permit_reply, 30, 2, 0, {}, 0, "shared", "", {}}},
      {"fetch", {Kind::fetch, 0, 3, 0, v, 4242, "shared", "docs/readme.txt", {}}},
      {"fetch_reply", {Kind::fetch_reply, 0, 3, 0, {}, 0, "shared", "", {}}},
      {"kml_written", {Kind::kml_written, 0, 0, 43, {}, 0, "shared", "", {}}},
      {"revoke", {Kind::revoke, 0, 0, 0, {}, 0, "shared", "", {}}},
      {"permit_returned", {Kind::permit_returned, 0, 0, 0, {}, 0, "shared", "", {}}},
      {"journal", {Kind::journal, 0, 5, 0, {}, 0, "shared", "", encode(kml::example_workload(1).front())}},
      {"journaled", {Kind::journaled, 0, 5, 44, {}, 0, "shared", "", {}}},
      {"sync", {Kind::sync, 0, 6, 0, {}, 0, "shared", "", {}}},
      {"detach", {Kind::detach, 0, 0, 0, {}, 0, "shared", "", {}}},
  };
  for (const auto& [name, m] : ms) {
    auto bytes = upcall::encode(m);
    if (!bytes) {
      std::fprintf(stderr, "fuzz_write_seeds: upcall %s: %s\n", name.c_str(), bytes.error().message.c_str());
      std::exit(1);
    }
    put("upcall_message", name, *bytes);
  }
}

void config_seeds() {
  const std::string sysid =
      "<?xml version=\"1.0\"?>\n<sysid name=\"clientA\" psdev=\"/dev/intermezzo0\" bindaddr=\"127.0.0.2\">\n"
      "  <cache fileset=\"shared\" holding=\"/srv/izo/shared\" mtpt=\"/izo0\"/>\n</sysid>\n";
  const std::string serverdb =
      "<?xml version=\"1.0\"?>\n<serverdb>\n  <server name=\"muskox\" ipaddr=\"192.168.0.3\" port=\"2222\" "
      "bindaddr=\"192.168.0.3\"/>\n  <server name=\"clientA\" ipaddr=\"127.0.0.2\"/>\n</serverdb>\n";
  const std::string fsetdb =
      "<?xml version=\"1.0\"?>\n<fsetdb>\n  <fileset name=\"shared\" servername=\"muskox\" policy=\"server-wins\">\n"
      "    <replicator>clientA</replicator>\n    <replicator> clientB </replicator>\n  </fileset>\n</fsetdb>\n";
  put("config_xml", "sysid", text(std::string(1, '\0') + sysid));
  put("config_xml", "serverdb", text(std::string(1, '\1') + serverdb));
  put("config_xml", "fsetdb", text(std::string(1, '\2') + fsetdb));
  put("config_xml", "all-three", text(std::string(1, '\3') + sysid + '\0' + serverdb + '\0' + fsetdb));
  put("config_xml", "entity", text(std::string(1, '\0') +
                                    "<!DOCTYPE sysid [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                                    "<sysid name=\"&x;\"/>\n"));
}

// fsm_events: the first byte picks the machine; the tape after it is the
// events and the answers to the machine's queries.
void fsm_seeds() {
  const char* machines[] = {"permit_server", "permit_client", "client_link", "server_link", "conflict"};
  for (std::uint8_t m = 0; m < 5; ++m) {
    Bytes tape{m};
    for (std::uint8_t i = 0; i < 96; ++i) tape.push_back(static_cast<std::uint8_t>(i * 37 + m));
    put("fsm_events", machines[m], tape);
  }
}

// sim_world and sim_wide: seed, clients, steps, policy, faults (ignored by
// sim_world), operation share, files, then the tape of choices.
void sim_seeds() {
  Bytes busy{4, 2, 119, 1, 3 | (8 << 2), 49, 1};
  for (std::uint8_t i = 0; i < 200; ++i) busy.push_back(static_cast<std::uint8_t>(i * 73));
  for (const char* target : {"sim_world", "sim_wide"}) {
    put(target, "two-clients", Bytes{1, 1, 60, 0, 0, 30, 2});
    put(target, "partitions", Bytes{2, 1, 100, 0, 2 | (4 << 2), 30, 2});
  }
  // With faults these two break properties today: sim_wide/findings/.
  put("sim_world", "crashes-manual", Bytes{3, 2, 100, 2, 1 | (5 << 2), 40, 3});
  put("sim_world", "busy-one-file", busy);
}

// conflict_replay: a policy byte (0 server-wins, 1 client-wins, 2 manual),
// then a scenario script (replay/conflicts/scenario.hpp). Scripts that break
// a property today are in conflict_replay/findings/, not here.
void conflict_seeds() {
  auto script = [](std::uint8_t policy, const std::string& s) {
    Bytes b{policy};
    b.insert(b.end(), s.begin(), s.end());
    return b;
  };
  const std::string both_edit =
      "common write a the first text\nserver write a the server's text\nclient write a the client's text\n"
      "expect conflict a\n";
  put("conflict_replay", "both-edit-server-wins", script(0, both_edit));
  put("conflict_replay", "both-edit-client-wins", script(1, both_edit));
  put("conflict_replay", "both-edit-manual", script(2, both_edit));
  put("conflict_replay", "rename-and-edit",
      script(0, "common mkdir d\ncommon write d/f text\nserver rename d/f d/g\nclient write d/f edited\n"
                "expect conflict d/f\n"));
  put("conflict_replay", "apart-in-two-folders",
      script(0, "common mkdir d\ncommon mkdir e\nserver write d/x one\nclient write e/y two\n"
                "client chmod e/y 600\nserver symlink d/l x\nexpect no-conflict\n"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_write_seeds FUZZDIR\nWrites FUZZDIR/NAME/seeds/ for every fuzz target.\n");
    return 64;
  }
  out_root = argv[1];
  kml_seeds();
  record_apply_seeds();
  wire_seeds();
  upcall_seeds();
  config_seeds();
  fsm_seeds();
  sim_seeds();
  conflict_seeds();
  return 0;
}
