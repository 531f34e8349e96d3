// Model-based property of a HeapFile with its FreeSpaceMap behind a BufferPool of 2-4 frames,
// driven by hand as the storage manager drives them: an insert goes to the page
// FreeSpaceMap::find offers, else to a new page; an update that no longer fits moves the value.
// With so few frames nearly every access evicts a page, so values keep crossing the disk.
// The model maps handles to values (where a value lands is the engine's choice; the harness
// remembers it). Checks: every free-space entry equals its page's max_insert_size() (F1), find
// offers the last page found while it has room, else the lowest page with room; reads return
// the model's bytes; a pass over all pages (H1, H2) yields exactly the model's values.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "buffer_pool.h"
#include "heapstore/file.h"
#include "heap_file.h"
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

// The heap file under test and the ids its values got.
class Heap {
 public:
  explicit Heap(std::size_t frames)
      : file_(kContainer, default_file_system().open(dir_.path() + "/c1.heap", true), 0),
        pool_(frames) {}

  ValueId insert(std::string_view value);
  // Replaces the value `id` names; returns its id, which changes when it had to move.
  ValueId update(ValueId id, std::string_view value);
  void remove(ValueId id);
  std::string get(ValueId id);
  // Every value, page by page in ascending slot order, as a pass over the pages reads them.
  std::vector<std::pair<ValueId, std::string>> all_values();

  BufferPool& pool() { return pool_; }
  HeapFile& file() { return file_; }
  std::map<Handle, ValueId> ids;  // where each handle's value is now

 private:
  std::optional<PageNo> find_page(std::size_t size);
  void record(const WritePageGuard& guard) {
    file_.free_space_map().set(guard.page_no(), free_of(guard.page()));
  }
  static std::uint16_t free_of(const Page& page) {
    return static_cast<std::uint16_t>(page.max_insert_size());
  }

  testing::TempDir dir_;
  HeapFile file_;
  BufferPool pool_;  // destroyed before file_, which its frames point to
  std::optional<PageNo> last_found_;
};

// FreeSpaceMap::find, checked against every page: each entry is its page's max_insert_size()
// (F1), and find offers the page it found last while that has room, else the lowest with room.
// A 0-byte value is looked up as 1 byte (an entry of 0 may mean the page takes nothing).
std::optional<PageNo> Heap::find_page(std::size_t size) {
  size = std::max<std::size_t>(size, 1);
  FreeSpaceMap& map = file_.free_space_map();
  RC_ASSERT(map.page_count() == file_.page_count());
  std::optional<PageNo> lowest;
  for (PageNo p = 0; p < file_.page_count(); ++p) {
    std::size_t max = pool_.fetch_read(file_, p).page().max_insert_size();
    RC_ASSERT(map.get(p) == max);
    if (!lowest && max >= size) lowest = p;
  }
  PageNo last = last_found_.value_or(0);
  bool last_fits = last < file_.page_count() && map.get(last) >= size;
  std::optional<PageNo> found = map.find(size);
  RC_ASSERT(found == (last_fits ? std::optional<PageNo>(last) : lowest));
  if (found) last_found_ = found;
  return found;
}

ValueId Heap::insert(std::string_view value) {
  if (std::optional<PageNo> page_no = find_page(value.size())) {
    WritePageGuard guard = pool_.fetch_write(file_, *page_no);
    std::optional<SlotId> slot = guard.page().add_value(value);
    RC_ASSERT(slot.has_value());  // a page the map offers takes the value (F1)
    record(guard);
    return {kContainer, *page_no, *slot};
  }
  PageNo page_no = file_.allocate_page();
  file_.free_space_map().append(free_of(Page()));
  WritePageGuard guard = pool_.create_page(file_, page_no);
  std::optional<SlotId> slot = guard.page().add_value(value);
  RC_ASSERT(slot == std::optional<SlotId>(0));
  record(guard);
  return {kContainer, page_no, *slot};
}

ValueId Heap::update(ValueId id, std::string_view value) {
  {
    WritePageGuard guard = pool_.fetch_write(file_, id.page);
    UpdateResult result = guard.page().update_value(id.slot, value);
    RC_ASSERT(result != UpdateResult::kNoSuchSlot);
    if (result == UpdateResult::kUpdated) {
      record(guard);
      return id;
    }
  }
  ValueId moved = insert(value);
  remove(id);
  return moved;
}

void Heap::remove(ValueId id) {
  WritePageGuard guard = pool_.fetch_write(file_, id.page);
  RC_ASSERT(guard.page().delete_value(id.slot));
  record(guard);
}

std::string Heap::get(ValueId id) {
  ReadPageGuard guard = pool_.fetch_read(file_, id.page);
  std::optional<std::string_view> value = guard.page().get_value(id.slot);
  RC_ASSERT(value.has_value());
  return std::string(*value);
}

std::vector<std::pair<ValueId, std::string>> Heap::all_values() {
  std::vector<std::pair<ValueId, std::string>> out;
  for (PageNo p = 0; p < file_.page_count(); ++p) {
    ReadPageGuard guard = pool_.fetch_read(file_, p);
    for (const Page::Entry& entry : guard.page())
      out.emplace_back(ValueId{kContainer, p, entry.slot}, std::string(entry.value));
  }
  return out;
}

void expect_value(const std::string& actual, const Value& expected, Handle handle) {
  if (actual != expected.bytes())
    RC_FAIL("handle " + std::to_string(handle) + " reads " + std::to_string(actual.size()) +
            " bytes that differ from the model's " + std::to_string(expected.size));
}

