// Heap: placement, moving updates and their log records (log_format.md, "Operations").
#include "heap.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <type_traits>

#include "heapstore/error.h"

namespace heapstore {
namespace {

// The free-space-map entry of a page (format.md, F1).
std::uint16_t free_of(const Page& page) {
  return static_cast<std::uint16_t>(page.max_insert_size());
}

[[noreturn]] void throw_no_value(const ValueId& id) {
  throw Error(ErrorCode::kNotFound, "no value at " + to_string(id));
}

}  // namespace

Heap::Heap(std::unique_ptr<HeapFile> file, BufferPool& pool, Log& log)
    : file_(std::move(file)), pool_(pool), log_(log) {}

void Heap::load(PageNo pages, std::uint64_t values, std::uint64_t bytes,
                std::uint64_t free_space_seq, SavedFreeSpace saved) {
  file_->set_page_count(pages);
  live_values_ = values;
  live_bytes_ = bytes;
  free_space_map_ = FreeSpaceMap();
  free_space_seq_ = free_space_seq;
  saved_free_space_ = std::move(saved);
  free_space_changed_ = false;
  free_space_loaded_ = pages == 0;
}

// F4: the saved map when it is there and whole, else one entry per page read through the pool.
void Heap::load_free_space() {
  std::lock_guard lock(free_space_mutex_);
  if (free_space_loaded_.load(std::memory_order_relaxed)) return;
  std::optional<std::vector<std::uint16_t>> entries;
  if (saved_free_space_) entries = saved_free_space_();
  if (!entries) {
    entries.emplace();
    for (PageNo p = 0; p < file_->page_count(); ++p) {
      ReadPageGuard guard = pool_.fetch_read(*file_, p);
      std::shared_lock latch(guard.latch());
      entries->push_back(free_of(guard.page()));
    }
    free_space_changed();
  }
  free_space_map_ = FreeSpaceMap(*entries);
  saved_free_space_ = nullptr;
  free_space_loaded_.store(true, std::memory_order_release);
}

void Heap::rebuild() {
  cursor_.release();
  std::vector<std::uint16_t> entries;
  std::uint64_t values = 0, bytes = 0;
  for (PageNo p = 0; p < file_->page_count(); ++p) {
    ReadPageGuard guard = pool_.fetch_read(*file_, p);
    const Page& page = guard.page();
    entries.push_back(free_of(page));
    values += page.value_count();
    bytes += kPageSize - page.header_size() - page.free_space();
  }
  free_space_map_ = FreeSpaceMap(entries);
  saved_free_space_ = nullptr;
  free_space_loaded_ = true;
  free_space_changed();
  live_values_ = values;
  live_bytes_ = bytes;
}

void Heap::add_to(std::atomic<std::uint64_t>& count, std::uint64_t delta, Mode mode) {
  if (delta == 0) return;  // a same-size update: no write to a line all threads share
  if (mode == Mode::kShared) {
    count.fetch_add(delta, std::memory_order_relaxed);
  } else {
    count.store(count.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }
}

// --- operations: begin, touch each page before logging its change, commit ------------------

Heap::Op& Heap::begin_op() {
  thread_local Op op;
  need_free_space();      // before any page is latched: loading it may read pages
  log_.prepare_change();  // may throw: nothing is changed yet
  op.writer.begin_changes(id());
  op.touched.clear();
  return op;
}

// Records that the operation changes page `page_no` (new to the container when `is_new`). A page
// whose last logged change precedes the last checkpoint is logged as a full image instead of
// change by change (L4), so that recovery can rebuild it whatever a torn write left on disk.
bool Heap::touch(Op& op, PageNo page_no, Page& page, bool is_new) {
  if (!op.touched.empty() && op.touched.back().page_no == page_no) return !op.touched.back().image;
  for (const Touched& t : op.touched)
    if (t.page_no == page_no) return !t.image;
  bool image = !is_new && page.lsn() < log_.redo_lsn();
  op.touched.push_back({page_no, &page, image});
  if (is_new) op.writer.init_page(page_no);
  return !image;
}

// Logs the operation and gives its pages its LSN; only then are they unpinned (and, in shared
// mode, unlatched by the caller).
void Heap::commit_op(Op& op, Mode mode) {
  if (!op.touched.empty()) {
    for (const Touched& t : op.touched)
      if (t.image) op.writer.image(t.page_no, *t.page);
    Lsn lsn = log_.append(op.writer.bytes());
    for (const Touched& t : op.touched) {
      t.page->set_lsn(lsn);
      if (!is_cursor(t.page_no)) set_free_space(t.page_no, free_of(*t.page), mode);
    }
    op.touched.clear();
  }
  op.held.clear();
  if (mode == Mode::kExclusive && !keep_cursor_) release_cursor();
}

// A page's own entry is only changed by calls that hold the page (latched, in shared mode), so
// it can be compared without the mutex; the tree above it is shared by all pages.
void Heap::set_free_space(PageNo page_no, std::uint16_t free, Mode mode) {
  if (free_space_map_.get(page_no) == free) return;  // a same-size update
  std::unique_lock lock(free_space_mutex_, std::defer_lock);
  if (mode == Mode::kShared) lock.lock();
  free_space_map_.set(page_no, free);
  free_space_changed();
}

bool Heap::is_cursor(PageNo page_no) const {
  return cursor_.holds_page() && cursor_.page_no() == page_no;
}

void Heap::release_cursor() {
  if (!cursor_.holds_page()) return;
  free_space_map_.set(cursor_.page_no(), free_of(cursor_.page()));
  free_space_changed();
  cursor_.release();
}

void Heap::park_cursor(Op& op) {
  if (!cursor_.holds_page()) return;
  free_space_map_.set(cursor_.page_no(), free_of(cursor_.page()));
  free_space_changed();
  bool changed = std::any_of(op.touched.begin(), op.touched.end(),
                             [&](const Touched& t) { return t.page_no == cursor_.page_no(); });
  if (changed) {
    op.held.push_back(std::move(cursor_));
  } else {
    cursor_.release();
  }
}

// Adds `value` to the cursor's page if it fits, else to a page the free-space map offers, else
// to a new page; the cursor ends on the page that took it, and `out` names the value. Throws only
// before changing anything. The caller counts the value. (`out` rather than a return value: GCC
// builds a returned ValueId through the stack, and reading it back stalled store forwarding in
// the batch loop.)
void Heap::add(Op& op, std::string_view value, ValueId& out) {
  bool is_new = false;
  if (!cursor_.holds_page() || !cursor_.page().fits(value.size())) {
    park_cursor(op);
    if (auto page_no = free_space_map_.find(value.size())) {
      cursor_ = pool_.fetch_write(*file_, *page_no);
      if (!cursor_.page().fits(value.size())) park_cursor(op);
    }
    if (!cursor_.holds_page()) {
      PageNo page_no = file_->page_count();
      if (page_no == std::numeric_limits<PageNo>::max()) file_->allocate_page();  // throws
      cursor_ = pool_.create_page(*file_, page_no);
      file_->allocate_page();
      free_space_map_.append(free_of(cursor_.page()));
      free_space_changed();
      is_new = true;
    }
  }
  Page& page = cursor_.page();
  const SlotId slot = *page.add_value(value);
  if (touch(op, cursor_.page_no(), page, is_new))
    op.writer.add_value(cursor_.page_no(), slot, value);
  out.container = id();
  out.page = cursor_.page_no();
  out.slot = slot;
}

ValueId Heap::insert(std::string_view value) {
  Op& op = begin_op();
  ValueId id;
  add(op, value, id);
  add_to(live_values_, 1, Mode::kExclusive);
  add_to(live_bytes_, value.size(), Mode::kExclusive);
  commit_op(op, Mode::kExclusive);
  return id;
}

std::vector<ValueId> Heap::insert_many(std::span<const std::string_view> values) {
  std::vector<ValueId> ids(values.size());
  std::size_t added = 0;
  std::uint64_t bytes = 0;
  auto count_added = [&] {
    add_to(live_values_, added, Mode::kExclusive);
    add_to(live_bytes_, bytes, Mode::kExclusive);
    added = bytes = 0;
  };
  Op* op = &begin_op();
  std::size_t done = 0;
  try {
    for (; done < values.size(); ++done) {
      add(*op, values[done], ids[done]);
      ++added;
      bytes += values[done].size();
      if (op->held.size() + 1 >= pin_limit_) {  // a piece as large as the pool allows: log it
        count_added();
        commit_op(*op, Mode::kExclusive);
        op = &begin_op();
      }
    }
  } catch (...) {
    count_added();
    commit_op(*op, Mode::kExclusive);  // what was stored is logged, so memory and log agree
    throw;
  }
  count_added();
  commit_op(*op, Mode::kExclusive);
  return ids;
}

template <typename Guard>
Guard Heap::pin_page(ValueId id) {
  if (id.page >= file_->page_count()) throw_no_value(id);
  if constexpr (std::is_same_v<Guard, ReadPageGuard>) {
    return pool_.fetch_read(*file_, id.page);
  } else {
    return pool_.fetch_write(*file_, id.page);
  }
}

void Heap::get(ValueId id, std::string& out) {
  ReadPageGuard guard = pin_page<ReadPageGuard>(id);
  std::shared_lock latch(guard.latch());
  std::optional<std::string_view> value = guard.page().get_value(id.slot);
  if (!value) throw_no_value(id);
  out.assign(*value);
}

ValueId Heap::update(ValueId id, std::string_view value) {
  Op& op = begin_op();
  WritePageGuard guard = pin_page<WritePageGuard>(id);
  Page& page = guard.page();
  std::optional<std::string_view> old_value = page.get_value(id.slot);
  if (!old_value) throw_no_value(id);
  const std::size_t old_size = old_value->size();
  ValueId result = id;
  if (page.update_value(id.slot, value) == UpdateResult::kUpdated) {
    if (touch(op, id.page, page, false)) op.writer.update_value(id.page, id.slot, value);
  } else {  // it no longer fits its page: both halves of the move are one operation
    add(op, value, result);
    page.delete_value(id.slot);
    if (touch(op, id.page, page, false)) op.writer.delete_value(id.page, id.slot);
  }
  add_to(live_bytes_, value.size() - old_size, Mode::kExclusive);
  commit_op(op, Mode::kExclusive);
  return result;
}

// Pins and latches (exclusively) the page of value `id` for a shared-mode change.
Heap::LatchedValue Heap::latch_value(ValueId id) {
  LatchedValue v{pin_page<WritePageGuard>(id), {}, 0};
  v.latch = std::unique_lock(v.guard.latch());
  std::optional<std::string_view> old_value = v.guard.page().get_value(id.slot);
  if (!old_value) throw_no_value(id);
  v.old_size = old_value->size();
  return v;
}

bool Heap::update_in_place(ValueId id, std::string_view value) {
  Op& op = begin_op();
  LatchedValue v = latch_value(id);
  Page& page = v.guard.page();
  if (page.update_value(id.slot, value) != UpdateResult::kUpdated) return false;
  if (touch(op, id.page, page, false)) op.writer.update_value(id.page, id.slot, value);
  add_to(live_bytes_, value.size() - v.old_size, Mode::kShared);
  commit_op(op, Mode::kShared);
  return true;
}

void Heap::erase(ValueId id) {
  Op& op = begin_op();
  LatchedValue v = latch_value(id);
  Page& page = v.guard.page();
  page.delete_value(id.slot);
  if (touch(op, id.page, page, false)) op.writer.delete_value(id.page, id.slot);
  add_to(live_values_, std::uint64_t(0) - 1, Mode::kShared);
  add_to(live_bytes_, std::uint64_t(0) - v.old_size, Mode::kShared);
  commit_op(op, Mode::kShared);
}

std::vector<std::uint16_t> Heap::free_space() {
  need_free_space();
  std::vector<std::uint16_t> entries = free_space_map_.entries();
  if (cursor_.holds_page()) entries[cursor_.page_no()] = free_of(cursor_.page());
  return entries;
}

std::optional<std::vector<std::uint16_t>> Heap::free_space_to_save() {
  if (!free_space_loaded_ || !free_space_changed_) return std::nullopt;
  return free_space();
}

void Heap::free_space_saved(std::uint64_t seq) {
  free_space_seq_ = seq;
  free_space_changed_ = false;
}

bool Heap::copy_page(PageNo page_no, Page& out) {
  if (page_no >= file_->page_count()) return false;
  ReadPageGuard guard = pool_.fetch_read(*file_, page_no);
  std::shared_lock latch(guard.latch());
  std::memcpy(out.raw().data(), guard.page().raw().data(), kPageSize);
  return true;
}

// Empty pages split the window into runs, so that they are not read either (F3).
PageNo Heap::read_ahead(PageNo page_no) {
  need_free_space();
  constexpr std::size_t kReadAhead = 64;
  const auto end = static_cast<PageNo>(std::min<std::uint64_t>(
      std::uint64_t{page_no} + std::min(kReadAhead, pin_limit_), file_->page_count()));
  std::vector<std::pair<PageNo, PageNo>> runs;  // [first, end) of pages that may hold values
  {
    std::lock_guard lock(free_space_mutex_);
    for (PageNo p = page_no; p < end; ++p) {
      if (is_empty(p)) continue;
      if (runs.empty() || runs.back().second != p) runs.emplace_back(p, p);
      ++runs.back().second;
    }
  }
  for (auto [first, last] : runs) pool_.read_ahead(*file_, first, last - first);
  return end;
}

bool Heap::is_empty(PageNo page_no) const {
  return !is_cursor(page_no) && free_space_map_.get(page_no) == Page::kMaxValueSize;
}

// F3: an entry of kMaxValueSize is a page without values.
PageNo Heap::skip_empty_pages(PageNo page_no) {
  need_free_space();
  const PageNo count = file_->page_count();
  std::lock_guard lock(free_space_mutex_);
  while (page_no < count && is_empty(page_no)) ++page_no;
  return page_no;
}

// H4: the caller writes the catalog with the new count, then cuts the file.
void Heap::trim_empty_tail() {
  if (!free_space_loaded_) return;  // unchanged since the store was opened
  PageNo count = file_->page_count();
  while (count > 0 && is_empty(count - 1)) --count;
  if (count == file_->page_count()) return;
  pool_.discard(*file_, count);
  free_space_map_.truncate(count);
  free_space_changed();
  file_->set_page_count(count);
}

}  // namespace heapstore
