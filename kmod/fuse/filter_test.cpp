// presto-fuse through a real mount: what a workload journals, what the mount
// hides, whose files are made, and what a killed filter leaves behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "mount_fixture.hpp"

namespace izo::presto::testing {
namespace {

namespace fs = std::filesystem;
using kml::Op;

#define REQUIRE_FUSE()                                         \
  if (auto why = fuse_unavailable()) GTEST_SKIP() << *why;

void write_file(const fs::path& p, const std::string& content, mode_t mode = 0644) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  ASSERT_GE(fd, 0) << p << ": " << std::strerror(errno);
  ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  ASSERT_EQ(::close(fd), 0);
}

std::string ops_of(const std::vector<kml::Record>& rs) {
  std::string s;
  for (const auto& r : rs) {
    s += std::string(kml::op_name(r.op)) + " " + r.path;
    if (!r.path2.empty()) s += " " + r.path2;
    s += "\n";
  }
  return s;
}

TEST(PrestoFuse, ScriptedWorkloadYieldsExactlyTheExpectedRecords) {
  REQUIRE_FUSE();
  Mount m;
  const fs::path root = m.mnt();
  ASSERT_EQ(::mkdir((root / "docs").c_str(), 0755), 0);
  write_file(root / "docs/a.txt", "hello");
  ASSERT_EQ(::chmod((root / "docs/a.txt").c_str(), 0600), 0);
  ASSERT_EQ(::rename((root / "docs/a.txt").c_str(), (root / "docs/b.txt").c_str()), 0);
  ASSERT_EQ(::link((root / "docs/b.txt").c_str(), (root / "docs/c.txt").c_str()), 0);
  ASSERT_EQ(::symlink("b.txt", (root / "docs/l").c_str()), 0);
  ASSERT_EQ(::setxattr((root / "docs/b.txt").c_str(), "user.colour", "blue", 4, 0), 0);
  ASSERT_EQ(::removexattr((root / "docs/b.txt").c_str(), "user.colour"), 0);
  ASSERT_EQ(::truncate((root / "docs/b.txt").c_str(), 2), 0);
  ASSERT_EQ(::unlink((root / "docs/c.txt").c_str()), 0);
  ASSERT_EQ(::unlink((root / "docs/l").c_str()), 0);
  ASSERT_EQ(::unlink((root / "docs/b.txt").c_str()), 0);
  ASSERT_EQ(::rmdir((root / "docs").c_str()), 0);
  ASSERT_EQ(m.stop(), 0) << m.log();

  const auto rs = m.records();
  EXPECT_EQ(ops_of(rs),
            "mkdir docs\n"
            "create docs/a.txt\n"
            "close docs/a.txt\n"
            "setattr docs/a.txt\n"
            "rename docs/a.txt docs/b.txt\n"
            "link docs/b.txt docs/c.txt\n"
            "symlink docs/l b.txt\n"
            "setxattr docs/b.txt user.colour\n"
            "delxattr docs/b.txt user.colour\n"
            "setattr docs/b.txt\n"
            "unlink docs/c.txt\n"
            "unlink docs/l\n"
            "unlink docs/b.txt\n"
            "rmdir docs\n");
  ASSERT_EQ(rs.size(), 14u);
  // Numbered from 1, stamped by this host, each version the record's number.
  for (std::size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].recno, i + 1);
    EXPECT_EQ(rs[i].origin, 7u);
    EXPECT_EQ(rs[i].origin_recno, i + 1);
    if (rs[i].obj_new.exists()) {
      EXPECT_EQ(rs[i].obj_new, (Version{7, i + 1})) << i;
    }
  }
  // Each update of the file starts from the version the previous one made.
  EXPECT_EQ(rs[2].obj_old, rs[1].obj_new);   // close after create
  EXPECT_EQ(rs[3].obj_old, rs[2].obj_new);   // chmod after close
  EXPECT_EQ(rs[4].obj_old, rs[3].obj_new);   // rename
  EXPECT_EQ(rs[5].obj_old, rs[4].obj_new);   // link
  EXPECT_EQ(rs[7].obj_old, rs[5].obj_new);   // setxattr (the link made the new version)
  EXPECT_EQ(rs[8].obj_old, rs[7].obj_new);
  EXPECT_EQ(rs[9].obj_old, rs[8].obj_new);   // truncate
  EXPECT_EQ(rs[10].obj_old, rs[9].obj_new);  // unlink of the second name: same object
  EXPECT_EQ(rs[11].obj_old, rs[6].obj_new);  // the symlink
  EXPECT_EQ(rs[12].obj_old, rs[9].obj_new);
  EXPECT_EQ(rs[13].obj_old, rs[0].obj_new);  // the directory
  // What each record says about the object.
  EXPECT_EQ(rs[0].attrs.mode, 040755u);
  EXPECT_EQ(rs[2].attrs.size, 5u);
  EXPECT_EQ(rs[3].attrs.mode & 07777, 0600u);
  EXPECT_EQ(rs[6].path2, "b.txt");
  EXPECT_EQ(rs[7].data, "blue");
  EXPECT_EQ(rs[9].attrs.size, 2u);
  EXPECT_TRUE(rs[9].attrs.valid & IZO_ATTR_SIZE);
  EXPECT_EQ(rs[4].parent_old, rs[0].obj_new);
}