using HeapCommand = rc::state::Command<HeapModel, Heap>;

rc::Gen<Handle> gen_handle(const HeapModel& m) {
  RC_PRE(!m.values.empty());
  std::vector<Handle> handles;
  for (const auto& [handle, value] : m.values) handles.push_back(handle);
  return rc::gen::elementOf(handles);
}

class Insert : public HeapCommand {
 public:
  Insert() : value_(*gen_value()) {}

  void apply(HeapModel& m) const override { m.values[m.next_handle++] = value_; }
  void run(const HeapModel& m, Heap& heap) const override {
    heap.ids[m.next_handle] = heap.insert(value_.bytes());
  }
  void show(std::ostream& os) const override { os << "Insert(" << value_ << ")"; }

 private:
  Value value_;
};

class Update : public HeapCommand {
 public:
  explicit Update(const HeapModel& m) : handle_(*gen_handle(m)), value_(*gen_value()) {}

  void checkPreconditions(const HeapModel& m) const override { RC_PRE(m.values.contains(handle_)); }
  void apply(HeapModel& m) const override { m.values[handle_] = value_; }
  void run(const HeapModel&, Heap& heap) const override {
    ValueId& id = heap.ids.at(handle_);
    id = heap.update(id, value_.bytes());
    expect_value(heap.get(id), value_, handle_);
  }
  void show(std::ostream& os) const override {
    os << "Update(handle " << handle_ << ", " << value_ << ")";
  }

 private:
  Handle handle_;
  Value value_;
};

class Delete : public HeapCommand {
 public:
  explicit Delete(const HeapModel& m) : handle_(*gen_handle(m)) {}

  void checkPreconditions(const HeapModel& m) const override { RC_PRE(m.values.contains(handle_)); }
  void apply(HeapModel& m) const override { m.values.erase(handle_); }
  void run(const HeapModel&, Heap& heap) const override { heap.remove(heap.ids.at(handle_)); }
  void show(std::ostream& os) const override { os << "Delete(handle " << handle_ << ")"; }

 private:
  Handle handle_;
};

class Get : public HeapCommand {
 public:
  explicit Get(const HeapModel& m) : handle_(*gen_handle(m)) {}

  void checkPreconditions(const HeapModel& m) const override { RC_PRE(m.values.contains(handle_)); }
  void run(const HeapModel& m, Heap& heap) const override {
    expect_value(heap.get(heap.ids.at(handle_)), m.values.at(handle_), handle_);
  }
  void show(std::ostream& os) const override { os << "Get(handle " << handle_ << ")"; }

 private:
  Handle handle_;
};

// Reads every page (evicting most of the pool) and compares all values with the model.
class ReadAll : public HeapCommand {
 public:
  void run(const HeapModel& m, Heap& heap) const override {
    std::map<ValueId, Handle> expected;
    for (const auto& [handle, value] : m.values) expected.emplace(heap.ids.at(handle), handle);
    RC_ASSERT(expected.size() == m.values.size());  // no two values share an id
    auto actual = heap.all_values();
    RC_ASSERT(actual.size() == expected.size());
    auto want = expected.begin();
    for (const auto& [id, bytes] : actual) {  // both in ascending id order
      RC_ASSERT(id == want->first);
      expect_value(bytes, m.values.at(want->second), want->second);
      ++want;
    }
  }
  void show(std::ostream& os) const override { os << "ReadAll"; }
};

// Reads one page twice, making it hot (LRU-2), so later victims come from both lists.
class Touch : public HeapCommand {
 public:
  Touch() : page_(*rc::gen::inRange<PageNo>(0, 64)) {}

  void run(const HeapModel&, Heap& heap) const override {
    if (heap.file().page_count() == 0) return;
    PageNo p = page_ % heap.file().page_count();
    for (int i = 0; i < 2; ++i) heap.pool().fetch_read(heap.file(), p);
  }
  void show(std::ostream& os) const override { os << "Touch(page " << page_ << ")"; }

 private:
  PageNo page_;
};

class Flush : public HeapCommand {
 public:
  void run(const HeapModel&, Heap& heap) const override { heap.pool().flush(heap.file()); }
  void show(std::ostream& os) const override { os << "Flush"; }
};

// Writes back and drops every page: the next reads come from the file.
class Clear : public HeapCommand {
 public:
  void run(const HeapModel&, Heap& heap) const override { heap.pool().clear(); }
  void show(std::ostream& os) const override { os << "Clear"; }
};

// Sequences four times RapidCheck's size: it takes a few dozen values to fill more pages than
// the pool has frames.
RC_GTEST_PROP(HeapFileProp, HoldsExactlyTheModelsValues, ()) {
  Heap heap(*rc::gen::inRange<std::size_t>(2, 5));
  auto gen_command =
      rc::state::gen::execOneOfWithArgs<Insert, Insert, Insert, Insert, Insert, Update, Update,
                                        Delete, Delete, Get, ReadAll, Touch, Flush, Clear>();
  const auto commands = *rc::gen::scale(4.0, rc::state::gen::commands(HeapModel{}, gen_command));
  rc::state::runAll(commands, HeapModel{}, heap);
  RC_CLASSIFY(heap.pool().evictions() > 0, "pages were evicted");
}

}  // namespace
}  // namespace heapstore::props
