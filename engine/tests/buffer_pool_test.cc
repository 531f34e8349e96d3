// Unit tests of heapstore::BufferPool: counting, write-back, pinning through guards, and LRU-2
// eviction (engine/doc/format.md, "Buffer pool").
#include "buffer_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "heapstore/error.h"
#include "heapstore/file.h"
#include "test_support.h"

namespace heapstore {
namespace {

using testing::FaultyFileSystem;
using testing::test_value;
using testing::thrown_by;

static_assert(!std::is_copy_constructible_v<ReadPageGuard>);
static_assert(!std::is_copy_assignable_v<ReadPageGuard>);
static_assert(!std::is_copy_constructible_v<WritePageGuard>);
static_assert(!std::is_copy_assignable_v<WritePageGuard>);
static_assert(std::is_nothrow_move_constructible_v<ReadPageGuard>);
static_assert(std::is_nothrow_move_assignable_v<WritePageGuard>);

// The value page `page_no` holds in slot 0 after write round `round`.
std::string value_for(PageNo page_no, std::uint64_t round) {
  return test_value(200, page_no * 1000 + round);
}

// The value in slot 0 of page `page_no` as the file at `path` holds it, or nothing when the file
// does not reach that page.
std::optional<std::string> value_on_disk(const std::string& path, PageNo page_no) {
  std::ifstream in(path, std::ios::binary);
  const std::string file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (file.size() < (page_no + 1) * kPageSize) return std::nullopt;
  const auto* bytes = reinterpret_cast<const std::byte*>(file.data()) + page_no * kPageSize;
  const Page page = Page::decode(std::span<const std::byte, kPageSize>(bytes, kPageSize), page_no);
  const std::optional<std::string_view> value = page.get_value(0);
  return value ? std::optional<std::string>(*value) : std::nullopt;
}

class BufferPoolTest : public ::testing::Test {
 protected:
  // Heap files go through fs_, which passes every call to the POSIX file system until told to fail.
  std::unique_ptr<HeapFile> open_heap(ContainerId id) {
    return std::make_unique<HeapFile>(id, fs_.open(path_of(id), true), 0);
  }
  std::string path_of(ContainerId id) const {
    return dir_.path() + "/" + std::to_string(id) + ".heap";
  }

  void allocate(PageNo count) {
    for (PageNo i = 0; i < count; ++i) heap_->allocate_page();
  }

  // Creates pages 0..count-1 of heap_, page i holding value_for(i, 0) in slot 0.
  void create_pages(BufferPool& pool, PageNo count) {
    for (PageNo page_no = 0; page_no < count; ++page_no) {
      ASSERT_EQ(heap_->allocate_page(), page_no);
      WritePageGuard guard = pool.create_page(*heap_, page_no);
      ASSERT_EQ(guard.page().add_value(value_for(page_no, 0)), SlotId{0});
    }
  }

  void rewrite_pages(BufferPool& pool, PageNo count, std::uint64_t round) {
    for (PageNo page_no = 0; page_no < count; ++page_no) {
      WritePageGuard guard = pool.fetch_write(*heap_, page_no);
      ASSERT_EQ(guard.page().update_value(0, value_for(page_no, round)), UpdateResult::kUpdated);
    }
  }

  void expect_pages(BufferPool& pool, PageNo count, std::uint64_t round) {
    for (PageNo page_no = 0; page_no < count; ++page_no) {
      ReadPageGuard guard = pool.fetch_read(*heap_, page_no);
      EXPECT_EQ(guard.page().get_value(0), value_for(page_no, round)) << "page " << page_no;
    }
  }

