// A fixed set of 4 KiB frames caching pages of heap files. Callers get pages through move-only
// guards that pin the frame for their lifetime; nobody pins or unpins by hand. Eviction
// approximates LRU-2 in two lists (engine/doc/format.md, "Buffer pool"), so a scan that touches
// each page once does not push out pages used again and again. Dirty pages are written back when
// evicted, with the dirty pages after them in the same write.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "heap_file.h"
#include "heapstore/ids.h"
#include "page.h"
#include "page_table.h"
#include "shared_mutex.h"
#include "spin_lock.h"

namespace heapstore {

namespace detail {
// Pins a frame for the guard's lifetime; unpinning needs no lock (see BufferPool::Frame).
class PinnedFrame {
 public:
  PinnedFrame() = default;
  PinnedFrame(Page* page, std::atomic<std::uint32_t>* pins, SharedMutex* latch, PageNo page_no)
      : page_(page), pins_(pins), latch_(latch), page_no_(page_no) {}
  PinnedFrame(PinnedFrame&& other) noexcept { *this = std::move(other); }
  PinnedFrame& operator=(PinnedFrame&& other) noexcept;
  PinnedFrame(const PinnedFrame&) = delete;
  PinnedFrame& operator=(const PinnedFrame&) = delete;
  ~PinnedFrame() { release(); }

  // Unpins now; the guard is empty afterwards.
  void release();
  bool holds_page() const { return page_ != nullptr; }
  PageNo page_no() const { return page_no_; }

  // The page's latch. A pin only keeps the page in its frame; threads that may use one page at
  // once (gets, scans, in-place updates and deletes under a shared container lock) also hold its
  // latch, shared to read and exclusive to change, and release it before the guard.
  SharedMutex& latch() const { return *latch_; }

 protected:
  Page* page_ = nullptr;
  std::atomic<std::uint32_t>* pins_ = nullptr;
  SharedMutex* latch_ = nullptr;
  PageNo page_no_ = 0;
};
}  // namespace detail

// Read access to a pinned page. Views into page() live as long as the guard.
class ReadPageGuard : public detail::PinnedFrame {
 public:
  using PinnedFrame::PinnedFrame;
  const Page& page() const { return *page_; }
};

// Write access to a pinned page; the frame was marked dirty when the guard was handed out.
class WritePageGuard : public detail::PinnedFrame {
 public:
  using PinnedFrame::PinnedFrame;
  Page& page() const { return *page_; }
};

// Thread-safe: any number of threads may fetch at once. Callers must serialise changes to one page
// (the storage manager does, per container); flush, flush_all and clear need the whole pool to
// themselves (the storage manager holds every container's lock).
//
// A hit takes only the mutex of one of kShards page-table shards and counts a use in the frame; a
// miss also takes the eviction mutex briefly to pick a frame, and reads or writes pages with no
// lock held (engine/doc/format.md, "Buffer pool", B1-B5).
class BufferPool {
 public:
  // `frame_count` frames of kPageSize bytes; throws Error(kInvalidArgument) when 0.
  explicit BufferPool(std::size_t frame_count);
  // Discards every frame without writing it back: flush first to keep changes.
  ~BufferPool();

  // Pins page `page_no` of `file` for reading, reading it from disk on a miss (while another
  // thread reads or writes back the same page, waits for it). Throws Error(kResourceExhausted)
  // when every frame is pinned, and what HeapFile::read_page throws.
  ReadPageGuard fetch_read(HeapFile& file, PageNo page_no);

  // As fetch_read, for changing the page; marks it dirty.
  WritePageGuard fetch_write(HeapFile& file, PageNo page_no);

  // Pins a page just allocated in `file` as an empty dirty page, without reading the disk.
  WritePageGuard create_page(HeapFile& file, PageNo page_no);

  // Reads the pages of [first, first + count) of `file` that are not cached with as few read
  // calls as there are uncached runs, into frames that leave first unless used again (a scan's
  // read-ahead). Best effort: a page it cannot read or place is left for fetch_read to report.
  void read_ahead(HeapFile& file, PageNo first, PageNo count);

  // Writes back every dirty page of `file`, adjacent pages in one write; they stay cached. Like
  // flush_all() and clear(), it marks each frame clean, so no write guard may be held across it:
  // a change made through that guard afterwards would never be written back.
  void flush(HeapFile& file);
  // Writes back every dirty page, sorted by file and page, adjacent pages in one write; they stay
  // cached. The caller makes sure no page is being changed meanwhile.
  void flush_all();

  // Drops the pages of `file` numbered `first` and above (all of them by default: the container
  // is being removed; else its empty tail is being cut off) without writing them back. Other
  // files' pages may be in use meanwhile; none of the dropped pages may be pinned.
  void discard(HeapFile& file, PageNo first = 0);

  // Writes back every dirty page, then empties every unpinned frame.
  void clear();

