// The XML configuration loader (libxml2). The input's first byte says which
// file it is (sysid, serverdb, fsetdb) or, for 3, that it holds all three
// separated by NUL bytes, checked together as lento checks them at start-up.
// Whatever the bytes: no crash, every error names the file and a line
// ("sysid:12: ..."), and what loads keeps the promises lento relies on.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "support/check.hpp"
#include "support/entry.hpp"
#include "wire/codec.hpp"

namespace {

using namespace izo;

void check_error(const Error& e, const std::string& file) {
  IZO_FUZZ_REQUIRE(e.message.rfind(file + ":", 0) == 0, "an error that does not name its file: " + e.message);
  const auto rest = std::string_view(e.message).substr(file.size() + 1);
  IZO_FUZZ_REQUIRE(!rest.empty() && rest.front() >= '0' && rest.front() <= '9',
                   "an error that does not name a line: " + e.message);
}

void check_name(const std::string& name) {
  IZO_FUZZ_REQUIRE(!wire::name_problem(name), "a bad name was accepted: '" + name + "'");
}

std::optional<lento::SysId> sysid(std::string_view xml) {
  auto id = lento::parse_sysid(xml, "sysid");
  if (!id) {
    check_error(id.error(), "sysid");
    return std::nullopt;
  }
  check_name(id->name);
  for (const auto& c : id->caches) {
    check_name(c.fileset);
    IZO_FUZZ_REQUIRE(c.holding.is_absolute() && c.mtpt.is_absolute(), "a relative holding or mtpt was accepted");
  }
  return *id;
}

std::optional<std::vector<lento::Server>> serverdb(std::string_view xml) {
  auto servers = lento::parse_serverdb(xml, "serverdb");
  if (!servers) {
    check_error(servers.error(), "serverdb");
    return std::nullopt;
  }
  for (const auto& s : *servers) {
    check_name(s.name);
    IZO_FUZZ_REQUIRE(s.port != 0 && !s.ipaddr.empty(), "a server without an address or a port was accepted");
  }
  return *servers;
}

std::optional<std::vector<lento::FilesetDef>> fsetdb(std::string_view xml) {
  auto filesets = lento::parse_fsetdb(xml, "fsetdb");
  if (!filesets) {
    check_error(filesets.error(), "fsetdb");
    return std::nullopt;
  }
  for (const auto& f : *filesets) {
    check_name(f.name);
    check_name(f.servername);
    for (const auto& r : f.replicators) {
      check_name(r);
      IZO_FUZZ_REQUIRE(r != f.servername, "a fileset's server was accepted as its replicator");
    }
  }
  return *filesets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: sysid(text); break;
    case 1: serverdb(text); break;
    case 2: fsetdb(text); break;
    default: {
      const auto a = text.find('\0');
      const auto b = a == std::string_view::npos ? a : text.find('\0', a + 1);
      if (b == std::string_view::npos) return 0;
      auto id = sysid(text.substr(0, a));
      auto servers = serverdb(text.substr(a + 1, b - a - 1));
      auto filesets = fsetdb(text.substr(b + 1));
      if (!id || !servers || !filesets) return 0;
      lento::Configuration c{*id, *servers, *filesets};
      if (auto bad = lento::check_references(c, "sysid", "fsetdb")) {
        IZO_FUZZ_REQUIRE(bad->message.rfind("sysid:", 0) == 0 || bad->message.rfind("fsetdb:", 0) == 0,
                         "a reference error that does not name its file: " + bad->message);
        return 0;
      }
      for (const auto& f : c.filesets) IZO_FUZZ_REQUIRE(c.server(f.servername), "a fileset without its server");
      for (const auto& cache : c.self.caches) IZO_FUZZ_REQUIRE(c.fileset(cache.fileset), "a cache of no fileset");
    }
  }
  return 0;
}
