// One container's values: its heap file, free-space map and insert cursor; which page a value
// goes to, moving a value that outgrows its page, and what each change logs (log_format.md,
// "Operations"). A page changed by an operation stays pinned until the operation is logged and
// the page carries its LSN, so no page reaches disk ahead of its log records (L2). Internal.
//
// Two modes, chosen by the storage manager's container lock: calls marked "exclusive" run alone on
// the heap; calls marked "shared" may run together, from any threads, with each other and with
// const calls. Shared calls latch the page they use (PinnedFrame::latch), so calls on different
// pages run in parallel and calls on one page in turn (format.md, "Concurrency").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "buffer_pool.h"
#include "free_space_map.h"
#include "heap_file.h"
#include "log.h"
#include "log_record.h"

namespace heapstore {

class Heap {
 public:
  Heap(std::unique_ptr<HeapFile> file, BufferPool& pool, Log& log);

  ContainerId id() const { return file_->id(); }
  HeapFile& file() { return *file_; }
  const HeapFile& file() const { return *file_; }

  // Where a heap's saved free-space map is read from when first needed: the entries, or nothing
  // when none was saved for this checkpoint (then the map is rebuilt from the pages).
  using SavedFreeSpace = std::function<std::optional<std::vector<std::uint16_t>>()>;

  // Restores the page count and live counts from the catalog. The free-space map (saved for
  // checkpoint `free_space_seq`) is read from `saved` on first use (F4), so that opening a store
  // reads no per-page data.
  void load(PageNo pages, std::uint64_t values, std::uint64_t bytes, std::uint64_t free_space_seq,
            SavedFreeSpace saved);
  // Recomputes the free-space map and counts by reading every page (after recovery).
  void rebuild();

  // Exclusive. Stores `value` (at most kMaxValueSize bytes, checked by the caller); returns its id.
  ValueId insert(std::string_view value);
  // Exclusive. Stores each of `values`, in order; see StorageManager::insert_values for what is
  // atomic.
  std::vector<ValueId> insert_many(std::span<const std::string_view> values);
  // Shared. Copies value `id` into `out`; Error(kNotFound) when the page or slot holds none.
  void get(ValueId id, std::string& out);
  // Exclusive. Replaces value `id`, moving it to another page when it no longer fits its own (one
  // logged operation: after a crash exactly one version exists). Returns its id, new if it moved.
  ValueId update(ValueId id, std::string_view value);
  // Shared. Replaces value `id` in its own page and returns true; false, changing nothing, when
  // the new value does not fit there (then update() moves it). Error(kNotFound) when there is none.
  bool update_in_place(ValueId id, std::string_view value);
  // Shared. Deletes value `id`; Error(kNotFound) when there is none.
  void erase(ValueId id);

  // Shared. Copies page `page_no` into `out`; false when the container has no such page.
  bool copy_page(PageNo page_no, Page& out);
  // Shared. The first page from `page_no` on that may hold values (page_count() when none): the
  // free-space map knows which pages are empty, so scans skip them without reading them.
  PageNo skip_empty_pages(PageNo page_no);

  // Exclusive, with the cursor released (a checkpoint). Drops the empty pages at the end of the
  // container from the page count, the free-space map and the pool; the file keeps them until
  // HeapFile::cut_to_page_count(), which the caller runs once the catalog records the new count.
  void trim_empty_tail();
  // Shared. Reads the uncached pages among the next few from `page_no` on into the pool ahead of a
  // scan (as many as an operation may pin, up to 256 KiB); returns the first page past them.
  PageNo read_ahead(PageNo page_no);

  // Exclusive: whether an idle insert cursor stays pinned between operations; and unpinning it.
  void set_keep_cursor(bool keep) { keep_cursor_ = keep; }
  void release_cursor();