  testing::TempDir dir_;
  FaultyFileSystem fs_;
  std::unique_ptr<HeapFile> heap_ = open_heap(1);
};

TEST_F(BufferPoolTest, ZeroFramesIsAnInvalidArgument) {
  EXPECT_EQ(thrown_by([] { BufferPool pool(0); }).code, "InvalidArgument");
  EXPECT_EQ(BufferPool(3).frame_count(), 3u);
}

TEST_F(BufferPoolTest, HitsAndMissesAreCounted) {
  BufferPool pool(4);
  allocate(2);
  pool.fetch_read(*heap_, 0);
  EXPECT_EQ(pool.misses(), 1u);
  EXPECT_EQ(pool.hits(), 0u);
  pool.fetch_read(*heap_, 0);
  pool.fetch_write(*heap_, 0);
  pool.fetch_read(*heap_, 1);
  EXPECT_EQ(pool.misses(), 2u);
  EXPECT_EQ(pool.hits(), 2u);
  EXPECT_EQ(heap_->page_reads(), 2u);
}

TEST_F(BufferPoolTest, DirtyPagesAreWrittenBackOnEviction) {
  BufferPool pool(8);
  create_pages(pool, 80);
  expect_pages(pool, 80, 0);
  EXPECT_GT(heap_->page_writes(), 0u);
  EXPECT_GT(pool.evictions(), 0u);
  rewrite_pages(pool, 80, 1);  // pages read back from disk and dirtied again
  expect_pages(pool, 80, 1);
}

TEST_F(BufferPoolTest, FetchWhenEveryFrameIsPinnedThrowsResourceExhausted) {
  BufferPool pool(2);
  allocate(3);
  ReadPageGuard first = pool.fetch_read(*heap_, 0);
  WritePageGuard second = pool.fetch_write(*heap_, 1);
  EXPECT_EQ(thrown_by([&] { pool.fetch_read(*heap_, 2); }).code, "ResourceExhausted");
  EXPECT_EQ(thrown_by([&] { pool.fetch_write(*heap_, 2); }).code, "ResourceExhausted");
  EXPECT_EQ(thrown_by([&] { pool.create_page(*heap_, 2); }).code, "ResourceExhausted");
  first.release();
  EXPECT_EQ(pool.fetch_read(*heap_, 2).page_no(), 2u);
}

TEST_F(BufferPoolTest, GuardsUnpinWhenDestroyedOrReleased) {
  BufferPool pool(1);
  allocate(3);
  { ReadPageGuard guard = pool.fetch_read(*heap_, 0); }
  ReadPageGuard guard = pool.fetch_read(*heap_, 1);  // would throw if page 0 were still pinned
  EXPECT_TRUE(guard.holds_page());
  guard.release();
  EXPECT_FALSE(guard.holds_page());
  guard.release();  // releasing twice unpins once
  EXPECT_TRUE(pool.fetch_write(*heap_, 2).holds_page());
}

TEST_F(BufferPoolTest, MovedGuardsTransferTheirPin) {
  BufferPool pool(2);
  allocate(3);
  ReadPageGuard kept = pool.fetch_read(*heap_, 0);
  ReadPageGuard other = pool.fetch_read(*heap_, 1);
  kept = std::move(other);  // unpins page 0, keeps page 1 pinned
  EXPECT_FALSE(other.holds_page());
  EXPECT_EQ(kept.page_no(), 1u);
  ReadPageGuard third = pool.fetch_read(*heap_, 2);  // takes page 0's frame
  EXPECT_EQ(thrown_by([&] { pool.fetch_read(*heap_, 0); }).code, "ResourceExhausted");
  ReadPageGuard moved(std::move(third));
  EXPECT_FALSE(third.holds_page());
  EXPECT_EQ(moved.page_no(), 2u);
}

TEST_F(BufferPoolTest, FlushWritesDirtyPagesAndKeepsThemCached) {
  BufferPool pool(4);
  create_pages(pool, 2);
  EXPECT_EQ(value_on_disk(heap_->path(), 1), std::nullopt);
  pool.flush(*heap_);
  EXPECT_EQ(value_on_disk(heap_->path(), 0), value_for(0, 0));
  EXPECT_EQ(value_on_disk(heap_->path(), 1), value_for(1, 0));
  EXPECT_EQ(heap_->page_writes(), 2u);
  pool.flush(*heap_);  // nothing is dirty any more
  EXPECT_EQ(heap_->page_writes(), 2u);
  const std::uint64_t hits = pool.hits();
  expect_pages(pool, 2, 0);
  EXPECT_EQ(pool.hits(), hits + 2);
}

TEST_F(BufferPoolTest, FlushAllWritesTheDirtyPagesOfEveryFile) {
  BufferPool pool(4);
  std::unique_ptr<HeapFile> other = open_heap(2);
  create_pages(pool, 1);
  other->allocate_page();
  ASSERT_TRUE(pool.create_page(*other, 0).page().add_value(value_for(0, 5)));
  EXPECT_EQ(pool.fetch_read(*heap_, 0).page().get_value(0), value_for(0, 0));  // cached apart
  EXPECT_EQ(pool.fetch_read(*other, 0).page().get_value(0), value_for(0, 5));
  pool.flush_all();
  EXPECT_EQ(value_on_disk(heap_->path(), 0), value_for(0, 0));
  EXPECT_EQ(value_on_disk(other->path(), 0), value_for(0, 5));
}

TEST_F(BufferPoolTest, ClearWritesBackAndEmptiesTheCache) {
  BufferPool pool(4);
  create_pages(pool, 2);
  pool.clear();
  EXPECT_EQ(value_on_disk(heap_->path(), 1), value_for(1, 0));
  const std::uint64_t misses = pool.misses();
  expect_pages(pool, 2, 0);
  EXPECT_EQ(pool.misses(), misses + 2);
}

TEST_F(BufferPoolTest, DiscardDropsPagesWithoutWritingThem) {
  BufferPool pool(4);
  std::unique_ptr<HeapFile> other = open_heap(2);
  other->allocate_page();
  pool.fetch_read(*other, 0);
  create_pages(pool, 2);
  pool.discard(*heap_);
  EXPECT_EQ(heap_->page_writes(), 0u);
  EXPECT_EQ(heap_->bytes_on_disk(), 0u);
  const std::uint64_t misses = pool.misses();
  EXPECT_EQ(pool.fetch_read(*heap_, 0).page().value_count(), 0u);
  EXPECT_EQ(pool.misses(), misses + 1);
  const std::uint64_t hits = pool.hits();
  pool.fetch_read(*other, 0);  // another file's pages stay cached
  EXPECT_EQ(pool.hits(), hits + 1);
}

TEST_F(BufferPoolTest, BeforeWriteBackHookRunsBeforeAPageIsWritten) {
  BufferPool pool(4);
  std::optional<std::uint64_t> writes_when_called;
  pool.set_before_write_back([&](std::uint64_t) { writes_when_called = heap_->page_writes(); });
  create_pages(pool, 1);
  EXPECT_EQ(writes_when_called, std::nullopt);
  pool.flush(*heap_);
  EXPECT_EQ(writes_when_called, 0u);
  EXPECT_EQ(heap_->page_writes(), 1u);
}

TEST_F(BufferPoolTest, FailedWriteBackKeepsTheDirtyPage) {
  BufferPool pool(1);
  create_pages(pool, 1);
  heap_->allocate_page();
  fs_.fail(FaultyFileSystem::Op::kWrite, FaultyFileSystem::Fault::kNoSpace);
  EXPECT_EQ(thrown_by([&] { pool.fetch_read(*heap_, 1); }).code, "IOError");
  fs_.heal();
  expect_pages(pool, 1, 0);
  pool.flush(*heap_);
  EXPECT_EQ(value_on_disk(heap_->path(), 0), value_for(0, 0));
}

TEST_F(BufferPoolTest, FailedReadLeavesThePoolUsable) {
  BufferPool pool(1);
  create_pages(pool, 2);
  pool.flush(*heap_);
  pool.clear();
  fs_.fail(FaultyFileSystem::Op::kRead, FaultyFileSystem::Fault::kEio);
  EXPECT_EQ(thrown_by([&] { pool.fetch_read(*heap_, 0); }).code, "IOError");
  expect_pages(pool, 2, 0);  // the one frame was not leaked
}

// Virtual memory of this process in bytes, from /proc/self/status (0 where there is none).
std::uint64_t mapped_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmSize:")) return std::stoull(line.substr(7)) * 1024;
  }
  return 0;
}

