// The Store port: the same scenarios on MemoryStore (what the simulator
// runs) and on PosixStore (what lento runs) must give the same answers; and
// PosixStore's own duty, that no record reaches outside its tree.
#include "posix/posix_store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>

#include "posix/object_attrs.hpp"
#include "posix/temp_dir.hpp"
#include "replica/memory_store.hpp"

namespace izo::posix {
namespace {

using kml::Op;
using replica::ObjType;
using replica::Origin;
using replica::Store;

std::unique_ptr<PosixStore> open_store(const std::filesystem::path& root) {
  auto s = PosixStore::open(root);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(s).value();
}

kml::Record rec(Op op, std::string path, Version old_v, Version new_v, std::string path2 = {}) {
  kml::Record r;
  r.op = op;
  r.path = std::move(path);
  r.path2 = std::move(path2);
  r.obj_old = old_v;
  r.obj_new = new_v;
  r.writer = {1, ::geteuid(), ::getegid()};
  if (op == Op::create) r.attrs.mode = 0100640;
  if (op == Op::mkdir) r.attrs.mode = 040750;
  return r;
}

kml::Record closed(std::string path, Version old_v, Version new_v, std::uint64_t size) {
  auto r = rec(Op::close, std::move(path), old_v, new_v);
  r.attrs.valid = IZO_ATTR_SIZE;
  r.attrs.size = size;
  return r;
}

// One kind of store behind the port, with what differs between kinds.
struct MemoryKind {
  replica::MemoryStore store;
  Store& port() { return store; }
  std::string token(const std::string& content) { return content; }
  std::string content(const std::string& path) { return store.content(path).value_or("<missing>"); }
};

struct PosixKind {
  TempDir dir{"posix-store-test"};
  std::unique_ptr<PosixStore> store = [this] {
    std::filesystem::create_directories(dir.path() / "tree");
    return open_store(dir.path() / "tree");
  }();
  int tokens = 0;
  Store& port() { return *store; }
  std::string token(const std::string& content) {
    const auto p = dir.path() / ("token" + std::to_string(++tokens));
    std::ofstream(p) << content;
    return p.string();
  }
  std::string content(const std::string& path) {
    const auto info = store->lookup(path);
    if (!info || info->data_missing) return "<missing>";
    std::ifstream in(dir.path() / "tree" / path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

// PosixStore with a directory cache scope alive all along (as within one
// engine step in lento): every scenario must give the same answers.
struct PosixCachedKind : PosixKind {
  PosixStore::DirCacheScope scope{*store};
};

template <class Kind>
class StorePort : public ::testing::Test {
 protected:
  Kind kind;
  Store& s() { return kind.port(); }
  // A file a peer created (version `made`) and closed (`closed_v`), its
  // content fetched and durable here.
  void remote_file(const std::string& path, Version made, Version closed_v, const std::string& content) {
    ASSERT_EQ(s().apply(rec(Op::create, path, {}, made), Origin::remote), std::nullopt);
    ASSERT_EQ(s().apply(closed(path, made, closed_v, content.size()), Origin::remote), std::nullopt);
    s().install_data(path, closed_v, kind.token(content));
    s().sync();
  }
};

using Kinds = ::testing::Types<MemoryKind, PosixKind, PosixCachedKind>;
TYPED_TEST_SUITE(StorePort, Kinds);

TYPED_TEST(StorePort, NewObjectsCarryTheirVersionModeAndType) {
  auto& s = this->s();
  ASSERT_EQ(s.apply(rec(Op::mkdir, "docs", {}, {1, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(rec(Op::create, "docs/a", {}, {1, 2}), Origin::remote), std::nullopt);
  auto link = rec(Op::symlink, "docs/l", {}, {1, 3});
  link.path2 = "a";
  ASSERT_EQ(s.apply(link, Origin::remote), std::nullopt);
  const auto d = s.lookup("docs");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->type, ObjType::dir);
  EXPECT_EQ(d->version, (Version{1, 1}));
  EXPECT_EQ(d->mode & 07777, 0750u);
  EXPECT_TRUE(s.has_entries("docs"));
  const auto a = s.lookup("docs/a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->type, ObjType::file);
  EXPECT_EQ(a->mode & 07777, 0640u);
  EXPECT_FALSE(a->data_missing);  // a new file is empty, and that is known
  const auto l = s.lookup("docs/l");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->type, ObjType::symlink);
  EXPECT_EQ(l->target, "a");
  EXPECT_FALSE(s.lookup("docs/none"));
}

TYPED_TEST(StorePort, RemoteCloseLeavesContentToFetchUntilItIsInstalled) {
  auto& s = this->s();
  ASSERT_EQ(s.apply(rec(Op::create, "f", {}, {2, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(closed("f", {2, 1}, {2, 2}, 5), Origin::remote), std::nullopt);
  EXPECT_TRUE(s.lookup("f")->data_missing);
  ASSERT_EQ(s.missing_data().size(), 1u);
  EXPECT_EQ(s.missing_data()[0], (std::pair<std::string, Version>{"f", {2, 2}}));
  s.install_data("f", {2, 1}, this->kind.token("stale"));  // an older version: ignored
  EXPECT_TRUE(s.lookup("f")->data_missing);
  s.install_data("f", {2, 2}, this->kind.token("hello"));
  s.sync();  // the content counts once it is durable
  EXPECT_FALSE(s.lookup("f")->data_missing);
  EXPECT_TRUE(s.missing_data().empty());
  EXPECT_EQ(this->kind.content("f"), "hello");
}

// The content installed is the file's whole content, whatever length the
// file had: longer than the record said, or shorter.
TYPED_TEST(StorePort, InstalledContentIsTheWholeFileWhateverItsLengthWas) {
  auto& s = this->s();
  ASSERT_EQ(s.apply(rec(Op::create, "f", {}, {2, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(closed("f", {2, 1}, {2, 2}, 5), Origin::remote), std::nullopt);
  s.install_data("f", {2, 2}, this->kind.token("hi"));
  s.sync();
  EXPECT_EQ(this->kind.content("f"), "hi");
  ASSERT_EQ(s.apply(closed("f", {2, 2}, {2, 3}, 2), Origin::remote), std::nullopt);
  s.install_data("f", {2, 3}, this->kind.token("a longer content"));
  s.sync();
  EXPECT_EQ(this->kind.content("f"), "a longer content");
  EXPECT_FALSE(s.lookup("f")->data_missing);
}

// A close that left the file empty says the whole content: nothing to fetch,
// whatever was here before, missing content or a version off the record's base.
TYPED_TEST(StorePort, RemoteCloseThatEmptiedTheFileLeavesNothingToFetch) {
  auto& s = this->s();
  ASSERT_NO_FATAL_FAILURE(this->remote_file("f", {2, 1}, {2, 2}, "hello"));
  ASSERT_EQ(this->kind.content("f"), "hello");
  ASSERT_EQ(s.apply(closed("f", {2, 2}, {2, 3}, 0), Origin::remote), std::nullopt);
  EXPECT_FALSE(s.lookup("f")->data_missing);
  EXPECT_EQ(s.lookup("f")->size, 0u);
  EXPECT_EQ(this->kind.content("f"), "");

  ASSERT_EQ(s.apply(closed("f", {2, 3}, {2, 4}, 7), Origin::remote), std::nullopt);
  ASSERT_TRUE(s.lookup("f")->data_missing);
  ASSERT_EQ(s.apply(closed("f", {2, 4}, {2, 5}, 0), Origin::remote), std::nullopt);
  EXPECT_TRUE(s.missing_data().empty());
  EXPECT_EQ(this->kind.content("f"), "");

  ASSERT_NO_FATAL_FAILURE(this->remote_file("g", {2, 6}, {2, 7}, "data"));
  ASSERT_EQ(s.force(closed("g", {9, 9}, {3, 1}, 0)), std::nullopt);
  EXPECT_FALSE(s.lookup("g")->data_missing);
  EXPECT_EQ(s.lookup("g")->version, (Version{3, 1}));
  EXPECT_EQ(this->kind.content("g"), "");
}

TYPED_TEST(StorePort, RenameMovesTheObjectAndItsMissingContent) {
  auto& s = this->s();
  ASSERT_EQ(s.apply(rec(Op::mkdir, "d", {}, {1, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(rec(Op::create, "d/f", {}, {1, 2}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(closed("d/f", {1, 2}, {1, 3}, 3), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(rec(Op::rename, "d", {1, 1}, {1, 4}, "e"), Origin::remote), std::nullopt);
  EXPECT_FALSE(s.lookup("d"));
  EXPECT_EQ(s.lookup("e")->version, (Version{1, 4}));
  ASSERT_EQ(s.missing_data().size(), 1u);
  EXPECT_EQ(s.missing_data()[0].first, "e/f");
}

TYPED_TEST(StorePort, ImpossibleUpdatesAreRefusedWithTheReason) {
  auto& s = this->s();
  auto no_parent = s.apply(rec(Op::create, "nowhere/f", {}, {1, 1}), Origin::remote);
  ASSERT_TRUE(no_parent);
  EXPECT_NE(no_parent->message.find("parent directory does not exist"), std::string::npos) << no_parent->message;
  ASSERT_EQ(s.apply(rec(Op::mkdir, "d", {}, {1, 2}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(rec(Op::create, "d/f", {}, {1, 3}), Origin::remote), std::nullopt);
  auto not_empty = s.apply(rec(Op::rmdir, "d", {1, 2}, {}), Origin::remote);
  ASSERT_TRUE(not_empty);
  EXPECT_NE(not_empty->message.find("directory not empty"), std::string::npos) << not_empty->message;
  auto exists = s.apply(rec(Op::create, "d/f", {}, {1, 4}), Origin::remote);
  ASSERT_TRUE(exists);
  EXPECT_NE(exists->message.find("exists"), std::string::npos);
  auto is_dir = s.apply(rec(Op::unlink, "d", {1, 2}, {}), Origin::remote);
  ASSERT_TRUE(is_dir);
  EXPECT_NE(is_dir->message.find("is a directory"), std::string::npos);
}

TYPED_TEST(StorePort, ForceReplacesWhatIsThereAndFetchesWhatCannotBeDerived) {
  auto& s = this->s();
  ASSERT_EQ(s.apply(rec(Op::mkdir, "x", {}, {1, 1}), Origin::remote), std::nullopt);
  // A file is forced where a directory was.
  ASSERT_EQ(s.force(rec(Op::create, "x", {}, {2, 5})), std::nullopt);
  EXPECT_EQ(s.lookup("x")->type, ObjType::file);
  EXPECT_EQ(s.lookup("x")->version, (Version{2, 5}));
  // An update whose base this store never had: made afresh, content fetched.
  ASSERT_EQ(s.force(closed("y", {2, 6}, {2, 7}, 4)), std::nullopt);
  ASSERT_TRUE(s.lookup("y"));
  EXPECT_EQ(s.lookup("y")->version, (Version{2, 7}));
  EXPECT_TRUE(s.lookup("y")->data_missing);
}

// What a crash leaves between making, moving or linking an object and
// stamping its new version; recovery forces the record, which completes it.
TYPED_TEST(StorePort, ForceCompletesAnUpdateTakenOnlyInPart) {
  auto& s = this->s();
  ASSERT_EQ(s.apply(rec(Op::create, "made", {}, {}), Origin::remote), std::nullopt);
  ASSERT_FALSE(s.lookup("made")->version.exists());
  ASSERT_EQ(s.force(rec(Op::create, "made", {}, {3, 1})), std::nullopt);
  EXPECT_EQ(s.lookup("made")->version, (Version{3, 1}));
  EXPECT_EQ(s.lookup("made")->mode & 07777, 0640u);

  ASSERT_EQ(s.apply(rec(Op::rename, "made", {3, 1}, {3, 1}, "moved"), Origin::remote), std::nullopt);
  ASSERT_EQ(s.force(rec(Op::rename, "made", {3, 1}, {3, 2}, "moved")), std::nullopt);
  EXPECT_FALSE(s.lookup("made"));
  EXPECT_EQ(s.lookup("moved")->version, (Version{3, 2}));

  ASSERT_EQ(s.apply(rec(Op::link, "moved", {3, 2}, {3, 2}, "linked"), Origin::remote), std::nullopt);
  ASSERT_EQ(s.force(rec(Op::link, "moved", {3, 2}, {3, 3}, "linked")), std::nullopt);
  EXPECT_EQ(s.lookup("moved")->version, (Version{3, 3}));
  EXPECT_EQ(s.lookup("linked")->version, (Version{3, 3}));
}

TYPED_TEST(StorePort, CopyTakesContentButNotVersion) {
  auto& s = this->s();
  ASSERT_NO_FATAL_FAILURE(this->remote_file("a", {1, 1}, {1, 2}, "abc"));
  ASSERT_EQ(s.apply(rec(Op::create, "a.copy", {}, {1, 3}), Origin::local), std::nullopt);
  ASSERT_EQ(s.copy("a", "a.copy"), std::nullopt);
  EXPECT_EQ(this->kind.content("a.copy"), "abc");
  EXPECT_EQ(s.lookup("a.copy")->version, (Version{1, 3}));
  ASSERT_EQ(s.apply(closed("b", {}, {1, 4}, 1), Origin::remote).has_value(), true);  // no such file
}

// same_content: two whole files with one text; not when a byte, the length
// or the kind differs, nor when either content is still to fetch.
TYPED_TEST(StorePort, SameContentOnlyForTwoWholeFilesWithOneText) {
  auto& s = this->s();
  ASSERT_NO_FATAL_FAILURE(this->remote_file("a", {1, 1}, {1, 2}, "abc"));
  ASSERT_NO_FATAL_FAILURE(this->remote_file("b", {1, 3}, {1, 4}, "abc"));
  ASSERT_NO_FATAL_FAILURE(this->remote_file("c", {1, 5}, {1, 6}, "abd"));
  ASSERT_NO_FATAL_FAILURE(this->remote_file("d", {1, 7}, {1, 8}, "abcd"));
  EXPECT_TRUE(s.same_content("a", "b"));
  EXPECT_FALSE(s.same_content("a", "c"));
  EXPECT_FALSE(s.same_content("a", "d"));
  EXPECT_FALSE(s.same_content("a", "nowhere"));
  ASSERT_EQ(s.apply(rec(Op::mkdir, "dir", {}, {1, 9}), Origin::remote), std::nullopt);
  EXPECT_FALSE(s.same_content("dir", "dir"));
  ASSERT_EQ(s.apply(closed("b", {1, 4}, {1, 10}, 3), Origin::remote), std::nullopt);  // b's new text: to fetch
  ASSERT_TRUE(s.lookup("b")->data_missing);
  EXPECT_FALSE(s.same_content("a", "b"));
}

// ---- PosixStore alone ---------------------------------------------------------

TEST(PosixStore, RecordThroughASymlinkedParentCannotReachOutside) {
  TempDir dir("posix-store-escape");
  const auto tree = dir.path() / "tree";
  const auto outside = dir.path() / "outside";
  std::filesystem::create_directories(tree);
  std::filesystem::create_directories(outside);
  std::filesystem::create_directory_symlink(outside, tree / "link");
  auto s = open_store(tree);
  auto e = s->apply(rec(Op::create, "link/evil", {}, {1, 1}), Origin::remote);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("symlink"), std::string::npos) << e->message;
  EXPECT_FALSE(std::filesystem::exists(outside / "evil"));
  auto m = s->apply(rec(Op::mkdir, "link/d", {}, {1, 2}), Origin::remote);
  EXPECT_TRUE(m);
  EXPECT_TRUE(std::filesystem::is_empty(outside));
  EXPECT_FALSE(s->lookup("link/evil"));
}

// entries() lists one directory's names as fileset paths, nothing deeper,
// no sibling whose name only begins like the directory's, and never the
// metadata folder at the root.
TYPED_TEST(StorePort, EntriesListOneDirectoryAndNoSiblingOfASimilarName) {
  auto& s = this->s();
  ASSERT_EQ(s.apply(rec(Op::mkdir, "d", {}, {1, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(rec(Op::create, "d/a", {}, {1, 2}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(rec(Op::mkdir, "d/sub", {}, {1, 3}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(rec(Op::create, "d/sub/deep", {}, {1, 4}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(rec(Op::create, "d.txt", {}, {1, 5}), Origin::remote), std::nullopt);
  ASSERT_EQ(s.apply(rec(Op::create, "d-old", {}, {1, 6}), Origin::remote), std::nullopt);
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(s.entries("d")), (std::vector<std::string>{"d/a", "d/sub"}));
  EXPECT_EQ(sorted(s.entries("d/sub")), (std::vector<std::string>{"d/sub/deep"}));
  EXPECT_EQ(sorted(s.entries("")), (std::vector<std::string>{"d", "d-old", "d.txt"}));
  EXPECT_TRUE(s.entries("d/a").empty());       // a file
  EXPECT_TRUE(s.entries("nowhere").empty());   // nothing there
}

TEST(PosixStore, MetadataFolderIsNeverTouched) {
  TempDir dir("posix-store-meta");
  std::filesystem::create_directories(dir.path() / ".intermezzo" / "shared");
  auto s = open_store(dir.path());
  EXPECT_TRUE(s->apply(rec(Op::create, ".intermezzo/shared/kml", {}, {1, 1}), Origin::remote));
  EXPECT_TRUE(s->apply(rec(Op::rmdir, ".intermezzo", {}, {}), Origin::remote));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / ".intermezzo" / "shared"));
  EXPECT_FALSE(s->has_entries(""));  // the root shows no entries
  EXPECT_TRUE(s->entries("").empty());
}

TEST(PosixStore, MissingContentIsFoundAgainAfterReopening) {
  TempDir dir("posix-store-reopen");
  {
    auto s = open_store(dir.path());
    ASSERT_EQ(s->apply(rec(Op::mkdir, "d", {}, {3, 1}), Origin::remote), std::nullopt);
    ASSERT_EQ(s->apply(rec(Op::create, "d/f", {}, {3, 2}), Origin::remote), std::nullopt);
    ASSERT_EQ(s->apply(closed("d/f", {3, 2}, {3, 3}, 9), Origin::remote), std::nullopt);
    s->sync();
  }
  auto s = open_store(dir.path());
  ASSERT_EQ(s->missing_data().size(), 1u);
  EXPECT_EQ(s->missing_data()[0], (std::pair<std::string, Version>{"d/f", {3, 3}}));
  EXPECT_EQ(read_version((dir.path() / "d/f").string()), (Version{3, 3}));
}

TEST(PosixStore, FoldersAreKeptOpenOnlyWhileAScopeLives) {
  TempDir dir("posix-store-cache");
  auto s = open_store(dir.path());
  ASSERT_EQ(s->apply(rec(Op::mkdir, "d", {}, {3, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::create, "d/a", {}, {3, 2}), Origin::remote), std::nullopt);
  EXPECT_EQ(s->cached_dirs(), 0u);  // no scope: nothing kept
  {
    PosixStore::DirCacheScope scope(*s);
    {
      PosixStore::DirCacheScope inner(*s);
      ASSERT_EQ(s->apply(rec(Op::create, "d/b", {}, {3, 3}), Origin::remote), std::nullopt);
      ASSERT_TRUE(s->lookup("d/a"));
    }
    EXPECT_EQ(s->cached_dirs(), 1u);  // "d", once; the inner scope's end keeps it
    ASSERT_TRUE(s->lookup("d/b"));
    EXPECT_EQ(s->cached_dirs(), 1u);
  }
  EXPECT_EQ(s->cached_dirs(), 0u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "d" / "b"));
}

TEST(PosixStore, FolderTheStoreRenamesInAScopeIsNotFoundUnderItsOldName) {
  TempDir dir("posix-store-cache-rename");
  auto s = open_store(dir.path());
  PosixStore::DirCacheScope scope(*s);
  ASSERT_EQ(s->apply(rec(Op::mkdir, "a", {}, {3, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::mkdir, "a/in", {}, {3, 2}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::create, "a/in/f", {}, {3, 3}), Origin::remote), std::nullopt);  // keeps a, a/in
  ASSERT_EQ(s->apply(rec(Op::rename, "a", {3, 1}, {3, 4}, "b"), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::mkdir, "a", {}, {3, 5}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::create, "a/g", {}, {3, 6}), Origin::remote), std::nullopt);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "a" / "g"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "b" / "g"));
  EXPECT_FALSE(s->lookup("a/in/f"));
  ASSERT_TRUE(s->lookup("b/in/f"));
  EXPECT_EQ(s->lookup("b/in/f")->version, (Version{3, 3}));
  // A folder replaced by a rename over it is forgotten too.
  ASSERT_EQ(s->apply(rec(Op::mkdir, "c", {}, {3, 7}), Origin::remote), std::nullopt);
  ASSERT_FALSE(s->lookup("c/none"));  // keeps c
  auto over = rec(Op::rename, "a", {3, 5}, {3, 8}, "c");
  ASSERT_EQ(s->apply(rec(Op::unlink, "a/g", {3, 6}, {}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(over, Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::create, "c/h", {}, {3, 9}), Origin::remote), std::nullopt);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "c" / "h"));
}

TEST(PosixStore, FolderRemovedAndMadeAgainInAScopeIsTheNewOne) {
  TempDir dir("posix-store-cache-rmdir");
  auto s = open_store(dir.path());
  PosixStore::DirCacheScope scope(*s);
  ASSERT_EQ(s->apply(rec(Op::mkdir, "d", {}, {3, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::create, "d/f", {}, {3, 2}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::unlink, "d/f", {3, 2}, {}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::rmdir, "d", {3, 1}, {}), Origin::remote), std::nullopt);
  EXPECT_EQ(s->cached_dirs(), 0u);
  ASSERT_EQ(s->apply(rec(Op::mkdir, "d", {}, {3, 3}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::create, "d/g", {}, {3, 4}), Origin::remote), std::nullopt);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "d" / "g"));
  EXPECT_EQ(s->lookup("d/g")->version, (Version{3, 4}));
}

TEST(PosixStore, FoldersKeptInAScopeAreBounded) {
  TempDir dir("posix-store-cache-bound");
  auto s = open_store(dir.path());
  PosixStore::DirCacheScope scope(*s);
  constexpr std::uint64_t n = 100;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto d = "d" + std::to_string(i);
    ASSERT_EQ(s->apply(rec(Op::mkdir, d, {}, {3, 2 * i + 1}), Origin::remote), std::nullopt);
    ASSERT_EQ(s->apply(rec(Op::create, d + "/f", {}, {3, 2 * i + 2}), Origin::remote), std::nullopt);
  }
  EXPECT_LE(s->cached_dirs(), 32u);
  EXPECT_GT(s->cached_dirs(), 0u);
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto f = s->lookup("d" + std::to_string(i) + "/f");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->version, (Version{3, 2 * i + 2}));
  }
}

TEST(PosixStore, ReadContentGivesOnlyTheWholeContentOfTheVersionAsked) {
  TempDir dir("posix-store-read");
  auto s = open_store(dir.path());
  ASSERT_EQ(s->apply(rec(Op::create, "f", {}, {3, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(closed("f", {3, 1}, {3, 2}, 5), Origin::remote), std::nullopt);
  EXPECT_EQ(s->read_content("f", {3, 2}, 1000), std::nullopt);  // still missing
  std::ofstream(dir.path() / "token") << "hello";
  s->install_data("f", {3, 2}, (dir.path() / "token").string());
  s->sync();
  EXPECT_EQ(s->read_content("f", {3, 2}, 1000), std::optional<std::string>("hello"));
  EXPECT_EQ(s->read_content("f", {3, 1}, 1000), std::nullopt);  // another version
  EXPECT_EQ(s->read_content("f", {3, 2}, 4), std::nullopt);     // bigger than the limit
  EXPECT_EQ(s->read_content("g", {3, 2}, 1000), std::nullopt);  // no such file
  ASSERT_EQ(s->apply(rec(Op::mkdir, "d", {}, {3, 3}), Origin::remote), std::nullopt);
  EXPECT_EQ(s->read_content("d", {3, 3}, 1000), std::nullopt);  // not a file
}

TEST(PosixStore, FewChangesAreSyncedObjectByObjectManyByOneSyncfs) {
  TempDir dir("posix-store-sync");
  auto s = open_store(dir.path());
  ASSERT_EQ(s->apply(rec(Op::mkdir, "d", {}, {3, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::create, "d/f", {}, {3, 2}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(closed("d/f", {3, 2}, {3, 3}, 5), Origin::remote), std::nullopt);
  std::ofstream(dir.path() / "token") << "hello";
  s->install_data("d/f", {3, 3}, (dir.path() / "token").string());
  EXPECT_EQ(s->changed_since_sync(), (std::set<std::string>{"", "d", "d/f"}));
  s->sync();
  EXPECT_EQ(s->sync_counts().fsyncs, 3u);
  EXPECT_EQ(s->sync_counts().syncfs, 0u);
  EXPECT_TRUE(s->changed_since_sync().empty());
  EXPECT_FALSE(s->lookup("d/f")->data_missing);  // the content is durable: its mark went
  for (std::uint64_t i = 0; i < PosixStore::kMaxFsyncs; ++i)
    ASSERT_EQ(s->apply(rec(Op::create, "d/g" + std::to_string(i), {}, {3, 10 + i}), Origin::remote), std::nullopt);
  s->sync();  // kMaxFsyncs files and their folder: one syncfs
  EXPECT_EQ(s->sync_counts().fsyncs, 3u);
  EXPECT_EQ(s->sync_counts().syncfs, 1u);
  auto link = rec(Op::symlink, "l", {}, {3, 40});
  link.path2 = "d/f";
  ASSERT_EQ(s->apply(link, Origin::remote), std::nullopt);
  s->sync();  // a symlink cannot be synced alone
  EXPECT_EQ(s->sync_counts().syncfs, 2u);
}

TEST(PosixStore, ChangesFollowTheirObjectThroughARenameAndGoWithARemoval) {
  TempDir dir("posix-store-sync-rename");
  auto s = open_store(dir.path());
  ASSERT_EQ(s->apply(rec(Op::mkdir, "d", {}, {3, 1}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::mkdir, "d/in", {}, {3, 2}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::create, "d/in/f", {}, {3, 3}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::create, "gone", {}, {3, 4}), Origin::remote), std::nullopt);
  s->sync();
  ASSERT_EQ(s->apply(closed("d/in/f", {3, 3}, {3, 5}, 0), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::mkdir, "e", {}, {3, 6}), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::rename, "d/in", {3, 2}, {3, 7}, "e/in"), Origin::remote), std::nullopt);
  ASSERT_EQ(s->apply(rec(Op::unlink, "gone", {3, 4}, {}), Origin::remote), std::nullopt);
  // d/in/f is now e/in/f; the folders whose entries changed are d, e and the root.
  EXPECT_EQ(s->changed_since_sync(), (std::set<std::string>{"", "d", "e", "e/in", "e/in/f"}));
  s->sync();
  EXPECT_EQ(s->sync_counts().syncfs, 0u);
}

}  // namespace
}  // namespace izo::posix
