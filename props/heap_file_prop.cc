// Model-based property of heapstore::Heap (engine/src/heap.h), the layer that places one
// container's values, over its HeapFile in a temporary directory, a BufferPool of 3-8 frames (so
// nearly every access evicts) and a Log made durable before any page is written back (L2). The
// model maps handles to values; the harness keeps the ids the heap returns. After every change:
// each free-space entry equals its page's max_insert_size() (format.md F1), pages are valid
// (P1-P7), the live counts match, and a scan (Heap::copy_page) yields the model's values in order.
// A value goes to a new page only when no page had room (F1: freed space is reused). Reloads
// (Heap::load of what a clean close keeps, or Heap::rebuild) are checked the same way, then probed
// with an insert that must reuse space. Held guards must keep showing their own pages.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "buffer_pool.h"
#include "heap.h"
#include "heap_file.h"
#include "heapstore/file.h"
#include "log.h"
#include "test_support.h"
#include "value_gen.h"

namespace heapstore::props {
namespace {

using Handle = std::uint32_t;
constexpr ContainerId kContainer = 1;

struct HeapModel {
  std::map<Handle, Value> values;
  Handle next_handle = 0;
};

// The heap under test with its file, pool and log, and the ids its values got.
class Sut {
 public:
  Sut(std::size_t frames, bool keep_cursor)
      : keep_cursor_(keep_cursor),
        log_(default_file_system(), dir_.path(), Durability::kNone),
        pool_(frames) {
    log_.start_file(1, 0);
    pool_.set_before_write_back([this](std::uint64_t end) { log_.make_durable(end); });
    reload(false);
  }
  ~Sut() {  // no frame may name the file once the heap is gone
    heap_->release_cursor();
    pool_.discard(heap_->file());
  }

  Heap& heap() { return *heap_; }
  BufferPool& pool() { return pool_; }
  Log& log() { return log_; }
  std::map<Handle, ValueId> ids;         // where each handle's value is now
  int guards_held_across_evictions = 0;  // HoldGuards commands during which frames were evicted
  std::vector<std::size_t> rooms;        // max_insert_size() of each page at the last check()

  // Runs `change` (an insert or update of a value of `size` bytes) and checks where it put the
  // value: on a new page only when no page had room as the last check() saw the pages (not as
  // the free-space map says, so that this check stands apart from F1's).
  template <typename Change>
  ValueId placed(std::size_t size, Change&& change) {
    RC_ASSERT(rooms.size() == heap_->file().page_count());
    const ValueId id = change();
    RC_ASSERT(id.container == kContainer && id.page <= rooms.size());
    const std::size_t lookup = std::max<std::size_t>(size, 1);  // as FreeSpaceMap::find
    if (id.page == rooms.size() && std::ranges::any_of(rooms, [&](auto r) { return r >= lookup; }))
      RC_FAIL(std::to_string(size) + " bytes went to new page " + std::to_string(id.page) +
              " although a page had room (F1: freed space is reused)");
    return id;
  }
  // F1, P1-P7, the live counts and a scan against `m`, the model after the last command.
  void check(const HeapModel& m);
  // Closes the heap as a clean close does (if open) and opens it again: with the entries and
  // counts it had (as the catalog keeps them) when `clean`, else rebuilt from the pages.
  void reload(bool clean);

