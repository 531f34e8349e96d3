// A fixed set of 4 KiB frames caching pages of heap files. Callers get pages through move-only
// guards that pin the frame for their lifetime; nobody pins or unpins by hand. Eviction follows
// LRU-2 in two lists (engine/doc/format.md, "Buffer pool"), so a scan that touches each page once
// does not push out pages used again and again. Dirty pages are written back when evicted.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "heap_file.h"
#include "heapstore/ids.h"
#include "page.h"

namespace heapstore {

namespace detail {
// Pins a frame for the guard's lifetime; unpinning needs no lock (see BufferPool::Frame).
class PinnedFrame {
 public:
  PinnedFrame() = default;
  PinnedFrame(Page* page, std::atomic<std::uint32_t>* pins, PageNo page_no)
      : page_(page), pins_(pins), page_no_(page_no) {}
  PinnedFrame(PinnedFrame&& other) noexcept { *this = std::move(other); }
  PinnedFrame& operator=(PinnedFrame&& other) noexcept;
  PinnedFrame(const PinnedFrame&) = delete;
  PinnedFrame& operator=(const PinnedFrame&) = delete;
  ~PinnedFrame() { release(); }

  // Unpins now; the guard is empty afterwards.
  void release();
  bool holds_page() const { return page_ != nullptr; }
  PageNo page_no() const { return page_no_; }

 protected:
  Page* page_ = nullptr;
  std::atomic<std::uint32_t>* pins_ = nullptr;
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

// Thread-safe. Callers must serialise changes to the pages of one heap file (the storage manager
// does, per container).
class BufferPool {
 public:
  // `frame_count` frames of kPageSize bytes; throws Error(kInvalidArgument) when 0.
  explicit BufferPool(std::size_t frame_count);
  // Discards every frame without writing it back: flush first to keep changes.
  ~BufferPool();

  // Pins page `page_no` of `file` for reading, reading it from disk on a miss. Throws
  // Error(kResourceExhausted) when every frame is pinned, and what HeapFile::read_page throws.
  ReadPageGuard fetch_read(HeapFile& file, PageNo page_no);

  // As fetch_read, for changing the page; marks it dirty.
  WritePageGuard fetch_write(HeapFile& file, PageNo page_no);

  // Pins a page just allocated in `file` as an empty dirty page, without reading the disk.
  WritePageGuard create_page(HeapFile& file, PageNo page_no);

  // Writes back every dirty page of `file`; they stay cached. Like flush_all() and clear(), it
  // marks each frame clean, so no write guard may be held across it: a change made through that
  // guard afterwards would never be written back.
  void flush(HeapFile& file);
  // Writes back every dirty page, sorted by file and page, adjacent pages in one write; they stay
  // cached. The caller makes sure no page is being changed meanwhile.
  void flush_all();

  // Drops every page of `file` without writing it back (the container is being removed).
  void discard(HeapFile& file);

  // Writes back every dirty page, then empties every unpinned frame.
  void clear();

  // Called before pages are written back with one past the largest page LSN among them: the log
  // makes everything below it durable first (log_format.md, L2). May throw; the pages stay dirty.
  void set_before_write_back(std::function<void(std::uint64_t)> hook);

  std::size_t frame_count() const { return frames_.size(); }
  std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

 private:
  enum class List : std::uint8_t { kFree, kCold, kHot };
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // Metadata of one frame; all but `pins` are guarded by mutex_. `pins` only rises under mutex_
  // and falls without it, so an unpinned frame seen under mutex_ stays unpinned.
  struct Frame {
    std::atomic<std::uint32_t> pins{0};
    HeapFile* file = nullptr;
    PageNo page_no = 0;
    bool dirty = false;
    List list = List::kFree;
    std::uint32_t prev = kNone;
    std::uint32_t next = kNone;
  };
  struct Lru {
    std::uint32_t head = kNone;  // least recently used
    std::uint32_t tail = kNone;  // most recently used
    std::size_t size = 0;
  };

  static std::uint64_t key(const HeapFile& file, PageNo page_no);
  std::uint32_t pin(HeapFile& file, PageNo page_no, bool read_from_disk, bool dirty);
  std::uint32_t take_frame();
  void touch(std::uint32_t frame);
  void unlink(std::uint32_t frame);
  void push_back(List list, std::uint32_t frame);
  void write_back(Frame& frame, std::uint32_t index);
  void forget(std::uint32_t frame);
  Lru& lru(List list);

  struct UnmapFrames {
    std::size_t bytes;
    void operator()(Page* pages) const;
  };
  std::unique_ptr<Page[], UnmapFrames> pages_;  // frame_count pages, mapped, not constructed
  std::vector<Frame> frames_;
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::uint32_t> page_table_;
  Lru free_, cold_, hot_;
  std::size_t hot_capacity_;
  std::function<void(std::uint64_t)> before_write_back_;
  static void count_one(std::atomic<std::uint64_t>& counter);      // caller holds mutex_
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, evictions_{0};  // changed under mutex_
};

}  // namespace heapstore