// A shell's `printf ... > f`: open(O_CREAT|O_TRUNC), dup2, close of the
// first descriptor (a flush with nothing written), write, close. The new
// file is empty at its create: one close record, the written one, as the
// kernel module journals it. An existing file emptied by O_TRUNC and closed
// unwritten is journaled as a close all the same (its content changed).
TEST(PrestoFuse, ShellRedirectionJournalsOneCloseAndTruncationOfAnOldFileIsJournaled) {
  REQUIRE_FUSE();
  Mount m;
  const fs::path f = m.mnt() / "f";
  const int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  const int copy = ::dup(fd);
  ASSERT_EQ(::close(fd), 0);
  ASSERT_EQ(::write(copy, "words\n", 6), 6);
  ASSERT_EQ(::close(copy), 0);
  const int again = ::open(f.c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(again, 0) << std::strerror(errno);
  ASSERT_EQ(::close(again), 0);
  ASSERT_EQ(m.stop(), 0) << m.log();
  const auto rs = m.records();
  EXPECT_EQ(ops_of(rs), "create f\nclose f\nclose f\n");
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[1].attrs.size, 6u);
  EXPECT_EQ(rs[2].attrs.size, 0u);
}

TEST(PrestoFuse, MetadataFolderIsInvisibleAndCannotBeMade) {
  REQUIRE_FUSE();
  Mount m;
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(m.mnt())) names.insert(e.path().filename());
  EXPECT_FALSE(names.contains(".intermezzo"));
  struct stat st {};
  EXPECT_NE(::stat((m.mnt() / ".intermezzo").c_str(), &st), 0);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_NE(::stat((m.mnt() / ".intermezzo/shared/kml").c_str(), &st), 0);
  EXPECT_NE(::mkdir((m.mnt() / ".intermezzo").c_str(), 0755), 0);
  EXPECT_EQ(errno, EPERM);
  write_file(m.mnt() / "x", "1");
  EXPECT_NE(::rename((m.mnt() / "x").c_str(), (m.mnt() / ".intermezzo").c_str()), 0);
  EXPECT_TRUE(fs::exists(m.holding() / ".intermezzo/shared/kml"));
}

TEST(PrestoFuse, PrivateVersionAttributeIsHiddenAndCannotBeForged) {
  REQUIRE_FUSE();
  Mount m;
  write_file(m.mnt() / "f", "data");
  char names[1024];
  const auto n = ::listxattr((m.mnt() / "f").c_str(), names, sizeof names);
  ASSERT_GE(n, 0);
  EXPECT_EQ(std::string(names, static_cast<std::size_t>(n)).find("izo"), std::string::npos);
  char v[32];
  EXPECT_LT(::getxattr((m.mnt() / "f").c_str(), "trusted.izo.version", v, sizeof v), 0);
  EXPECT_NE(::setxattr((m.mnt() / "f").c_str(), "trusted.izo.version", "xxxxxxxxxxxxxxxx", 16, 0), 0);
  EXPECT_EQ(errno, EPERM);
  // The lower file does carry it.
  EXPECT_EQ(::lgetxattr((m.holding() / "f").c_str(), "trusted.izo.version", v, sizeof v), 16);
}

