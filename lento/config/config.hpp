// lento's configuration: the HOWTO's three XML files (seeds/004), read with
// libxml2 from a configuration directory (default /etc/intermezzo).
//
//   sysid     <sysid name="clientA" psdev="/dev/intermezzo0" bindaddr="127.0.0.2">
//               <cache fileset="shared" holding="/srv/izo/shared" mtpt="/izo0"/>
//             </sysid>
//   serverdb  <serverdb><server name="muskox" ipaddr="192.168.0.3" port="2222"
//               bindaddr="192.168.0.3"/></serverdb>
//   fsetdb    <fsetdb><fileset name="shared" servername="muskox" policy="server-wins">
//               <replicator>clientA</replicator></fileset></fsetdb>
//
// The `cache` children of sysid (where this host keeps each fileset: the
// holding directory Presto wraps and the mount point) and the fileset's
// `policy` attribute are this implementation's additions; the HOWTO learned
// the former from the kernel and had no policies. Everything is checked before
// lento starts: a problem is reported as file:line and what is wrong.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replica/engine.hpp"
#include "util/result.hpp"

namespace izo::lento {

inline constexpr std::uint16_t kDefaultPort = 2222;
inline constexpr const char* kDefaultConfigDir = "/etc/intermezzo";

// Where this host keeps one fileset.
struct Cache {
  std::string fileset;
  std::filesystem::path holding;  // the directory Presto wraps (HOLDING/.intermezzo/FILESET/kml)
  std::filesystem::path mtpt;     // where the fileset is mounted through Presto
};

struct SysId {
  std::string name;
  std::string psdev;     // the presto device (kernel module); unused by presto-fuse
  std::string bindaddr;  // "" = any
  std::vector<Cache> caches;
};

struct Server {
  std::string name;
  std::string ipaddr;
  std::uint16_t port = kDefaultPort;
  std::string bindaddr;  // "" = all interfaces
};

struct FilesetDef {
  std::string name;
  std::string servername;
  std::vector<std::string> replicators;
  replica::Policy policy = replica::Policy::server_wins;
};

struct Configuration {
  SysId self;
  std::vector<Server> servers;
  std::vector<FilesetDef> filesets;

  const Server* server(std::string_view name) const;
  const FilesetDef* fileset(std::string_view name) const;
  // This host's own server entry, if it serves anything.
  const Server* self_server() const { return server(self.name); }
};

struct ConfigPaths {
  std::filesystem::path configdir = kDefaultConfigDir;
  std::filesystem::path idfile;  // "" = CONFIGDIR/sysid; relative = under CONFIGDIR
};

// Reads and checks the three files. Every reference must resolve: each
// fileset's server is in serverdb; each cache names a fileset of fsetdb that
// this host serves or replicates; names are unique; ports are 1..65535;
// holding and mtpt are absolute. Unknown elements and attributes are errors.
Result<Configuration> load_configuration(const ConfigPaths& paths);

// One file on its own (for tools and tests).
Result<SysId> load_sysid(const std::filesystem::path& file);
Result<std::vector<Server>> load_serverdb(const std::filesystem::path& file);
Result<std::vector<FilesetDef>> load_fsetdb(const std::filesystem::path& file);

// The same from text already in memory; `file` names it in errors.
Result<SysId> parse_sysid(std::string_view xml, const std::string& file);
Result<std::vector<Server>> parse_serverdb(std::string_view xml, const std::string& file);
Result<std::vector<FilesetDef>> parse_fsetdb(std::string_view xml, const std::string& file);

// The references between the three files, load_configuration's last check:
// every fileset's server is described, every cache names a fileset this host
// serves or replicates. `idfile` and `fsetdb` name the files in errors.
std::optional<Error> check_references(const Configuration& c, const std::string& idfile, const std::string& fsetdb);

}  // namespace izo::lento
