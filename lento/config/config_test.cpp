// The configuration files: the HOWTO's examples load, and every kind of
// mistake is refused with the file, the line and what is wrong.
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "posix/temp_dir.hpp"

namespace izo::lento {
namespace {

namespace fs = std::filesystem;

class ConfigDir {
 public:
  ConfigDir() {
    write("sysid", R"(<sysid name="clientA" psdev="/dev/intermezzo0" bindaddr="127.0.0.2">
  <cache fileset="shared" holding="/srv/izo/shared" mtpt="/izo0"/>
</sysid>
)");
    write("serverdb", R"(<serverdb>
<server name="muskox" ipaddr="192.168.0.3" port="2222"
bindaddr="192.168.0.3" />
</serverdb>
)");
    write("fsetdb", R"(<fsetdb>
<fileset name="shared" servername="muskox" >
<replicator>clientA</replicator>
<replicator>clientB</replicator>
</fileset>
</fsetdb>
)");
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir_.path() / name) << text; }
  ConfigPaths paths() const { return ConfigPaths{dir_.path(), {}}; }
  std::string file(const std::string& name) const { return (dir_.path() / name).string(); }

 private:
  posix::TempDir dir_{"izo-config"};
};

std::string error_of(const ConfigDir& d) {
  auto c = load_configuration(d.paths());
  return c ? std::string("(loaded)") : c.error().message;
}

TEST(LentoConfig, HowtoTwoClientExampleLoads) {
  ConfigDir d;
  auto c = load_configuration(d.paths());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->self.name, "clientA");
  EXPECT_EQ(c->self.psdev, "/dev/intermezzo0");
  EXPECT_EQ(c->self.bindaddr, "127.0.0.2");
  ASSERT_EQ(c->self.caches.size(), 1u);
  EXPECT_EQ(c->self.caches[0].holding, fs::path("/srv/izo/shared"));
  EXPECT_EQ(c->self.caches[0].mtpt, fs::path("/izo0"));
  ASSERT_EQ(c->servers.size(), 1u);
  EXPECT_EQ(c->servers[0].port, 2222);
  EXPECT_EQ(c->servers[0].bindaddr, "192.168.0.3");
  ASSERT_EQ(c->filesets.size(), 1u);
  EXPECT_EQ(c->filesets[0].replicators, (std::vector<std::string>{"clientA", "clientB"}));
  EXPECT_EQ(c->filesets[0].policy, replica::Policy::server_wins);
  EXPECT_EQ(c->self_server(), nullptr);
}

TEST(LentoConfig, PortDefaultsTo2222AndPolicyIsRead) {
  ConfigDir d;
  d.write("serverdb", R"(<serverdb><server name="muskox" ipaddr="192.168.0.3"/></serverdb>)");
  d.write("fsetdb", R"(<fsetdb><fileset name="shared" servername="muskox" policy="manual">
    <replicator> clientA </replicator></fileset></fsetdb>)");
  auto c = load_configuration(d.paths());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->servers[0].port, kDefaultPort);
  EXPECT_EQ(c->filesets[0].policy, replica::Policy::manual);
  EXPECT_EQ(c->filesets[0].replicators, std::vector<std::string>{"clientA"});
}

TEST(LentoConfig, IdfileRelativeToConfigdirLetsTwoLentosShareOneHost) {
  ConfigDir d;
  d.write("sysid.muskoxA1", R"(<sysid name="clientB" psdev="/dev/intermezzo1" bindaddr="127.0.0.3"/>)");
  auto paths = d.paths();
  paths.idfile = "sysid.muskoxA1";
  auto c = load_configuration(paths);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->self.name, "clientB");
}

TEST(LentoConfig, MissingFileIsNamed) {
  ConfigDir d;
  fs::remove(d.file("fsetdb"));
  EXPECT_EQ(error_of(d), d.file("fsetdb") + ": no such file");
}

TEST(LentoConfig, MalformedXmlGivesTheLine) {
  ConfigDir d;
  d.write("serverdb", "<serverdb>\n<server name=\"muskox\" ipaddr=\"1.2.3.4\">\n</serverdb>\n");
  const auto e = error_of(d);
  EXPECT_EQ(e.rfind(d.file("serverdb") + ":3: ", 0), 0u) << "got: " << e;
}