TEST_F(BufferPoolTest, DestroyedPoolsReleaseTheirFrames) {
  constexpr std::size_t kFrames = 16384;  // 64 MiB of frames
  const std::uint64_t before = mapped_bytes();
  if (before == 0) GTEST_SKIP() << "no /proc/self/status";
  for (int round = 0; round < 8; ++round) BufferPool pool(kFrames);
  EXPECT_LT(mapped_bytes() - before, kFrames * kPageSize)
      << "8 pools of " << kFrames << " frames were created and destroyed";
}

TEST_F(BufferPoolTest, ScanOfPagesTouchedOnceDoesNotEvictHotPages) {
  constexpr PageNo kFrames = 16, kHot = kFrames / 2, kScanned = 10 * kFrames;
  BufferPool pool(kFrames);
  allocate(kHot + kScanned);
  for (int round = 0; round < 3; ++round) {
    for (PageNo page_no = 0; page_no < kHot; ++page_no) pool.fetch_read(*heap_, page_no);
  }
  for (PageNo page_no = kHot; page_no < kHot + kScanned; ++page_no) {
    pool.fetch_read(*heap_, page_no);
  }
  const std::uint64_t hits = pool.hits();
  for (PageNo page_no = 0; page_no < kHot; ++page_no) pool.fetch_read(*heap_, page_no);
  EXPECT_EQ(pool.hits(), hits + kHot);
}

