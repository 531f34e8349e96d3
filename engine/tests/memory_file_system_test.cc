// The in-memory file system of engine/testing/: POSIX-like names and handles, and its crash model
// (what sync and sync_directory make durable, crash(seed), crash points, fsync failures, a full
// disk), which the engine's crash tests, properties and fuzzers rely on.
#include "memory_file_system.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "heapstore/error.h"
#include "test_support.h"

namespace heapstore {
namespace {

using heapstore::testing::contains;
using heapstore::testing::MemoryFileSystem;
using heapstore::testing::thrown_by;

void write(File& file, std::uint64_t offset, const std::string& text) {
  file.write_at(offset, std::as_bytes(std::span(text.data(), text.size())));
}

std::string read_all(File& file) {
  std::string text(file.size(), '\0');
  file.read_at(0, std::as_writable_bytes(std::span(text.data(), text.size())));
  return text;
}

// The text of file `path`, or "<none>" when there is no such file.
std::string text_of(const MemoryFileSystem& fs, const std::string& path) {
  std::optional<std::vector<std::byte>> bytes = fs.contents(path);
  if (!bytes) return "<none>";
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

// A file system with directory "d" holding file "d/f", its name durable, its bytes empty.
std::unique_ptr<MemoryFileSystem> with_durable_file() {
  auto fs = std::make_unique<MemoryFileSystem>();
  fs->create_directories("d");
  fs->open("d/f", true);
  fs->sync_directory("d");
  return fs;
}

TEST(MemoryFileSystem, HandlesKeepRemovedAndRenamedOverFiles) {
  MemoryFileSystem fs;
  EXPECT_EQ(thrown_by([&] { fs.open("d/f", true); }).code, "IOError");  // no directory
  fs.create_directories("d/e");
  EXPECT_TRUE(fs.exists("d") && fs.exists("d/e"));
  auto old_file = fs.open("d/f", true);
  write(*old_file, 0, "old");
  write(*fs.open("d/tmp", true), 0, "new");
  fs.rename("d/tmp", "d/f");
  EXPECT_EQ(read_all(*old_file), "old");
  EXPECT_EQ(text_of(fs, "d/f"), "new");
  fs.remove("d/f");
  fs.remove("d/f");  // a missing file is fine
  EXPECT_FALSE(fs.exists("d/f"));
  EXPECT_EQ(fs.list("d"), std::vector<std::string>{"e"});
  EXPECT_EQ(thrown_by([&] { fs.open("d/f", false); }).code, "IOError");
  EXPECT_FALSE(fs.resize("d/e/x", 1));
}

TEST(MemoryFileSystem, CloneKeepsEveryWriteAndName) {
  MemoryFileSystem fs;
  fs.create_directories("d");
  write(*fs.open("d/f", true), 0, "unsynced");
  std::unique_ptr<MemoryFileSystem> copy = fs.clone();
  EXPECT_EQ(text_of(*copy, "d/f"), "unsynced");
  EXPECT_EQ(text_of(*copy->crash(0), "d/f"), "unsynced");  // everything in a clone is durable
  ASSERT_TRUE(copy->resize("d/f", 2));
  EXPECT_EQ(text_of(*copy, "d/f"), "un");
  EXPECT_EQ(text_of(fs, "d/f"), "unsynced");  // a deep copy
}

TEST(MemoryFileSystem, SyncMakesWritesDurable) {
  auto fs = with_durable_file();
  auto file = fs->open("d/f", false);
  write(*file, 0, "hello");
  file->sync();
  write(*file, 5, " world");
  file->truncate(8);
  EXPECT_EQ(read_all(*file), "hello wo");
  EXPECT_EQ(text_of(*fs->crash(0), "d/f"), "hello");
  file->sync();
  EXPECT_EQ(text_of(*fs->crash(0), "d/f"), "hello wo");
}

TEST(MemoryFileSystem, SeedZeroDropsEveryUnsyncedChange) {
  auto fs = with_durable_file();
  auto file = fs->open("d/f", false);
  write(*file, 0, "durable");
  file->sync();
  write(*file, 0, "DURABLE and more");
  file->truncate(3);
  std::unique_ptr<MemoryFileSystem> disk = fs->crash(0);
  EXPECT_EQ(text_of(*disk, "d/f"), "durable");
  EXPECT_EQ(text_of(*disk->crash(0), "d/f"), "durable");  // all of a crashed disk is durable
}

TEST(MemoryFileSystem, SeedsKeepAnySubsetAndMayTearOneWrite) {
  auto fs = with_durable_file();
  auto file = fs->open("d/f", false);
  write(*file, 0, "aaaa");
  write(*file, 4, "bbbbbbbbbbbbbbbbbbbb");
  const std::string all = "aaaabbbbbbbbbbbbbbbbbbbb";
  std::set<std::string> seen;
  bool torn = false;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    std::string text = text_of(*fs->crash(seed), "d/f");
    EXPECT_EQ(text, text_of(*fs->crash(seed), "d/f")) << "seed " << seed;  // deterministic
    seen.insert(text);
    ASSERT_LE(text.size(), all.size());
    for (std::size_t i = 0; i < text.size(); ++i) {  // zeros where a write was dropped or torn
      EXPECT_TRUE(text[i] == all[i] || text[i] == '\0') << "seed " << seed << ", byte " << i;
    }
    torn = torn || (text.size() > 4 && text.size() < all.size());
  }
  EXPECT_TRUE(seen.contains("")) << "no seed dropped both writes";
  EXPECT_TRUE(seen.contains("aaaa")) << "no seed kept only the first write";
  EXPECT_TRUE(seen.contains(all)) << "no seed kept both writes whole";
  EXPECT_TRUE(seen.contains(std::string(4, '\0') + all.substr(4))) << "none kept only the second";
  EXPECT_TRUE(torn) << "no seed tore the second write";
}

TEST(MemoryFileSystem, CrashAfterStopsEveryMutation) {
  auto fs = with_durable_file();
  EXPECT_EQ(fs->mutating_calls(), 2u);  // the create and the directory sync
  auto file = fs->open("d/f", false);   // opening an existing file is not counted
  fs->crash_after(2);
  write(*file, 0, "one");
  file->sync();
  auto refused = thrown_by([&] { write(*file, 3, "two"); });
  EXPECT_EQ(refused.code, "IOError");
  EXPECT_TRUE(contains(refused.message, "(simulated crash)"));
  EXPECT_EQ(thrown_by([&] { file->truncate(0); }).code, "IOError");
  EXPECT_EQ(thrown_by([&] { file->sync(); }).code, "IOError");
  EXPECT_EQ(thrown_by([&] { fs->open("d/g", true); }).code, "IOError");
  EXPECT_EQ(thrown_by([&] { fs->remove("d/f"); }).code, "IOError");
  EXPECT_EQ(thrown_by([&] { fs->rename("d/f", "d/g"); }).code, "IOError");
  EXPECT_EQ(thrown_by([&] { fs->sync_directory("d"); }).code, "IOError");
  EXPECT_EQ(thrown_by([&] { fs->create_directories("e"); }).code, "IOError");
  EXPECT_EQ(fs->mutating_calls(), 11u);  // refused calls count too; create_directories does not
  EXPECT_EQ(read_all(*file), "one");     // reads still work
  EXPECT_EQ(fs->list("d"), std::vector<std::string>{"f"});
  EXPECT_EQ(text_of(*fs->crash(0), "d/f"), "one");
  EXPECT_EQ(thrown_by([&] { fs->crash(0)->open("d/g", true); }).code, "none");  // not carried
}

// Crashing at each mutating call of a write-to-temporary, sync, rename, sync-directory sequence:
// the file holds the old text or the new one, and the new one once the directory sync ran.
TEST(MemoryFileSystem, CrashAtEachCallOfAnAtomicReplace) {
  auto replace = [](MemoryFileSystem& fs) {
    auto tmp = fs.open("d/f.tmp", true);
    write(*tmp, 0, "new text");
    tmp->sync();
    fs.rename("d/f.tmp", "d/f");
    fs.sync_directory("d");
  };
  auto probe = with_durable_file();
  std::uint64_t start = probe->mutating_calls();
  replace(*probe);
  std::uint64_t calls = probe->mutating_calls() - start;
  ASSERT_EQ(calls, 5u);
  for (std::uint64_t n = 0; n <= calls; ++n) {
    auto fs = with_durable_file();
    fs->crash_after(n);
    EXPECT_EQ(thrown_by([&] { replace(*fs); }).code, n == calls ? "none" : "IOError");
    for (std::uint64_t seed = 0; seed < 32; ++seed) {
      std::string text = text_of(*fs->crash(seed), "d/f");
      EXPECT_TRUE(text.empty() || text == "new text") << "crash after " << n << ", seed " << seed;
      if (n == calls) {
        EXPECT_EQ(text, "new text");
      }
    }
  }
}

TEST(MemoryFileSystem, FailedSyncLosesItsWritesForGood) {
  auto fs = with_durable_file();
  auto file = fs->open("d/f", false);
  write(*file, 0, "aaaa");
  file->sync();
  write(*file, 0, "bb");
  fs->fail_sync("/f");
  EXPECT_EQ(thrown_by([&] { file->sync(); }).code, "IOError");
  EXPECT_EQ(read_all(*file), "bbaa");  // reads keep the lost write
  EXPECT_EQ(text_of(*fs->crash(0), "d/f"), "aaaa");
  file->sync();  // succeeds, but the lost write stays lost
  EXPECT_EQ(text_of(*fs->crash(0), "d/f"), "aaaa");
  write(*file, 3, "c");
  file->sync();  // a write after the failure becomes durable
  EXPECT_EQ(text_of(*fs->crash(0), "d/f"), "aaac");
  for (std::uint64_t seed = 1; seed < 16; ++seed)
    EXPECT_EQ(text_of(*fs->crash(seed), "d/f"), "aaac");
}

TEST(MemoryFileSystem, FailSyncMatchesPathsAndCounts) {
  MemoryFileSystem fs;
  auto a = fs.open("a", true);
  auto b = fs.open("b", true);
  fs.fail_sync("b", 2);
  a->sync();
  EXPECT_EQ(thrown_by([&] { b->sync(); }).code, "IOError");
  EXPECT_EQ(thrown_by([&] { b->sync(); }).code, "IOError");
  EXPECT_EQ(thrown_by([&] { b->sync(); }).code, "none");
  fs.fail_sync("b", 1);
  fs.fail_sync("b", 0);  // disarms
  EXPECT_EQ(thrown_by([&] { b->sync(); }).code, "none");
}

TEST(MemoryFileSystem, FullDiskGivesAShortWrite) {
  MemoryFileSystem fs;
  auto a = fs.open("a", true);
  auto b = fs.open("b", true);
  write(*a, 0, "123456");
  fs.set_capacity(10);
  auto thrown = thrown_by([&] { write(*b, 0, "abcdefgh"); });
  EXPECT_EQ(thrown.code, "IOError");
  EXPECT_TRUE(contains(thrown.message, "No space left on device"));
  EXPECT_EQ(text_of(fs, "b"), "abcd");                                 // the part that fit
  EXPECT_EQ(thrown_by([&] { write(*a, 0, "ABCDEF"); }).code, "none");  // overwrites fit
  EXPECT_EQ(thrown_by([&] { write(*a, 20, "x"); }).code, "IOError");
  EXPECT_EQ(text_of(fs, "a"), "ABCDEF");
  fs.set_capacity(std::nullopt);
  write(*b, 4, "efgh");
  EXPECT_EQ(text_of(fs, "b"), "abcdefgh");
}

TEST(MemoryFileSystem, LocksConflictUntilReleased) {
  MemoryFileSystem fs;
  auto held = fs.lock("d/LOCK");
  auto second = thrown_by([&] { fs.lock("d/LOCK"); });
  EXPECT_EQ(second.code, "IOError");
  EXPECT_TRUE(contains(second.message, "d/LOCK"));
  EXPECT_EQ(thrown_by([&] { fs.lock("e/LOCK"); }).code, "none");
  EXPECT_EQ(thrown_by([&] { fs.crash(0)->lock("d/LOCK"); }).code, "none");  // the holder died
  held.reset();
  EXPECT_EQ(thrown_by([&] { fs.lock("d/LOCK"); }).code, "none");
}

TEST(MemoryFileSystem, NameChangesNotSyncedAreRevertedByCrash) {
  auto fs = with_durable_file();
  write(*fs->open("d/f", false), 0, "old");
  fs->open("d/f", false)->sync();
  fs->open("d/created", true);
  auto tmp = fs->open("d/tmp", true);
  write(*tmp, 0, "new");
  tmp->sync();
  fs->sync_directory("d");
  fs->rename("d/tmp", "d/f");
  fs->remove("d/created");
  fs->open("d/unsynced", true);
  std::unique_ptr<MemoryFileSystem> disk = fs->crash(0);
  EXPECT_EQ(disk->list("d").size(), 3u);
  EXPECT_EQ(text_of(*disk, "d/f"), "old");
  EXPECT_EQ(text_of(*disk, "d/tmp"), "new");
  EXPECT_TRUE(disk->exists("d/created"));
  EXPECT_FALSE(disk->exists("d/unsynced"));
  fs->sync_directory("d");
  disk = fs->crash(0);
  EXPECT_EQ(text_of(*disk, "d/f"), "new");
  EXPECT_FALSE(disk->exists("d/tmp") || disk->exists("d/created"));
  EXPECT_TRUE(disk->exists("d/unsynced"));
}

TEST(MemoryFileSystem, CrashKeepsOrRevertsARenameAsAWhole) {
  auto fs = with_durable_file();
  auto tmp = fs->open("d/tmp", true);
  write(*tmp, 0, "new");
  tmp->sync();
  fs->sync_directory("d");
  fs->rename("d/tmp", "d/f");
  std::set<std::string> outcomes;
  for (std::uint64_t seed = 0; seed < 32; ++seed) {
    std::unique_ptr<MemoryFileSystem> disk = fs->crash(seed);
    outcomes.insert(text_of(*disk, "d/f") + "," + text_of(*disk, "d/tmp"));
  }
  EXPECT_EQ(outcomes, (std::set<std::string>{",new", "new,<none>"}));
}

TEST(MemoryFileSystem, ConcurrentWritersToOneFile) {
  MemoryFileSystem fs;
  auto file = fs.open("f", true);
  std::vector<std::thread> threads;
  for (char c : {'a', 'b', 'c', 'd'}) {
    threads.emplace_back([&file, c] {
      for (int i = 0; i < 200; ++i)
        write(*file, static_cast<std::uint64_t>(c - 'a') * 200 + i, {c});
    });
  }
  for (std::thread& t : threads) t.join();
  std::string text = read_all(*file);
  EXPECT_EQ(std::count(text.begin(), text.end(), 'c'), 200);
  EXPECT_EQ(fs.mutating_calls(), 801u);
}

}  // namespace
}  // namespace heapstore