 private:
  testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/c1.heap";
  const bool keep_cursor_;
  Log log_;
  BufferPool pool_;  // outlives heap_, whose cursor pins one of its frames
  std::unique_ptr<Heap> heap_;
};

void Sut::reload(bool clean) {
  std::vector<std::uint16_t> entries;
  std::uint64_t values = 0, bytes = 0;
  if (heap_) {
    entries = heap_->free_space();
    values = heap_->live_values();
    bytes = heap_->live_bytes();
    heap_->release_cursor();
    pool_.flush(heap_->file());
    pool_.discard(heap_->file());
    heap_.reset();
  }
  std::unique_ptr<File> raw = default_file_system().open(path_, true);
  const PageNo pages = HeapFile::pages_in(*raw);
  RC_ASSERT(pages == entries.size());  // a clean close wrote every page (H1)
  heap_ = std::make_unique<Heap>(std::make_unique<HeapFile>(kContainer, std::move(raw), pages),
                                 pool_, log_);
  heap_->set_keep_cursor(keep_cursor_);
  if (clean) {
    heap_->load(static_cast<PageNo>(entries.size()), values, bytes, 0,
                [entries] { return std::optional(entries); });
  } else {
    heap_->rebuild();
  }
}

void expect_same(std::string_view actual, const Value& expected, Handle handle) {
  if (actual != expected.bytes())
    RC_FAIL("handle " + std::to_string(handle) + " reads " + std::to_string(actual.size()) +
            " bytes that differ from the model's " + std::to_string(expected.size));
}

// Which handle each id holds, in scan order; no two values may share an id.
std::map<ValueId, Handle> by_id(const HeapModel& m, const std::map<Handle, ValueId>& ids) {
  std::map<ValueId, Handle> out;
  for (const auto& [handle, value] : m.values) out.emplace(ids.at(handle), handle);
  RC_ASSERT(out.size() == m.values.size());
  return out;
}

// Checks that `page`, seen as page `p`, holds exactly the values `expected` puts there, in
// ascending slot order, and returns how many.
std::size_t expect_page(PageNo p, const Page& page, const HeapModel& m,
                        const std::map<ValueId, Handle>& expected) {
  auto want = expected.lower_bound(make_value_id(kContainer, p, 0));
  auto on_page = [&] { return want != expected.end() && want->first.page == p; };
  const std::string at = "page " + std::to_string(p) + " ";
  std::size_t count = 0;
  for (const Page::Entry& entry : page) {
    if (!on_page() || want->first.slot != entry.slot)
      RC_FAIL(at + "holds slot " + std::to_string(entry.slot) + " where the model has " +
              (on_page() ? "slot " + std::to_string(want->first.slot) : "no more values"));
    expect_same(entry.value, m.values.at(want->second), want->second);
    ++want;
    ++count;
  }
  if (on_page())
    RC_FAIL(at + "lacks slot " + std::to_string(want->first.slot) + " (handle " +
            std::to_string(want->second) + ") that the model holds");
  return count;
}

void Sut::check(const HeapModel& m) {
  const std::vector<std::uint16_t> entries = heap_->free_space();
  RC_ASSERT(entries.size() == heap_->file().page_count());
  const std::map<ValueId, Handle> expected = by_id(m, ids);
  std::size_t values = 0;
  std::uint64_t bytes = 0;
  Page page;
  rooms.clear();
  for (PageNo p = 0; heap_->copy_page(p, page); ++p) {  // a scan: pages in order (H1, H2)
    rooms.push_back(page.max_insert_size());
    if (auto problem = page.validate()) RC_FAIL("page " + std::to_string(p) + ": " + *problem);
    if (entries[p] != page.max_insert_size())
      RC_FAIL("page " + std::to_string(p) + ": free-space entry " + std::to_string(entries[p]) +
              ", page takes " + std::to_string(page.max_insert_size()) + " (F1)");
    values += expect_page(p, page, m, expected);
    bytes += kPageSize - page.header_size() - page.free_space();
  }
  RC_ASSERT(values == expected.size());  // none on a page past the end
  RC_ASSERT(heap_->live_values() == values);
  RC_ASSERT(heap_->live_bytes() == bytes);
}

using HeapCommand = rc::state::Command<HeapModel, Sut>;

rc::Gen<Handle> gen_handle(const HeapModel& m) {
  RC_PRE(!m.values.empty());
  std::vector<Handle> handles;
  for (const auto& [handle, value] : m.values) handles.push_back(handle);
  return rc::gen::elementOf(handles);
}

// A command that changes the heap or reloads it: checked against the model it leads to.
class CheckedCommand : public HeapCommand {
 public:
  void run(const HeapModel& m, Sut& sut) const override {
    change(m, sut);
    sut.check(nextState(m));
  }

 private:
  virtual void change(const HeapModel& m, Sut& sut) const = 0;
};

class Insert : public CheckedCommand {
 public:
  Insert() : value_(*gen_value()) {}
  void apply(HeapModel& m) const override { m.values[m.next_handle++] = value_; }
  void change(const HeapModel& m, Sut& sut) const override {
    auto insert = [&] { return sut.heap().insert(value_.bytes()); };
    sut.ids[m.next_handle] = sut.placed(value_.size, insert);
  }
  void show(std::ostream& os) const override { os << "Insert(" << value_ << ")"; }

