// Heap: placement, moving updates and their log records (log_format.md, "Operations").
#include "heap.h"

#include <algorithm>
#include <cstring>
#include <limits>
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

void Heap::load(std::span<const std::uint16_t> free_space, std::uint64_t values,
                std::uint64_t bytes) {
  free_space_map_ = FreeSpaceMap();
  for (std::uint16_t free : free_space) free_space_map_.append(free);
  file_->set_page_count(static_cast<PageNo>(free_space.size()));
  live_values_ = values;
  live_bytes_ = bytes;
}

void Heap::rebuild() {
  cursor_.release();
  free_space_map_ = FreeSpaceMap();
  live_values_ = live_bytes_ = 0;
  for (PageNo p = 0; p < file_->page_count(); ++p) {
    ReadPageGuard guard = pool_.fetch_read(*file_, p);
    const Page& page = guard.page();
    free_space_map_.append(free_of(page));
    live_values_ += page.value_count();
    live_bytes_ += kPageSize - page.header_size() - page.free_space();
  }
}

// --- operations: begin, touch each page before logging its change, commit ------------------

void Heap::begin_op() {
  log_.prepare_change();  // may throw: nothing is changed yet
  op_.begin_changes(id());
  touched_.clear();
}

// Records that the operation changes page `page_no` (new to the container when `is_new`). A page
// whose last logged change precedes the last checkpoint is logged as a full image instead of
// change by change (L4), so that recovery can rebuild it whatever a torn write left on disk.
bool Heap::touch(PageNo page_no, Page& page, bool is_new) {
  if (!touched_.empty() && touched_.back().page_no == page_no) return !touched_.back().image;
  for (const Touched& t : touched_)
    if (t.page_no == page_no) return !t.image;
  bool image = !is_new && page.lsn() < log_.redo_lsn();
  touched_.push_back({page_no, &page, image});
  if (is_new) op_.init_page(page_no);
  return !image;
}

// Logs the operation and gives its pages its LSN; only then are they unpinned.
void Heap::commit_op() {
  if (!touched_.empty()) {
    for (const Touched& t : touched_)
      if (t.image) op_.image(t.page_no, *t.page);
    Lsn lsn = log_.append(op_.bytes());
    for (const Touched& t : touched_) {
      t.page->set_lsn(lsn);
      if (!is_cursor(t.page_no)) free_space_map_.set(t.page_no, free_of(*t.page));
    }
    touched_.clear();
  }
  held_.clear();
  if (!keep_cursor_) release_cursor();
}

bool Heap::is_cursor(PageNo page_no) const {
  return cursor_.holds_page() && cursor_.page_no() == page_no;
}

void Heap::release_cursor() {
  if (!cursor_.holds_page()) return;
  free_space_map_.set(cursor_.page_no(), free_of(cursor_.page()));
  cursor_.release();
}

void Heap::park_cursor() {
  if (!cursor_.holds_page()) return;
  free_space_map_.set(cursor_.page_no(), free_of(cursor_.page()));
  bool changed = std::any_of(touched_.begin(), touched_.end(),
                             [&](const Touched& t) { return t.page_no == cursor_.page_no(); });
  if (changed) {
    held_.push_back(std::move(cursor_));
  } else {
    cursor_.release();
  }
}

// Adds `value` to the cursor's page if it fits, else to a page the free-space map offers, else
// to a new page; the cursor ends on the page that took it, and `out` names the value. Throws only
// before changing anything. The caller counts the value. (`out` rather than a return value: GCC
// builds a returned ValueId through the stack, and reading it back stalled store forwarding in
// the batch loop.)
void Heap::add(std::string_view value, ValueId& out) {
  bool is_new = false;
  if (!cursor_.holds_page() || !cursor_.page().fits(value.size())) {
    park_cursor();
    if (auto page_no = free_space_map_.find(value.size())) {
      cursor_ = pool_.fetch_write(*file_, *page_no);
      if (!cursor_.page().fits(value.size())) park_cursor();
    }
    if (!cursor_.holds_page()) {
      PageNo page_no = file_->page_count();
      if (page_no == std::numeric_limits<PageNo>::max()) file_->allocate_page();  // throws
      cursor_ = pool_.create_page(*file_, page_no);
      file_->allocate_page();
      free_space_map_.append(free_of(cursor_.page()));
      is_new = true;
    }
  }
  Page& page = cursor_.page();
  const SlotId slot = *page.add_value(value);
  if (touch(cursor_.page_no(), page, is_new)) op_.add_value(cursor_.page_no(), slot, value);
  out.container = id();
  out.page = cursor_.page_no();
  out.slot = slot;
}