TEST(PrestoFuse, NewObjectsBelongToTheCallerWithTheRequestedMode) {
  REQUIRE_FUSE();
  Mount m;
  ASSERT_EQ(::chmod(m.mnt().c_str(), 0777), 0);
  write_file(m.mnt() / "x-root", "root's");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::umask(022);
    if (::setresgid(1000, 1000, 1000) != 0 || ::setresuid(1000, 1000, 1000) != 0) ::_exit(10);
    const int fd = ::open((m.mnt() / "mine").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0640);
    if (fd < 0) ::_exit(11);
    ::close(fd);
    if (::mkdir((m.mnt() / "dir").c_str(), 0777) != 0) ::_exit(12);
    // Another user's file may not be changed.
    ::_exit(::chmod((m.mnt() / "x-root").c_str(), 0777) == 0 ? 13 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  struct stat st {};
  ASSERT_EQ(::lstat((m.holding() / "mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1000u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_EQ(::lstat((m.holding() / "dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(m.stop(), 0);
  const auto rs = m.records();
  ASSERT_EQ(ops_of(rs), "setattr \ncreate x-root\nclose x-root\ncreate mine\nmkdir dir\n");
  EXPECT_EQ(rs[3].writer.uid, 1000u);
  EXPECT_EQ(rs[3].attrs.uid, 1000u);
  EXPECT_EQ(rs[3].attrs.mode & 07777, 0640u);
}

TEST(PrestoFuse, FailedUpdatesPassTheirErrorAndJournalNothing) {
  REQUIRE_FUSE();
  Mount m;
  const fs::path root = m.mnt();
  ASSERT_EQ(::mkdir((root / "d").c_str(), 0755), 0);
  write_file(root / "d/f", "x");
  EXPECT_NE(::unlink((root / "missing").c_str()), 0);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_NE(::rmdir((root / "d").c_str()), 0);
  EXPECT_EQ(errno, ENOTEMPTY);
  EXPECT_NE(::mkdir((root / "d").c_str(), 0755), 0);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_NE(::open((root / "d/f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644), 0);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_NE(::rename((root / "d").c_str(), (root / "d/f/x").c_str()), 0);
  EXPECT_NE(::unlink((root / "d").c_str()), 0);
  EXPECT_EQ(errno, EISDIR);
  EXPECT_NE(::link((root / "d").c_str(), (root / "d2").c_str()), 0);
  EXPECT_EQ(errno, EPERM);
  const std::string long_name(256, 'n');
  EXPECT_NE(::mkdir((root / long_name).c_str(), 0755), 0);
  EXPECT_EQ(errno, ENAMETOOLONG);
  ASSERT_EQ(m.stop(), 0);
  EXPECT_EQ(ops_of(m.records()), "mkdir d\ncreate d/f\nclose d/f\n");
}

TEST(PrestoFuse, ConcurrentWritersKeepTheKmlWhole) {
  REQUIRE_FUSE();
  Mount m;
  constexpr int kWriters = 4, kFiles = 50;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kFiles; ++i)
        write_file(m.mnt() / ("w" + std::to_string(w) + "-" + std::to_string(i)), std::string(static_cast<std::size_t>(100 + i), 'a'));
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(m.stop(), 0);
  const auto rs = m.records();
  ASSERT_EQ(rs.size(), static_cast<std::size_t>(kWriters * kFiles * 2));
  std::map<std::string, int> per_file;
  for (std::size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].recno, i + 1);
    ++per_file[rs[i].path];
  }
  EXPECT_EQ(per_file.size(), static_cast<std::size_t>(kWriters * kFiles));
  for (const auto& [path, n] : per_file) EXPECT_EQ(n, 2) << path;
}

// What a kill in the middle of an append leaves: part of a record.
void append_half_of_last_record(const fs::path& kml_path) {
  std::string bytes;
  {
    std::ifstream in(kml_path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::span<const std::uint8_t> log(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                          bytes.size());
  std::span<const std::uint8_t> last;
  kml::scan_forward(log, [&](const kml::Frame& f) {
    last = f.bytes;
    return true;
  });
  ASSERT_FALSE(last.empty());
  std::ofstream out(kml_path, std::ios::binary | std::ios::app);
  out.write(reinterpret_cast<const char*>(last.data()), static_cast<std::streamsize>(last.size() / 2));
  ASSERT_TRUE(out.flush());
}

TEST(PrestoFuse, FilterKilledMidWorkloadRestartsAndJournalGoesOn) {
  REQUIRE_FUSE();
  Mount m;
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    for (int i = 0; !stop; ++i) {
      const fs::path p = m.mnt() / ("k" + std::to_string(i % 20));
      const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) break;  // the mount went away
      if (::write(fd, "abc", 3) != 3) break;
      ::close(fd);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  m.kill9();
  stop = true;
  worker.join();
  // SIGKILL can stop a write between pages, so the last record may be torn
  // (CI saw it). Make sure of a torn tail either way: append the first half
  // of the last whole record again. The restarted filter must cut it and
  // number on from the last whole record.
  kml::Tail tail_at_kill{};
  const auto before = m.records(&tail_at_kill);
  ASSERT_FALSE(before.empty());
  ASSERT_TRUE(tail_at_kill == kml::Tail::clean || tail_at_kill == kml::Tail::torn)
      << kml::tail_name(tail_at_kill);
  append_half_of_last_record(m.kml());
  ASSERT_EQ(m.records(&tail_at_kill).size(), before.size());
  ASSERT_EQ(tail_at_kill, kml::Tail::torn);
  m.start();
  write_file(m.mnt() / "after", "z");
  ASSERT_EQ(m.stop(), 0) << m.log();
  const auto after = m.records();  // clean: the torn tail, if any, was cut
  ASSERT_EQ(after.size(), before.size() + 2);
  EXPECT_EQ(after.back().recno, before.back().recno + 2);
  EXPECT_EQ(after.back().obj_new, (Version{7, after.back().recno}));
  EXPECT_EQ(after.back().path, "after");
}


TEST(PrestoFuse, FileWrittenHereNoLongerWaitsForFetchedContent) {
  REQUIRE_FUSE();
  Mount m;
  write_file(m.mnt() / "f", "old");
  ASSERT_EQ(::lsetxattr((m.holding() / "f").c_str(), "trusted.izo.missing", "", 0, 0), 0);
  write_file(m.mnt() / "f", "written here");
  char v[4];
  EXPECT_LT(::lgetxattr((m.holding() / "f").c_str(), "trusted.izo.missing", v, sizeof v), 0);
  EXPECT_EQ(errno, ENODATA);
}

}  // namespace
}  // namespace izo::presto::testing