 private:
  Value value_;
};

// Heap::insert_many, logged in pieces as large as the pin limit allows.
class InsertMany : public CheckedCommand {
 public:
  InsertMany()
      : values_(*rc::gen::container<std::vector<Value>>(*rc::gen::inRange(1, 6), gen_value())) {}
  void apply(HeapModel& m) const override {
    for (const Value& v : values_) m.values[m.next_handle++] = v;
  }
  void change(const HeapModel& m, Sut& sut) const override {
    std::vector<std::string> bytes;
    for (const Value& v : values_) bytes.push_back(v.bytes());
    const std::vector<std::string_view> views(bytes.begin(), bytes.end());
    const std::vector<ValueId> ids = sut.heap().insert_many(views);
    RC_ASSERT(ids.size() == values_.size());
    for (std::size_t i = 0; i < ids.size(); ++i) sut.ids[m.next_handle + i] = ids[i];
  }
  void show(std::ostream& os) const override {
    for (const Value& v : values_) os << (&v == values_.data() ? "InsertMany(" : ", ") << v;
    os << ")";
  }

 private:
  std::vector<Value> values_;
};

class Update : public CheckedCommand {
 public:
  explicit Update(const HeapModel& m) : handle_(*gen_handle(m)), value_(*gen_value()) {}
  void checkPreconditions(const HeapModel& m) const override { RC_PRE(m.values.contains(handle_)); }
  void apply(HeapModel& m) const override { m.values[handle_] = value_; }
  void change(const HeapModel&, Sut& sut) const override {
    ValueId& id = sut.ids.at(handle_);
    id = sut.placed(value_.size, [&] { return sut.heap().update(id, value_.bytes()); });
  }
  void show(std::ostream& os) const override {
    os << "Update(handle " << handle_ << ", " << value_ << ")";
  }

 private:
  Handle handle_;
  Value value_;
};

// Deletes a value; reading or deleting it again is NotFound and changes nothing.
class Delete : public CheckedCommand {
 public:
  explicit Delete(const HeapModel& m) : handle_(*gen_handle(m)) {}
  void checkPreconditions(const HeapModel& m) const override { RC_PRE(m.values.contains(handle_)); }
  void apply(HeapModel& m) const override { m.values.erase(handle_); }
  void change(const HeapModel&, Sut& sut) const override {
    const ValueId id = sut.ids.at(handle_);
    sut.heap().erase(id);
    std::string out;
    RC_ASSERT(testing::thrown_by([&] { sut.heap().get(id, out); }).code == "NotFound");
    RC_ASSERT(testing::thrown_by([&] { sut.heap().erase(id); }).code == "NotFound");
  }
  void show(std::ostream& os) const override { os << "Delete(handle " << handle_ << ")"; }

 private:
  Handle handle_;
};

class Get : public HeapCommand {
 public:
  explicit Get(const HeapModel& m) : handle_(*gen_handle(m)) {}
  void checkPreconditions(const HeapModel& m) const override { RC_PRE(m.values.contains(handle_)); }
  void run(const HeapModel& m, Sut& sut) const override {
    std::string out;
    sut.heap().get(sut.ids.at(handle_), out);
    expect_same(out, m.values.at(handle_), handle_);
  }
  void show(std::ostream& os) const override { os << "Get(handle " << handle_ << ")"; }

 private:
  Handle handle_;
};

// Holds read and write guards on a few pages while every other page is fetched twice, so that
// frames are evicted around them; each held guard must go on showing its own page, byte for byte,
// holding the model's values for that page. Leaves a frame for the cursor and one to fetch with.
class HoldGuards : public HeapCommand {
 public:
  HoldGuards() : first_(*rc::gen::inRange<PageNo>(0, 64)), count_(*rc::gen::inRange(1, 7)) {}
  void show(std::ostream& os) const override {
    os << "HoldGuards(" << count_ << " from page " << first_ << ")";
  }
  void run(const HeapModel& m, Sut& sut) const override;