ValueId Heap::insert(std::string_view value) {
  begin_op();
  ValueId id;
  add(value, id);
  live_values_ += 1;
  live_bytes_ += value.size();
  commit_op();
  return id;
}

std::vector<ValueId> Heap::insert_many(std::span<const std::string_view> values) {
  std::vector<ValueId> ids(values.size());
  std::size_t added = 0;
  std::uint64_t bytes = 0;
  auto count_added = [&] {
    live_values_ += added;
    live_bytes_ += bytes;
  };
  begin_op();
  try {
    for (; added < values.size(); ++added) {
      add(values[added], ids[added]);
      bytes += values[added].size();
      if (held_.size() + 1 >= pin_limit_) {  // a piece as large as the pool allows: log it
        commit_op();
        begin_op();
      }
    }
  } catch (...) {
    count_added();
    commit_op();  // what was stored is logged, so memory and log agree
    throw;
  }
  count_added();
  commit_op();
  return ids;
}

template <typename Guard>
Guard Heap::pin_value(ValueId id, std::string_view* value) {
  if (id.page >= file_->page_count()) throw_no_value(id);
  Guard guard;
  if constexpr (std::is_same_v<Guard, ReadPageGuard>) {
    guard = pool_.fetch_read(*file_, id.page);
  } else {
    guard = pool_.fetch_write(*file_, id.page);
  }
  std::optional<std::string_view> found = guard.page().get_value(id.slot);
  if (!found) throw_no_value(id);
  *value = *found;
  return guard;
}

void Heap::get(ValueId id, std::string& out) {
  std::string_view value;
  ReadPageGuard guard = pin_value<ReadPageGuard>(id, &value);
  out.assign(value);
}

ValueId Heap::update(ValueId id, std::string_view value) {
  begin_op();
  std::string_view old_value;
  WritePageGuard guard = pin_value<WritePageGuard>(id, &old_value);
  const std::size_t old_size = old_value.size();
  Page& page = guard.page();
  ValueId result = id;
  if (page.update_value(id.slot, value) == UpdateResult::kUpdated) {
    if (touch(id.page, page, false)) op_.update_value(id.page, id.slot, value);
  } else {  // it no longer fits its page: both halves of the move are one operation
    add(value, result);
    page.delete_value(id.slot);
    if (touch(id.page, page, false)) op_.delete_value(id.page, id.slot);
  }
  live_bytes_ += value.size() - old_size;
  commit_op();
  return result;
}

void Heap::erase(ValueId id) {
  begin_op();
  std::string_view old_value;
  WritePageGuard guard = pin_value<WritePageGuard>(id, &old_value);
  const std::size_t old_size = old_value.size();
  guard.page().delete_value(id.slot);
  if (touch(id.page, guard.page(), false)) op_.delete_value(id.page, id.slot);
  live_values_ -= 1;
  live_bytes_ -= old_size;
  commit_op();
}

std::vector<std::uint16_t> Heap::free_space() const {
  std::vector<std::uint16_t> entries = free_space_map_.entries();
  if (cursor_.holds_page()) entries[cursor_.page_no()] = free_of(cursor_.page());
  return entries;
}

bool Heap::copy_page(PageNo page_no, Page& out) {
  if (page_no >= file_->page_count()) return false;
  ReadPageGuard guard = pool_.fetch_read(*file_, page_no);
  std::memcpy(out.raw().data(), guard.page().raw().data(), kPageSize);
  return true;
}

PageNo Heap::read_ahead(PageNo page_no) {
  constexpr std::size_t kReadAhead = 64;
  const auto count = static_cast<PageNo>(std::min(kReadAhead, pin_limit_));
  pool_.read_ahead(*file_, page_no, count);
  return page_no + count;
}

}  // namespace heapstore