// B5: read_ahead reads each run of uncached pages with one read call; the pages it reads are
// then hits, with their contents.
TEST_F(BufferPoolTest, ReadAheadReadsEachUncachedRunInOneCall) {
  BufferPool pool(64);
  create_pages(pool, 20);
  pool.clear();
  pool.fetch_read(*heap_, 5);  // cached: splits the range in two runs
  const std::uint64_t reads = fs_.calls(FaultyFileSystem::Op::kRead);
  const std::uint64_t misses = pool.misses();
  pool.read_ahead(*heap_, 0, 20);
  EXPECT_EQ(fs_.calls(FaultyFileSystem::Op::kRead), reads + 2);
  EXPECT_EQ(pool.misses(), misses + 19);
  const std::uint64_t hits = pool.hits();
  expect_pages(pool, 20, 0);
  EXPECT_EQ(pool.hits(), hits + 20);
  pool.read_ahead(*heap_, 18, 100);  // past the last page: stops there, reads nothing
  EXPECT_EQ(fs_.calls(FaultyFileSystem::Op::kRead), reads + 2);
}

TEST_F(BufferPoolTest, ReadAheadOfADamagedPageLeavesItForTheFetchToReport) {
  BufferPool pool(8);
  create_pages(pool, 3);
  pool.clear();
  {
    std::fstream file(heap_->path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(kPageSize + 100);
    file.put('\x5a');  // page 1's checksum no longer matches
  }
  pool.read_ahead(*heap_, 0, 3);
  EXPECT_EQ(pool.fetch_read(*heap_, 0).page().get_value(0), value_for(0, 0));
  EXPECT_EQ(thrown_by([&] { pool.fetch_read(*heap_, 1); }).code, "Corruption");
  EXPECT_EQ(pool.fetch_read(*heap_, 2).page().get_value(0), value_for(2, 0));
}

// B4 with read-ahead: pages read ahead and then used once by a scan stay cold.
TEST_F(BufferPoolTest, PagesReadAheadAndUsedOnceDoNotEvictHotPages) {
  constexpr PageNo kFrames = 32, kHot = kFrames / 2, kScanned = 10 * kFrames;
  BufferPool pool(kFrames);
  allocate(kHot + kScanned);
  for (int round = 0; round < 3; ++round) {
    for (PageNo page_no = 0; page_no < kHot; ++page_no) pool.fetch_read(*heap_, page_no);
  }
  for (PageNo page_no = kHot; page_no < kHot + kScanned; ++page_no) {
    if (page_no % 4 == 0) pool.read_ahead(*heap_, page_no, 4);
    pool.fetch_read(*heap_, page_no);
  }
  const std::uint64_t hits = pool.hits();
  for (PageNo page_no = 0; page_no < kHot; ++page_no) pool.fetch_read(*heap_, page_no);
  EXPECT_EQ(pool.hits(), hits + kHot);
}

// B3: evicting a dirty page writes the dirty pages after it in the same call (at most 1/8 of the
// frames), and they stay cached, clean.
TEST_F(BufferPoolTest, EvictionWritesTheDirtyPagesAfterItsVictimInOneCall) {
  BufferPool pool(64);
  create_pages(pool, 64);  // all dirty; page 0 is the first victim
  const std::uint64_t writes = fs_.calls(FaultyFileSystem::Op::kWrite);
  heap_->allocate_page();
  pool.create_page(*heap_, 64);
  EXPECT_EQ(fs_.calls(FaultyFileSystem::Op::kWrite), writes + 1);
  EXPECT_EQ(heap_->page_writes(), 8u);
  EXPECT_EQ(pool.evictions(), 1u);
  for (PageNo page_no = 0; page_no < 8; ++page_no)
    EXPECT_EQ(value_on_disk(heap_->path(), page_no), value_for(page_no, 0)) << page_no;
  EXPECT_EQ(value_on_disk(heap_->path(), 8), std::nullopt);
  pool.flush(*heap_);  // pages 1-7 are clean now: 64 - 8 + 1 pages left to write
  EXPECT_EQ(heap_->page_writes(), 8u + 57u);
}

// B2: a thread that wants a page another thread is reading waits for that read instead of
// reading it again, and gets the page.
TEST_F(BufferPoolTest, AFetchOfAPageBeingReadWaitsForThatRead) {
  BufferPool pool(8);
  create_pages(pool, 4);
  pool.clear();
  const std::uint64_t misses = pool.misses(), hits = pool.hits();
  auto fetch_page_3 = [&] {
    EXPECT_EQ(pool.fetch_read(*heap_, 3).page().get_value(0), value_for(3, 0));
  };
  fs_.hold_reads(".heap");
  std::thread first(fetch_page_3);
  fs_.wait_for_held_read();
  std::atomic<bool> second_done = false;
  std::thread second([&] {
    fetch_page_3();
    second_done = true;
  });
  while (pool.hits() == hits) std::this_thread::yield();  // the second has pinned the busy frame
  EXPECT_FALSE(second_done) << "the second fetch did not wait for the page to be read";
  fs_.release_reads();
  first.join();
  second.join();
  EXPECT_EQ(pool.misses(), misses + 1);
  EXPECT_EQ(heap_->page_reads(), 1u);
}

// Many threads missing and hitting at once on a pool much smaller than the data, some of them
// changing their own pages: every page read back holds what was last written (under
// ThreadSanitizer too).
TEST_F(BufferPoolTest, ThreadsFetchingAtOnceSeeEveryPageIntact) {
  constexpr PageNo kPages = 96;
  constexpr int kThreads = 4;
  BufferPool pool(12);
  create_pages(pool, kPages);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < 3000; ++i) {
        const auto page_no = static_cast<PageNo>(rng() % kPages);
        if (page_no % kThreads == static_cast<PageNo>(t) && i % 7 == 0) {  // its own pages
          WritePageGuard guard = pool.fetch_write(*heap_, page_no);
          std::unique_lock latch(guard.latch());
          ASSERT_EQ(guard.page().update_value(0, value_for(page_no, 1)), UpdateResult::kUpdated);
          ASSERT_EQ(guard.page().update_value(0, value_for(page_no, 0)), UpdateResult::kUpdated);
        } else {
          ReadPageGuard guard = pool.fetch_read(*heap_, page_no);
          std::shared_lock latch(guard.latch());
          if (page_no % 5 == 0) pool.read_ahead(*heap_, page_no + 1, 3);
          ASSERT_EQ(guard.page().get_value(0), value_for(page_no, 0)) << "page " << page_no;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  expect_pages(pool, kPages, 0);
  pool.flush(*heap_);
  for (PageNo page_no = 0; page_no < kPages; ++page_no)
    EXPECT_EQ(value_on_disk(heap_->path(), page_no), value_for(page_no, 0));
}

}  // namespace
}  // namespace heapstore