 private:
  PageNo first_;
  int count_;
};

void HoldGuards::run(const HeapModel& m, Sut& sut) const {
  HeapFile& file = sut.heap().file();
  const PageNo pages = file.page_count();
  if (pages == 0) return;
  const auto n = std::min<std::size_t>(
      {static_cast<std::size_t>(count_), pages, sut.pool().frame_count() - 2});
  const std::map<ValueId, Handle> expected = by_id(m, sut.ids);
  auto held_page = [&](std::size_t i) { return static_cast<PageNo>((first_ + i) % pages); };
  std::vector<ReadPageGuard> reads;    // even i
  std::vector<WritePageGuard> writes;  // odd i
  std::vector<std::array<std::byte, kPageSize>> images(n);
  auto held = [&](std::size_t i) -> const Page& {
    return i % 2 == 0 ? reads[i / 2].page() : writes[i / 2].page();
  };
  for (std::size_t i = 0; i < n; ++i) {
    i % 2 == 0 ? reads.push_back(sut.pool().fetch_read(file, held_page(i)))
               : writes.push_back(sut.pool().fetch_write(file, held_page(i)));
    expect_page(held_page(i), held(i), m, expected);
    std::ranges::copy(held(i).raw(), images[i].begin());
  }
  const std::uint64_t evictions = sut.pool().evictions();
  for (int round = 0; round < 2; ++round)  // twice: some pages turn hot (LRU-2)
    for (PageNo p = 0; p < pages; ++p)
      if ((p + pages - first_ % pages) % pages >= n) sut.pool().fetch_read(file, p);
  for (std::size_t i = 0; i < n; ++i) {
    RC_ASSERT((i % 2 == 0 ? reads[i / 2].page_no() : writes[i / 2].page_no()) == held_page(i));
    RC_ASSERT(std::ranges::equal(held(i).raw(), images[i]));
    expect_page(held_page(i), held(i), m, expected);
  }
  if (sut.pool().evictions() > evictions && n > 0) ++sut.guards_held_across_evictions;
}

// Writes back this file's dirty pages (after the log, L2); or every page, emptying the pool; or,
// as a checkpoint, also moves the redo point so that each page's next change logs a full image
// (L4). The cursor is unpinned first, as the storage manager does (lock_all): a write guard held
// across a write-back leaves its frame clean, and changes made through it later would be lost.
class Flush : public HeapCommand {
 public:
  Flush() : kind_(*rc::gen::inRange(0, 3)) {}
  void run(const HeapModel&, Sut& sut) const override {
    sut.heap().release_cursor();
    kind_ == 1 ? sut.pool().clear() : sut.pool().flush(sut.heap().file());
    if (kind_ == 2) sut.log().set_redo_lsn(sut.log().end_lsn());
  }
  void show(std::ostream& os) const override {
    os << (kind_ == 0 ? "Flush" : kind_ == 1 ? "Clear" : "Checkpoint");
  }

 private:
  int kind_;
};

// A clean close and open (Heap::load) or a rebuild from the pages (Heap::rebuild); then F1, the
// counts and a scan, and an insert of the largest value some page takes, which must go to an
// existing page (freed space is still found after the reload), deleted again at once.
class Reload : public CheckedCommand {
 public:
  Reload() : clean_(*rc::gen::arbitrary<bool>()), seed_(*rc::gen::arbitrary<std::uint32_t>()) {}
  void apply(HeapModel&) const override {}
  void change(const HeapModel& m, Sut& sut) const override {
    sut.reload(clean_);
    sut.check(m);
    const std::size_t largest = sut.rooms.empty() ? 0 : std::ranges::max(sut.rooms);
    if (largest == 0) return;
    const std::string probe = Value{largest, seed_}.bytes();
    sut.heap().erase(sut.placed(largest, [&] { return sut.heap().insert(probe); }));
  }
  void show(std::ostream& os) const override {
    os << (clean_ ? "Reload(load)" : "Reload(rebuild)");
  }

 private:
  bool clean_;
  std::uint32_t seed_;
};

// Sequences of three times RapidCheck's size: a few dozen values fill more pages than frames.
RC_GTEST_PROP(HeapFileProp, HoldsExactlyTheModelsValues, ()) {
  const auto frames = *rc::gen::inRange<std::size_t>(3, 9);
  const bool keep_cursor = *rc::gen::arbitrary<bool>();
  Sut sut(frames, keep_cursor);
  auto gen_command =
      rc::state::gen::execOneOfWithArgs<Insert, Insert, Insert, Insert, InsertMany, Update, Update,
                                        Delete, Delete, Get, HoldGuards, HoldGuards, Flush, Flush,
                                        Reload>();
  const auto commands = *rc::gen::scale(3.0, rc::state::gen::commands(HeapModel{}, gen_command));
  rc::state::runAll(commands, HeapModel{}, sut);
  RC_CLASSIFY(sut.pool().evictions() > 0, "pages were evicted");
  RC_CLASSIFY(sut.guards_held_across_evictions > 0, "guards held across evictions");
  RC_CLASSIFY(keep_cursor, "cursor kept");
}

}  // namespace
}  // namespace heapstore::props