  // Called before pages are written back with one past the largest page LSN among them: the log
  // makes everything below it durable first (log_format.md, L2). May throw; the pages stay dirty.
  // Set it before any other thread uses the pool.
  void set_before_write_back(std::function<void(std::uint64_t)> hook);

  std::size_t frame_count() const { return frames_.size(); }
  std::uint64_t hits() const { return sum(&Shard::hits); }
  std::uint64_t misses() const { return sum(&Shard::misses); }
  std::uint64_t evictions() const { return sum(&Shard::evictions); }

 private:
  enum class List : std::uint8_t { kFree, kCold, kHot };
  enum class Fill : std::uint8_t { kRead, kWrite, kCreate };
  static constexpr std::uint32_t kNone = PageTable::kNone;
  static constexpr std::uint64_t kNoKey = PageTable::kNoKey;
  static constexpr std::size_t kShards = 64;
  // Bits of Frame::pins besides the count: kBusy while one thread loads the page into the frame or
  // writes it back for eviction (others wait); kWaiters while somebody sleeps on the word.
  static constexpr std::uint32_t kBusy = 1u << 31;
  static constexpr std::uint32_t kWaiters = 1u << 30;
  static constexpr std::uint32_t kPinMask = kWaiters - 1;
  // Frame::uses: a page read ahead is unused until fetched; one used again since it was loaded
  // or last examined by the eviction hand is moved to (or kept in) the hot list.
  static constexpr std::uint8_t kUnused = 0, kUsedOnce = 1, kUsedAgain = 2;

  // One frame's state. `key` changes only under its shard's mutex, by the thread holding kBusy;
  // `file` with it. The list links are guarded by evict_mutex_. (B1-B3)
  struct alignas(64) Frame {
    std::atomic<std::uint32_t> pins{0};      // pin count | kBusy | kWaiters
    std::atomic<std::uint8_t> uses{0};       // kUnused, kUsedOnce or kUsedAgain (B4)
    std::atomic<bool> dirty{false};          // changed since last written
    SharedMutex latch;                       // see PinnedFrame::latch()
    std::atomic<std::uint64_t> key{kNoKey};  // the page held, kNoKey when none
    HeapFile* file = nullptr;                // the file `key` names
    List list = List::kFree;
    std::uint32_t prev = kNone;
    std::uint32_t next = kNone;
  };
  struct Lru {
    std::uint32_t head = kNone;  // next to examine for eviction
    std::uint32_t tail = kNone;  // most recently added
    std::size_t size = 0;
  };
  struct alignas(64) Shard {
    SpinLock mutex;
    PageTable table;
    // Changed under `mutex` with a plain load and store (no locked add); read without it.
    std::atomic<std::uint64_t> hits{0}, misses{0}, evictions{0};
  };

  static std::uint64_t key(const HeapFile& file, PageNo page_no);
  Shard& shard_of(std::uint64_t key);
  std::uint64_t sum(std::atomic<std::uint64_t> Shard::*counter) const;
  static void count_one(std::atomic<std::uint64_t>& counter);

  std::uint32_t pin(HeapFile& file, PageNo page_no, Fill fill);
  bool wait_until_loaded(Frame& frame, std::uint64_t key);
  std::uint32_t enter_page(HeapFile& file, std::uint64_t key, std::uint32_t pins, std::uint8_t uses,
                           bool dirty, bool wait_for_busy);
  void abandon(std::uint32_t frame, std::uint64_t key, std::uint32_t own_pins);
  void unmap(Shard& shard, Frame& frame, std::uint64_t key);
  bool install_ahead(HeapFile& file, PageNo page_no, std::uint32_t* frame);
  void load_run(HeapFile& file, PageNo first, const std::vector<std::uint32_t>& run);
  static void release_busy(Frame& frame);

  std::uint32_t claim_frame(bool wait_for_busy);
  std::uint32_t claim_victim(std::uint64_t* key);
  bool finish_eviction(std::uint32_t frame, std::uint64_t key);
  std::uint32_t next_candidate(bool from_hot);
  void promote(std::uint32_t frame);
  std::vector<std::uint32_t> dirty_run_after(std::uint32_t frame, std::uint64_t key);

  void unlink(std::uint32_t frame);
  void push_back(List list, std::uint32_t frame);
  Lru& lru(List list);

  void write_runs(std::vector<std::uint32_t> frames);  // dirty frames, held still by the caller
  void write_dirty(const HeapFile* only);
  void drop(std::uint32_t frame);  // empties an unpinned frame; no other thread may touch it

  struct UnmapFrames {
    std::size_t bytes;
    void operator()(Page* pages) const;
  };
  std::unique_ptr<Page[], UnmapFrames> pages_;  // frame_count pages, mapped, not constructed
  std::vector<Frame> frames_;
  std::unique_ptr<Shard[]> shards_;
  std::mutex evict_mutex_;  // guards the lists; held to pick a frame, never across I/O
  Lru free_, cold_, hot_;
  std::size_t hot_capacity_;
  std::function<void(std::uint64_t)> before_write_back_;
};

}  // namespace heapstore