TEST(LentoConfig, MissingRequiredAttributeIsNamedWithItsLine) {
  ConfigDir d;
  d.write("serverdb", "<serverdb>\n\n<server name=\"muskox\"/>\n</serverdb>\n");
  EXPECT_EQ(error_of(d), d.file("serverdb") + ":3: <server> needs the attribute 'ipaddr'");
}

TEST(LentoConfig, UnknownAttributeAndElementAreRefused) {
  ConfigDir d;
  d.write("sysid", R"(<sysid name="clientA" colour="blue"/>)");
  EXPECT_EQ(error_of(d), d.file("sysid") + ":1: <sysid> has no attribute 'colour'");
  d.write("sysid", "<sysid name=\"clientA\">\n<mount/>\n</sysid>");
  EXPECT_EQ(error_of(d), d.file("sysid") + ":2: <sysid> has no child <mount> (only <cache>)");
}

TEST(LentoConfig, BadPortIsRefused) {
  ConfigDir d;
  for (const char* port : {"0", "65536", "22x", "", "-1"}) {
    d.write("serverdb", std::string(R"(<serverdb><server name="muskox" ipaddr="1.2.3.4" port=")") + port +
                            R"("/></serverdb>)");
    EXPECT_EQ(error_of(d), d.file("serverdb") + ":1: port '" + port +
                               "' of server 'muskox' is not a number in 1..65535");
  }
}

TEST(LentoConfig, FilesetServedByAnUndescribedServerIsRefused) {
  ConfigDir d;
  d.write("fsetdb", R"(<fsetdb><fileset name="shared" servername="yak"/></fsetdb>)");
  EXPECT_EQ(error_of(d), d.file("fsetdb") + ": fileset 'shared' is served by 'yak', which serverdb does not describe");
}

TEST(LentoConfig, CacheOfAFilesetThisHostDoesNotReplicateIsRefused) {
  ConfigDir d;
  d.write("fsetdb", R"(<fsetdb><fileset name="shared" servername="muskox"><replicator>clientB</replicator>
</fileset></fsetdb>)");
  EXPECT_EQ(error_of(d), d.file("sysid") +
                             ": 'clientA' keeps fileset 'shared' but fsetdb names it neither its server nor a replicator");
}

TEST(LentoConfig, BadNamesPathsAndDuplicatesAreRefused) {
  ConfigDir d;
  d.write("sysid", R"(<sysid name="client/A"/>)");
  EXPECT_NE(error_of(d).find(":1: sysid name 'client/A'"), std::string::npos) << error_of(d);
  d.write("sysid", R"(<sysid name="clientA"><cache fileset="shared" holding="srv" mtpt="/izo0"/></sysid>)");
  EXPECT_EQ(error_of(d), d.file("sysid") + ":1: holding 'srv' is not an absolute path");
  d.write("sysid", R"(<sysid name="clientA"/>)");
  d.write("fsetdb", "<fsetdb><fileset name=\"shared\" servername=\"muskox\">\n<replicator>clientA</replicator>\n"
                    "<replicator>clientA</replicator></fileset></fsetdb>");
  EXPECT_EQ(error_of(d), d.file("fsetdb") + ":3: replicator 'clientA' is listed twice");
  d.write("fsetdb", R"(<fsetdb><fileset name="shared" servername="muskox" policy="coin"/></fsetdb>)");
  EXPECT_EQ(error_of(d), d.file("fsetdb") + ":1: policy 'coin' is none of server-wins, client-wins, manual");
}

TEST(LentoConfig, EntitiesAreNotExpandedFromOutside) {
  ConfigDir d;
  d.write("sysid", R"(<?xml version="1.0"?>
<!DOCTYPE sysid [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<sysid name="&x;"/>)");
  auto id = load_sysid(d.file("sysid"));
  const std::string seen = id ? id->name : id.error().message;
  EXPECT_EQ(seen.find("root:"), std::string::npos) << seen;
}

}  // namespace
}  // namespace izo::lento
