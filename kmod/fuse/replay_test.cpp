// A real source tree untarred through presto-fuse, its KML replayed onto an
// empty folder through the protocol core's apply path (kmlreplay), gives the
// same tree: types, modes, owners, sizes, contents, link targets, hard links,
// modification times.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "kmlreplay/kmlreplay.hpp"
#include "mount_fixture.hpp"

namespace izo::presto::testing {
namespace {

namespace fs = std::filesystem;

// One line per object: what must be equal between the two trees. Hard links
// are named by the first path of their inode.
std::string describe(const fs::path& root) {
  std::map<std::string, std::string> lines;
  std::map<ino_t, std::string> first_name;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const auto rel = fs::relative(it->path(), root).string();
    if (rel == ".intermezzo") {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    std::ostringstream line;
    line << std::oct << st.st_mode << std::dec << " " << st.st_uid << ":" << st.st_gid;
    if (S_ISREG(st.st_mode)) {
      std::ifstream in(it->path(), std::ios::binary);
      const std::string content((std::istreambuf_iterator<char>(in)), {});
      line << " size=" << st.st_size << " hash=" << std::hash<std::string>{}(content)
           << " mtime=" << st.st_mtim.tv_sec;
      auto [at, fresh] = first_name.emplace(st.st_ino, rel);
      if (!fresh) line << " link-of=" << at->second;
    } else if (S_ISLNK(st.st_mode)) {
      line << " -> " << fs::read_symlink(it->path()).string();
    }
    lines[rel] = line.str();
  }
  std::string out;
  for (const auto& [path, line] : lines) out += path + " " + line + "\n";
  return out;
}

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

TEST(PrestoFuse, UntarThroughTheMountReplaysToTheSameTree) {
  if (auto why = fuse_unavailable()) GTEST_SKIP() << *why;
  posix::TempDir work("presto-untar");
  const fs::path src = work.path() / "src";
  // A real tree (boost.asio's headers, installed with the build's packages)
  // and a few objects a source tree may hold besides plain files.
  fs::create_directories(src / "extra/sub");
  ASSERT_EQ(sh("cp -a /usr/include/boost/asio '" + (src / "asio").string() + "'"), 0);
  std::ofstream(src / "extra/script.sh") << "#!/bin/sh\necho hi\n";
  fs::permissions(src / "extra/script.sh", fs::perms(0750));
  fs::create_symlink("../asio.hpp", src / "extra/sub/rel-link");
  fs::create_hard_link(src / "extra/script.sh", src / "extra/sub/hard");
  ASSERT_EQ(::chown((src / "extra/sub").c_str(), 1000, 1000), 0);
  ASSERT_EQ(sh("mkfifo -m 0600 '" + (src / "extra/fifo").string() + "'"), 0);
  const fs::path tarball = work.path() / "src.tar";
  ASSERT_EQ(sh("tar -C '" + src.string() + "' -cf '" + tarball.string() + "' ."), 0);

  Mount m;
  ASSERT_EQ(sh("tar -C '" + m.mnt().string() + "' --same-owner -xpf '" + tarball.string() + "'"), 0) << m.log();
  const std::string through_mount = describe(m.mnt());
  ASSERT_EQ(m.stop(), 0) << m.log();
  EXPECT_EQ(describe(m.holding()), through_mount);

  const fs::path replica = work.path() / "replica";
  std::ostringstream out, err;
  const int rc = replay::kmlreplay_main(
      {m.kml().string(), replica.string(), "--data-from", m.holding().string(), "-q"}, out, err);
  ASSERT_EQ(rc, replay::kReplayClean) << out.str() << err.str();
  EXPECT_NE(out.str().find("missing for 0"), std::string::npos) << out.str();
  const std::string replayed = describe(replica);
  EXPECT_EQ(replayed, describe(m.holding()));
  // The comparison covers what it claims to.
  EXPECT_GT(std::count(replayed.begin(), replayed.end(), '\n'), 300);
  EXPECT_NE(replayed.find("extra/fifo 10600 "), std::string::npos) << replayed.substr(0, 2000);
  EXPECT_NE(replayed.find("extra/script.sh 100750 "), std::string::npos);
  EXPECT_NE(replayed.find("link-of="), std::string::npos);
  EXPECT_NE(replayed.find("extra/sub 40755 1000:1000"), std::string::npos);
  EXPECT_NE(replayed.find("extra/sub/rel-link 120777 0:0 -> ../asio.hpp"), std::string::npos);
}

}  // namespace
}  // namespace izo::presto::testing
