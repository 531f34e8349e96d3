// BufferPool: frames, a sharded page table and eviction in two lists (format.md, "Buffer pool").
// A page enters the cold list when loaded; a hit only counts its use in the frame. The eviction
// hand takes frames from the head of the cold list: one used again moves to the hot list, any
// other is the victim. So pages touched once (a scan) leave before pages in use, and a hit writes
// no shared list.
#include "buffer_pool.h"

#include <sys/mman.h>

#include <algorithm>
#include <thread>

#include "heapstore/error.h"

namespace heapstore {

namespace detail {
PinnedFrame& PinnedFrame::operator=(PinnedFrame&& other) noexcept {
  if (this != &other) {
    release();
    page_ = std::exchange(other.page_, nullptr);
    pins_ = std::exchange(other.pins_, nullptr);
    latch_ = other.latch_;
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
      shards_(std::make_unique<Shard[]>(kShards)),
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
  for (std::size_t s = 0; s < kShards; ++s) shards_[s].table = PageTable(frame_count / kShards);
  for (std::uint32_t i = 0; i < frame_count; ++i) push_back(List::kFree, i);
}

BufferPool::~BufferPool() = default;

void BufferPool::UnmapFrames::operator()(Page* pages) const { ::munmap(pages, bytes); }

std::uint64_t BufferPool::key(const HeapFile& file, PageNo page_no) {
  return (std::uint64_t{file.id()} << 32) | page_no;
}

// Adjacent pages of a file go to different shards, so a scan and a writer of neighbouring pages
// do not meet on one mutex.
BufferPool::Shard& BufferPool::shard_of(std::uint64_t key) {
  const auto page_no = static_cast<std::uint32_t>(key);
  const auto file = static_cast<std::uint32_t>(key >> 32);
  return shards_[(page_no + file * 0x9E3779B1u) % kShards];
}

std::uint64_t BufferPool::sum(std::atomic<std::uint64_t> Shard::*counter) const {
  std::uint64_t total = 0;
  for (std::size_t s = 0; s < kShards; ++s)
    total += (shards_[s].*counter).load(std::memory_order_relaxed);
  return total;
}

// Adds one to a statistic that only changes under its shard's mutex: a plain load and store
// rather than a locked add. Atomic because hits() and the others read it without the mutex.
void BufferPool::count_one(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// --- lists (evict_mutex_) --------------------------------------------------------------------

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

// A second use moves a page to the hot list, which keeps 3/4 of the frames at most: past that,
// its head goes back to the cold list, after a second chance when it was used meanwhile (B4).
void BufferPool::promote(std::uint32_t i) {
  frames_[i].uses.store(kUsedOnce, std::memory_order_relaxed);
  unlink(i);
  push_back(List::kHot, i);
  for (std::size_t turns = 0; hot_.size > hot_capacity_ && turns <= hot_.size; ++turns) {
    std::uint32_t oldest = hot_.head;
    Frame& f = frames_[oldest];
    const bool used = f.uses.exchange(kUsedOnce, std::memory_order_relaxed) == kUsedAgain;
    unlink(oldest);
    push_back(used ? List::kHot : List::kCold, oldest);
  }
}

// The frame at the head of the cold list, moved to its tail (whatever becomes of it, it has been
// examined); the hot list's head instead when the cold list is empty or `from_hot`.
std::uint32_t BufferPool::next_candidate(bool from_hot) {
  const bool hot = hot_.head != kNone && (from_hot || cold_.head == kNone);
  const std::uint32_t i = hot ? hot_.head : cold_.head;
  unlink(i);
  push_back(List::kCold, i);
  return i;
}

// --- claiming a frame: free, or a victim evicted --------------------------------------------

// Returns a frame with no page, holding kBusy and nothing else, for the caller to install a page
// in (B2). A dirty victim is written back, with the dirty pages after it, holding no lock. When
// only frames busy with I/O are left, waits for them if `wait_for_busy` (the caller holds no busy
// frame of its own), else throws Error(kResourceExhausted) as when all are pinned.
std::uint32_t BufferPool::claim_frame(bool wait_for_busy) {
  for (;;) {
    std::uint64_t victim_key = kNoKey;
    const std::uint32_t i = claim_victim(&victim_key);
    if (i == kNone) {  // every frame pinned or busy: other threads' loads and write-backs end soon
      if (!wait_for_busy)
        throw Error(ErrorCode::kResourceExhausted, "buffer pool: every frame pinned or busy");
      std::this_thread::yield();
      continue;
    }
    if (victim_key == kNoKey || finish_eviction(i, victim_key)) return i;
  }
}

// Under evict_mutex_: a free frame, or the first unpinned frame not used again that the hand
// meets, claimed with kBusy under its shard mutex (B1). A clean victim leaves the page table at
// once; a dirty one stays in it, busy, with its key in `*key` for finish_eviction. kNone when only
// frames busy with another thread's I/O could be had; throws Error(kResourceExhausted) when every
// frame is pinned.
std::uint32_t BufferPool::claim_victim(std::uint64_t* key) {
  std::lock_guard lock(evict_mutex_);
  if (free_.head != kNone) {
    const std::uint32_t i = free_.head;
    unlink(i);
    push_back(List::kCold, i);
    frames_[i].pins.store(kBusy, std::memory_order_relaxed);
    return i;
  }
  std::size_t pinned_in_a_row = 0;  // past the cold list's size: look in the hot list
  bool busy_seen = false;
  for (std::size_t step = 0; step < 4 * frames_.size() + 4; ++step) {
    const std::uint32_t i = next_candidate(pinned_in_a_row >= cold_.size);
    Frame& f = frames_[i];
    if (const std::uint32_t pins = f.pins.load(std::memory_order_acquire); pins != 0) {
      ++pinned_in_a_row;
      busy_seen = busy_seen || (pins & kBusy) != 0;
      continue;
    }
    pinned_in_a_row = 0;
    if (f.uses.load(std::memory_order_relaxed) == kUsedAgain) {
      promote(i);
      continue;
    }
    const std::uint64_t k = f.key.load(std::memory_order_acquire);
    if (k == kNoKey) {  // emptied by a failed load or a discard
      std::uint32_t idle = 0;
      if (!f.pins.compare_exchange_strong(idle, kBusy, std::memory_order_acquire)) continue;
      if (f.key.load(std::memory_order_acquire) == kNoKey) return i;
      release_busy(f);  // a page arrived meanwhile and is in use again
      continue;
    }
    Shard& shard = shard_of(k);
    std::lock_guard shard_lock(shard.mutex);
    std::uint32_t idle = 0;
    if (f.key.load(std::memory_order_relaxed) != k ||
        !f.pins.compare_exchange_strong(idle, kBusy, std::memory_order_acquire))
      continue;
    if (f.dirty.load(std::memory_order_relaxed)) {
      *key = k;
      return i;
    }
    unmap(shard, f, k);
    count_one(shard.evictions);
    return i;
  }
  if (busy_seen) return kNone;
  throw Error(ErrorCode::kResourceExhausted,
              "buffer pool: all " + std::to_string(frames_.size()) + " frames are pinned");
}

// Writes back the claimed dirty frame `i` (page `key`) and the dirty unpinned pages right after
// it, in one call, then takes `i` out of the page table (B3). False when somebody pinned `i`
// meanwhile (they waited for kBusy): it stays cached, clean now, and the caller looks for another
// victim.
bool BufferPool::finish_eviction(std::uint32_t i, std::uint64_t key) {
  Frame& f = frames_[i];
  std::vector<std::uint32_t> run = dirty_run_after(i, key);
  try {
    write_runs(run);
  } catch (...) {
    for (std::uint32_t r : run) release_busy(frames_[r]);
    throw;  // on failure the pages stay cached, dirty
  }
  for (std::size_t r = 1; r < run.size(); ++r) release_busy(frames_[run[r]]);
  Shard& shard = shard_of(key);
  std::unique_lock lock(shard.mutex);
  if ((f.pins.load(std::memory_order_acquire) & kPinMask) != 0) {
    lock.unlock();
    release_busy(f);
    return false;
  }
  unmap(shard, f, key);
  count_one(shard.evictions);
  return true;
}

// `i` (claimed) followed by the pages after it that are cached, dirty and unpinned, each claimed
// with kBusy, up to one write of kMaxRun pages.
std::vector<std::uint32_t> BufferPool::dirty_run_after(std::uint32_t i, std::uint64_t key) {
  // 128 KiB per write; at most 1/8 of the frames busy with one write-back.
  const std::size_t max_run = std::clamp<std::size_t>(frames_.size() / 8, 1, 32);
  std::vector<std::uint32_t> run{i};
  while (run.size() < max_run && static_cast<std::uint32_t>(key + run.size()) != 0) {
    const std::uint64_t next = key + run.size();
    Shard& shard = shard_of(next);
    std::lock_guard lock(shard.mutex);
    const std::uint32_t n = shard.table.find(next);
    if (n == kNone || !frames_[n].dirty.load(std::memory_order_relaxed)) break;
    std::uint32_t idle = 0;
    if (!frames_[n].pins.compare_exchange_strong(idle, kBusy, std::memory_order_acquire)) break;
    run.push_back(n);
  }
  return run;
}

// --- pinning ---------------------------------------------------------------------------------

std::uint32_t BufferPool::pin(HeapFile& file, PageNo page_no, Fill fill) {
  const std::uint64_t k = key(file, page_no);
  Shard& shard = shard_of(k);
  for (;;) {
    std::unique_lock lock(shard.mutex);
    if (const std::uint32_t i = shard.table.find(k); i != kNone) {
      count_one(shard.hits);
      Frame& f = frames_[i];
      const std::uint32_t before = f.pins.fetch_add(1, std::memory_order_acquire);
      lock.unlock();
      if ((before & kBusy) != 0 && !wait_until_loaded(f, k)) continue;
      if (const std::uint8_t uses = f.uses.load(std::memory_order_relaxed); uses != kUsedAgain)
        f.uses.store(uses + 1, std::memory_order_relaxed);
      if (fill != Fill::kRead) f.dirty.store(true, std::memory_order_relaxed);
      return i;
    }
    lock.unlock();
    const std::uint32_t i = enter_page(file, k, kBusy | 1, kUsedOnce, fill != Fill::kRead, true);
    if (i == kNone) continue;  // another thread entered it meanwhile
    try {
      if (fill == Fill::kCreate) {
        pages_[i] = Page();
      } else {
        file.read_page(page_no, pages_[i]);
      }
    } catch (...) {
      abandon(i, k, 1);
      throw;
    }
    release_busy(frames_[i]);
    return i;
  }
}

// Takes page `k` out of the table and frame `f` (claimed); the caller holds `shard`'s mutex (B1).
void BufferPool::unmap(Shard& shard, Frame& f, std::uint64_t k) {
  shard.table.erase(k);
  f.key.store(kNoKey, std::memory_order_relaxed);
  f.file = nullptr;
  f.dirty.store(false, std::memory_order_relaxed);
}

// A miss: claims a frame and enters page `k` of `file` in the table with it, holding `pins`
// (kBusy among them, B2), `uses`, and dirty when `dirty`, for the caller to load. kNone, claiming
// nothing, when another thread entered the page meanwhile. Called and returns without k's shard
// mutex; `wait_for_busy` as for claim_frame.
std::uint32_t BufferPool::enter_page(HeapFile& file, std::uint64_t k, std::uint32_t pins,
                                     std::uint8_t uses, bool dirty, bool wait_for_busy) {
  const std::uint32_t i = claim_frame(wait_for_busy);
  Shard& shard = shard_of(k);
  std::unique_lock lock(shard.mutex);
  if (shard.table.find(k) != kNone) {
    lock.unlock();
    release_busy(frames_[i]);
    return kNone;
  }
  count_one(shard.misses);
  Frame& f = frames_[i];
  f.file = &file;
  f.uses.store(uses, std::memory_order_relaxed);
  f.dirty.store(dirty, std::memory_order_relaxed);
  f.key.store(k, std::memory_order_relaxed);
  f.pins.store(pins, std::memory_order_relaxed);
  shard.table.insert(k, i);
  return i;
}

// A load of page `k` into claimed frame `i`, where the loader holds `own_pins` pins, failed: the
// page leaves the table, and threads that pinned it meanwhile wake up, see the frame empty and
// try again.
void BufferPool::abandon(std::uint32_t i, std::uint64_t k, std::uint32_t own_pins) {
  Frame& f = frames_[i];
  {
    std::lock_guard lock(shard_of(k).mutex);
    unmap(shard_of(k), f, k);
  }
  f.pins.fetch_sub(own_pins, std::memory_order_relaxed);
  release_busy(f);
}

// Called holding a pin on frame `f` that was busy: waits until the thread holding kBusy is done
// (B2). Returns whether `f` still holds page `k`; if not, the pin is given back.
bool BufferPool::wait_until_loaded(Frame& f, std::uint64_t k) {
  for (std::uint32_t now = f.pins.load(std::memory_order_acquire); (now & kBusy) != 0;
       now = f.pins.load(std::memory_order_acquire)) {
    if ((now & kWaiters) == 0 &&
        !f.pins.compare_exchange_weak(now, now | kWaiters, std::memory_order_relaxed))
      continue;
    f.pins.wait(now | kWaiters, std::memory_order_acquire);
  }
  if (f.key.load(std::memory_order_acquire) == k) return true;
  f.pins.fetch_sub(1, std::memory_order_release);
  return false;
}

void BufferPool::release_busy(Frame& f) {
  if (f.pins.fetch_and(~(kBusy | kWaiters), std::memory_order_release) & kWaiters)
    f.pins.notify_all();
}

ReadPageGuard BufferPool::fetch_read(HeapFile& file, PageNo page_no) {
  std::uint32_t i = pin(file, page_no, Fill::kRead);
  return {&pages_[i], &frames_[i].pins, &frames_[i].latch, page_no};
}

WritePageGuard BufferPool::fetch_write(HeapFile& file, PageNo page_no) {
  std::uint32_t i = pin(file, page_no, Fill::kWrite);
  return {&pages_[i], &frames_[i].pins, &frames_[i].latch, page_no};
}

WritePageGuard BufferPool::create_page(HeapFile& file, PageNo page_no) {
  std::uint32_t i = pin(file, page_no, Fill::kCreate);
  return {&pages_[i], &frames_[i].pins, &frames_[i].latch, page_no};
}

// --- read-ahead ------------------------------------------------------------------------------

// B5: runs of uncached pages, one read each.
void BufferPool::read_ahead(HeapFile& file, PageNo first, PageNo count) {
  constexpr std::size_t kMaxRun = 64;  // 256 KiB per read
  const auto end =
      static_cast<PageNo>(std::min<std::uint64_t>(std::uint64_t{first} + count, file.page_count()));
  std::vector<std::uint32_t> run;
  PageNo p = first;
  try {
    while (p < end) {
      run.clear();
      std::uint32_t i = kNone;
      while (p + run.size() < end && run.size() < kMaxRun &&
             install_ahead(file, static_cast<PageNo>(p + run.size()), &i))
        run.push_back(i);
      if (run.empty()) {  // cached already
        ++p;
        continue;
      }
      load_run(file, p, run);
      p += static_cast<PageNo>(run.size());
    }
  } catch (const Error&) {
    load_run(file, p, run);  // what was claimed before the pool ran out of frames
  }
}

// Claims a frame and installs page `page_no` of `file` in it, busy and unused, for read-ahead;
// false, claiming nothing, when the page is cached already.
bool BufferPool::install_ahead(HeapFile& file, PageNo page_no, std::uint32_t* frame) {
  const std::uint64_t k = key(file, page_no);
  Shard& shard = shard_of(k);
  {
    std::lock_guard lock(shard.mutex);
    if (shard.table.find(k) != kNone) return false;
  }
  // This thread may hold busy frames of its own: it must not wait for busy ones.
  *frame = enter_page(file, k, kBusy, kUnused, false, false);
  return *frame != kNone;
}

// Reads pages first, first + 1, ... into the busy frames of `run` with one read; a page that
// cannot be read, or is damaged, leaves the pool for fetch_read to report.
void BufferPool::load_run(HeapFile& file, PageNo first, const std::vector<std::uint32_t>& run) {
  if (run.empty()) return;
  std::vector<Page*> pages;
  for (std::uint32_t i : run) pages.push_back(&pages_[i]);
  std::vector<HeapFile::PageState> states(run.size(), HeapFile::PageState::kDamaged);
  try {
    file.load_pages(first, pages, states);
  } catch (const Error&) {
    // every state stays kDamaged
  }
  for (std::size_t r = 0; r < run.size(); ++r) {
    if (states[r] == HeapFile::PageState::kDamaged) {
      abandon(run[r], key(file, static_cast<PageNo>(first + r)), 0);
    } else {
      release_busy(frames_[run[r]]);
    }
  }
}

// --- writing back and dropping ---------------------------------------------------------------

// Writes dirty `frames` (each held still by the caller: claimed, or the pool is the caller's
// alone) sorted by file and page, adjacent pages in one write, after the log hook; marks them
// clean.
void BufferPool::write_runs(std::vector<std::uint32_t> frames) {
  if (frames.empty()) return;
  std::uint64_t lsn_end = 0;
  for (std::uint32_t i : frames) lsn_end = std::max(lsn_end, pages_[i].lsn() + 1);
  if (before_write_back_) before_write_back_(lsn_end);
  auto key_of = [this](std::uint32_t i) { return frames_[i].key.load(std::memory_order_relaxed); };
  std::sort(frames.begin(), frames.end(),
            [&](std::uint32_t a, std::uint32_t b) { return key_of(a) < key_of(b); });
  constexpr std::size_t kMaxRun = 64;  // 256 KiB per write
  std::vector<Page*> run;
  for (std::size_t first = 0; first < frames.size();) {
    const std::uint64_t head = key_of(frames[first]);
    std::size_t end = first + 1;
    while (end < frames.size() && end - first < kMaxRun &&
           key_of(frames[end]) == head + (end - first))
      ++end;
    run.clear();
    for (std::size_t k = first; k < end; ++k) run.push_back(&pages_[frames[k]]);
    frames_[frames[first]].file->write_pages(static_cast<PageNo>(head), run);
    for (std::size_t k = first; k < end; ++k)
      frames_[frames[k]].dirty.store(false, std::memory_order_relaxed);
    first = end;
  }
}

void BufferPool::flush(HeapFile& file) { write_dirty(&file); }

void BufferPool::flush_all() { write_dirty(nullptr); }

// Writes back the dirty pages of `only`, or of every file when nullptr (the pool is the caller's).
void BufferPool::write_dirty(const HeapFile* only) {
  std::vector<std::uint32_t> dirty;
  for (std::uint32_t i = 0; i < frames_.size(); ++i) {
    const Frame& f = frames_[i];
    if (f.file != nullptr && (only == nullptr || f.file == only) &&
        f.dirty.load(std::memory_order_relaxed))
      dirty.push_back(i);
  }
  write_runs(std::move(dirty));
}

// Empties unpinned frame `i`, which no other thread may be using, onto the free list.
void BufferPool::drop(std::uint32_t i) {
  Frame& f = frames_[i];
  const std::uint64_t k = f.key.load(std::memory_order_relaxed);
  if (k != kNoKey) {
    std::lock_guard lock(shard_of(k).mutex);
    unmap(shard_of(k), f, k);
  }
  unlink(i);
  push_back(List::kFree, i);
}

// A page of `file` may be busy being written back by another thread's eviction: that is waited
// for (claiming the frame), so that no write reaches the file after it is gone.
void BufferPool::discard(HeapFile& file, PageNo first) {
  std::lock_guard lock(evict_mutex_);
  for (std::uint32_t i = 0; i < frames_.size(); ++i) {
    Frame& f = frames_[i];
    for (;;) {
      const std::uint64_t k = f.key.load(std::memory_order_acquire);
      if (k == kNoKey || (k >> 32) != file.id() || static_cast<PageNo>(k) < first) break;
      std::uint32_t idle = 0;
      if (f.pins.compare_exchange_strong(idle, kBusy, std::memory_order_acquire)) {
        if (f.key.load(std::memory_order_acquire) == k) drop(i);
        release_busy(f);
        break;
      }
      std::this_thread::yield();  // an eviction writing it back finishes without evict_mutex_
    }
  }
}

void BufferPool::clear() {
  flush_all();
  std::lock_guard lock(evict_mutex_);
  for (std::uint32_t i = 0; i < frames_.size(); ++i)
    if (frames_[i].list != List::kFree && frames_[i].pins.load(std::memory_order_acquire) == 0)
      drop(i);
}

void BufferPool::set_before_write_back(std::function<void(std::uint64_t)> hook) {
  before_write_back_ = std::move(hook);
}

}  // namespace heapstore
