// BufferPool: frames, page table and LRU-2 eviction in two lists (format.md, "Buffer pool").
// A page enters the cold list on its first use and moves to the hot list on its second; victims
// come from the cold list first, so pages touched once (a scan) leave before pages in use.
#include "buffer_pool.h"

#include <sys/mman.h>

#include <algorithm>

#include "heapstore/error.h"

namespace heapstore {

namespace detail {
PinnedFrame& PinnedFrame::operator=(PinnedFrame&& other) noexcept {
  if (this != &other) {
    release();
    page_ = std::exchange(other.page_, nullptr);
    pins_ = std::exchange(other.pins_, nullptr);
    page_no_ = other.page_no_;
  }
  return *this;
}

void PinnedFrame::release() {
  if (pins_ != nullptr) pins_->fetch_sub(1, std::memory_order_release);
  page_ = nullptr;
  pins_ = nullptr;
}
}  // namespace detail

// Frames are mapped, not constructed: the OS provides their memory on first use, so opening a
// store with a large pool costs nothing up front (Page is an implicit-lifetime type). Huge pages,
// where the kernel grants them, make that first use one fault per 512 frames instead of one each.
BufferPool::BufferPool(std::size_t frame_count)
    : pages_(nullptr, UnmapFrames{0}),
      frames_(frame_count),
      hot_capacity_(std::max<std::size_t>(1, frame_count * 3 / 4)) {
  if (frame_count == 0 || frame_count >= kNone)
    throw Error(ErrorCode::kInvalidArgument, "buffer pool needs 1 to " + std::to_string(kNone - 1) +
                                                 " frames, not " + std::to_string(frame_count));
  void* memory = ::mmap(nullptr, frame_count * sizeof(Page), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED)
    throw Error(ErrorCode::kResourceExhausted,
                "cannot map " + std::to_string(frame_count) + " buffer-pool frames");
  ::madvise(memory, frame_count * sizeof(Page), MADV_HUGEPAGE);  // a hint; failure is harmless
  pages_ = {static_cast<Page*>(memory), UnmapFrames{frame_count * sizeof(Page)}};
  page_table_.reserve(frame_count);
  for (std::uint32_t i = 0; i < frame_count; ++i) push_back(List::kFree, i);
}

BufferPool::~BufferPool() = default;

void BufferPool::UnmapFrames::operator()(Page* pages) const { ::munmap(pages, bytes); }

std::uint64_t BufferPool::key(const HeapFile& file, PageNo page_no) {
  return (std::uint64_t{file.id()} << 32) | page_no;
}

BufferPool::Lru& BufferPool::lru(List list) {
  return list == List::kFree ? free_ : list == List::kCold ? cold_ : hot_;
}

void BufferPool::unlink(std::uint32_t i) {
  Frame& f = frames_[i];
  Lru& l = lru(f.list);
  (f.prev == kNone ? l.head : frames_[f.prev].next) = f.next;
  (f.next == kNone ? l.tail : frames_[f.next].prev) = f.prev;
  f.prev = f.next = kNone;
  --l.size;
}

void BufferPool::push_back(List list, std::uint32_t i) {
  Frame& f = frames_[i];
  Lru& l = lru(list);
  f.list = list;
  f.prev = l.tail;
  f.next = kNone;
  (l.tail == kNone ? l.head : frames_[l.tail].next) = i;
  l.tail = i;
  ++l.size;
}

// A second use promotes a cold page; the hot list keeps 3/4 of the frames at most.
void BufferPool::touch(std::uint32_t i) {
  if (frames_[i].list == List::kHot && hot_.tail == i) return;
  unlink(i);
  push_back(List::kHot, i);
  if (hot_.size > hot_capacity_) {
    std::uint32_t oldest = hot_.head;
    unlink(oldest);
    push_back(List::kCold, oldest);
  }
}

void BufferPool::write_back(Frame& frame, std::uint32_t i) {
  if (before_write_back_) before_write_back_(pages_[i].lsn() + 1);
  frame.file->write_page(frame.page_no, pages_[i]);
  frame.dirty = false;
}

void BufferPool::forget(std::uint32_t i) {
  Frame& f = frames_[i];
  page_table_.erase(key(*f.file, f.page_no));
  f.file = nullptr;
  unlink(i);
  push_back(List::kFree, i);
}

// Adds one to a statistic that only changes under mutex_: a plain load and store rather than a
// locked add, which cost a cache hit a tenth of its time. Atomic because hits() and the others
// read it without the mutex.
void BufferPool::count_one(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

std::uint32_t BufferPool::take_frame() {
  if (free_.head != kNone) return free_.head;
  for (const Lru* l : {&cold_, &hot_}) {
    for (std::uint32_t i = l->head; i != kNone; i = frames_[i].next) {
      Frame& f = frames_[i];
      if (f.pins.load(std::memory_order_acquire) != 0) continue;
      if (f.dirty) write_back(f, i);  // on failure the page stays cached, dirty
      forget(i);
      count_one(evictions_);
      return i;
    }
  }
  throw Error(ErrorCode::kResourceExhausted,
              "buffer pool: all " + std::to_string(frames_.size()) + " frames are pinned");
}

std::uint32_t BufferPool::pin(HeapFile& file, PageNo page_no, bool read_from_disk, bool dirty) {
  std::lock_guard lock(mutex_);
  std::uint64_t k = key(file, page_no);
  if (auto it = page_table_.find(k); it != page_table_.end()) {
    Frame& f = frames_[it->second];
    f.pins.fetch_add(1, std::memory_order_relaxed);
    f.dirty = f.dirty || dirty;
    touch(it->second);
    count_one(hits_);
    return it->second;
  }
  count_one(misses_);
  std::uint32_t i = take_frame();  // on the free list now
  if (read_from_disk) {
    file.read_page(page_no, pages_[i]);  // on failure the frame just stays free
  } else {
    pages_[i] = Page();
  }
  Frame& f = frames_[i];
  f.file = &file;
  f.page_no = page_no;
  f.dirty = dirty;
  f.pins.store(1, std::memory_order_relaxed);
  page_table_.emplace(k, i);
  unlink(i);
  push_back(List::kCold, i);
  return i;
}

ReadPageGuard BufferPool::fetch_read(HeapFile& file, PageNo page_no) {
  std::uint32_t i = pin(file, page_no, true, false);
  return {&pages_[i], &frames_[i].pins, page_no};
}

WritePageGuard BufferPool::fetch_write(HeapFile& file, PageNo page_no) {
  std::uint32_t i = pin(file, page_no, true, true);
  return {&pages_[i], &frames_[i].pins, page_no};
}

WritePageGuard BufferPool::create_page(HeapFile& file, PageNo page_no) {
  std::uint32_t i = pin(file, page_no, false, true);
  return {&pages_[i], &frames_[i].pins, page_no};
}

void BufferPool::flush(HeapFile& file) {
  std::lock_guard lock(mutex_);
  for (std::uint32_t i = 0; i < frames_.size(); ++i)
    if (frames_[i].file == &file && frames_[i].dirty) write_back(frames_[i], i);
}

void BufferPool::flush_all() {
  std::lock_guard lock(mutex_);
  std::vector<std::uint32_t> dirty;
  std::uint64_t lsn_end = 0;
  for (std::uint32_t i = 0; i < frames_.size(); ++i) {
    if (frames_[i].file == nullptr || !frames_[i].dirty) continue;
    dirty.push_back(i);
    lsn_end = std::max(lsn_end, pages_[i].lsn() + 1);
  }
  if (dirty.empty()) return;
  if (before_write_back_) before_write_back_(lsn_end);
  std::sort(dirty.begin(), dirty.end(), [this](std::uint32_t a, std::uint32_t b) {
    return key(*frames_[a].file, frames_[a].page_no) < key(*frames_[b].file, frames_[b].page_no);
  });
  constexpr std::size_t kMaxRun = 64;  // 256 KiB per write
  std::vector<Page*> run;
  for (std::size_t first = 0; first < dirty.size();) {
    Frame& head = frames_[dirty[first]];
    std::size_t end = first + 1;
    while (end < dirty.size() && end - first < kMaxRun && frames_[dirty[end]].file == head.file &&
           frames_[dirty[end]].page_no == head.page_no + (end - first))
      ++end;
    run.clear();
    for (std::size_t k = first; k < end; ++k) run.push_back(&pages_[dirty[k]]);
    head.file->write_pages(head.page_no, run);
    for (std::size_t k = first; k < end; ++k) frames_[dirty[k]].dirty = false;
    first = end;
  }
}

void BufferPool::discard(HeapFile& file) {
  std::lock_guard lock(mutex_);
  for (std::uint32_t i = 0; i < frames_.size(); ++i)
    if (frames_[i].file == &file) forget(i);
}

void BufferPool::clear() {
  flush_all();
  std::lock_guard lock(mutex_);
  for (std::uint32_t i = 0; i < frames_.size(); ++i)
    if (frames_[i].file != nullptr && frames_[i].pins.load(std::memory_order_acquire) == 0)
      forget(i);
}

void BufferPool::set_before_write_back(std::function<void(std::uint64_t)> hook) {
  std::lock_guard lock(mutex_);
  before_write_back_ = std::move(hook);
}

}  // namespace heapstore