  std::uint64_t live_values() const { return live_values_.load(std::memory_order_relaxed); }
  std::uint64_t live_bytes() const { return live_bytes_.load(std::memory_order_relaxed); }
  // Exclusive. The free-space map's entries, one per page (F1), read or rebuilt first if needed.
  std::vector<std::uint16_t> free_space();
  // Exclusive (a checkpoint). The free-space map's entries when it changed since it was last
  // saved; nothing when it did not (or was never read).
  std::optional<std::vector<std::uint16_t>> free_space_to_save();
  // The checkpoint whose free-space file holds the map, and recording a new one once the catalog
  // names it.
  std::uint64_t free_space_seq() const { return free_space_seq_; }
  void free_space_saved(std::uint64_t seq);
  // Exclusive. Reads the map now and has the next checkpoint save it (a map that was inline in a
  // version 2 catalog).
  void free_space_unsaved() {
    need_free_space();
    free_space_changed();
  }

  // How many pages one operation may keep pinned before a batch is logged in pieces.
  void set_pin_limit(std::size_t pages) { pin_limit_ = std::max<std::size_t>(2, pages); }

 private:
  // A page changed by the operation under way.
  struct Touched {
    PageNo page_no;
    Page* page;
    bool image;  // logged as a full image at the end of the operation (L4)
  };
  // What the operation under way has changed. Each thread reuses its own (this_thread_op()), as
  // shared calls on one heap may run at once.
  struct Op {
    OpWriter writer;
    std::vector<Touched> touched;
    std::vector<WritePageGuard>
        held;  // pages changed, besides the cursor, kept pinned until logged
  };
  enum class Mode : bool { kExclusive, kShared };

  Op& begin_op();
  bool touch(Op& op, PageNo page_no, Page& page, bool is_new);  // whether to log changes one by one
  void commit_op(Op& op, Mode mode);
  void add(Op& op, std::string_view value, ValueId& out);
  // The cursor's own free-space entry is left stale while it takes inserts and set when it moves
  // on or is released (find() is only asked once the cursor is parked), saving a map update per
  // insert; free_space_to_save() reads the cursor's page instead.
  bool is_cursor(PageNo page_no) const;
  // By the free-space map; in shared mode the caller holds free_space_mutex_.
  bool is_empty(PageNo page_no) const;
  void set_free_space(PageNo page_no, std::uint16_t free, Mode mode);
  void park_cursor(Op& op);  // keeps the cursor's page pinned until the operation is logged
  template <typename Guard>
  Guard pin_page(ValueId id);  // Error(kNotFound) past the last page
  // A value's page pinned and latched for a change in shared mode, with the value's old size.
  struct LatchedValue {
    WritePageGuard guard;
    std::unique_lock<SharedMutex> latch;  // released first: declared after the guard
    std::size_t old_size;
  };
  LatchedValue latch_value(ValueId id);  // Error(kNotFound) when there is no such value
  // Adds `delta` (two's complement) to a count: a plain load and store in exclusive mode, where no
  // other call runs, an atomic add in shared mode.
  static void add_to(std::atomic<std::uint64_t>& count, std::uint64_t delta, Mode mode);

  std::unique_ptr<HeapFile> file_;
  BufferPool& pool_;
  Log& log_;
  // Reads the saved free-space map (or rebuilds it) unless that was done: before any use of it.
  void need_free_space() {
    if (!free_space_loaded_.load(std::memory_order_acquire)) load_free_space();
  }
  void load_free_space();
  void free_space_changed() { free_space_changed_.store(true, std::memory_order_relaxed); }

  FreeSpaceMap free_space_map_;
  std::mutex free_space_mutex_;      // guards free_space_map_ between shared calls, and loading it
  SavedFreeSpace saved_free_space_;  // until the map is read
  std::atomic<bool> free_space_loaded_{true};    // a new heap's map is empty, and complete
  std::atomic<bool> free_space_changed_{false};  // since it was last saved
  std::uint64_t free_space_seq_ = 0;             // the checkpoint whose file holds it
  WritePageGuard cursor_;                        // the page that took the last insert
  std::atomic<std::uint64_t> live_values_{0};
  std::atomic<std::uint64_t> live_bytes_{0};
  bool keep_cursor_ = false;
  std::size_t pin_limit_ = 2;
};

}  // namespace heapstore
