// Model-based property of heapstore::StorageManager: a few containers, inserts one by one and in
// batches, updates that grow values until they move, deletes, scans, flushes, cache clears,
// close-and-reopen, crashes cut into a checkpoint or close at any write or sync (then the disk a
// crash leaves is reopened: log_format.md L3-L7) and reset, over a buffer pool of 8-32 frames so
// that pages keep being evicted and read back. The model maps containers to handles to values; the
// ids values get (and the new ids of moved values) are remembered beside the store. After every
// command the store's containers, counts and a few values equal the model; scans and reopens
// compare everything, in scan order. Ids of deleted values and of removed containers' values fail
// with kNotFound, values over the maximum size with kInvalidArgument.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "free_space_file.h"
#include "heapstore/error.h"
#include "heapstore/options.h"
#include "heapstore/storage_manager.h"
#include "memory_file_system.h"
#include "test_support.h"
#include "value_gen.h"

namespace heapstore::props {
namespace {

using Handle = std::uint32_t;
// The extremes of the id range, to catch ids truncated in file names, keys or the catalog.
const std::vector<ContainerId> kContainerIds = {0, 1, 2, 0xFFFFFFFF};

struct StoreModel {
  std::map<ContainerId, std::map<Handle, Value>> containers;
  std::set<Handle> dead;  // deleted, or in a removed container
  Handle next_handle = 0;

  // The container holding `handle`, or nullptr.
  const std::map<Handle, Value>* holder(Handle handle) const {
    for (const auto& [c, values] : containers)
      if (values.contains(handle)) return &values;
    return nullptr;
  }
  bool holds(Handle handle) const { return holder(handle) != nullptr; }
  const Value& value(Handle handle) const { return holder(handle)->at(handle); }
  std::vector<Handle> live() const {
    std::vector<Handle> out;
    for (const auto& [c, values] : containers)
      for (const auto& [handle, value] : values) out.push_back(handle);
    return out;
  }
  void kill(ContainerId c) {
    for (const auto& [handle, value] : containers.at(c)) dead.insert(handle);
    containers.erase(c);
  }
};

// The store under test, on the in-memory file system (which a Crash replaces by the disk a crash
// leaves), and the id each handle's value had last.
struct Store {
  explicit Store(std::size_t frames)
      : fs(std::make_unique<testing::MemoryFileSystem>()),
        options{.buffer_pool_frames = frames, .file_system = fs.get()} {
    store = StorageManager::open(kDir, options);
  }
  void reopen() {
    options.file_system = fs.get();
    store = StorageManager::open(kDir, options);
  }
  static inline const std::string kDir = "/store";
  std::unique_ptr<testing::MemoryFileSystem> fs;
  Options options;
  std::unique_ptr<StorageManager> store;
  std::map<Handle, ValueId> ids;
};

// The code of the heapstore::Error `call` throws, or nothing when it returns.
template <typename Call>
std::optional<ErrorCode> error_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

void expect_value(const std::string& actual, const Value& expected, const ValueId& id) {
  if (actual != expected.bytes())
    RC_FAIL(to_string(id) + " reads " + std::to_string(actual.size()) +
            " bytes that differ from the model's " + std::to_string(expected.size));
}

// Container `c` scans to exactly the model's values, in ascending id order.
void expect_scan(const StoreModel& m, Store& s, ContainerId c) {
  std::map<ValueId, Handle> expected;
  for (const auto& [handle, value] : m.containers.at(c)) expected.emplace(s.ids.at(handle), handle);
  RC_ASSERT(expected.size() == m.containers.at(c).size());  // no two values share an id
  auto want = expected.begin();
  for (Scan scan = s.store->scan(c); scan.valid(); scan.next()) {
    RC_ASSERT(want != expected.end());
    RC_ASSERT(scan.id() == want->first);
    expect_value(std::string(scan.value()), m.containers.at(c).at(want->second), scan.id());
    ++want;
  }
  RC_ASSERT(want == expected.end());
}

// Cheap, after every command: the containers, the counts, and three values.
void check_store(const StoreModel& m, Store& s) {
  std::vector<ContainerId> ids;
  for (const auto& [c, values] : m.containers) ids.push_back(c);
  RC_ASSERT(s.store->containers() == ids);
  std::vector<Handle> live = m.live();
  std::uint64_t bytes = 0;
  for (const auto& [c, values] : m.containers)
    for (const auto& [handle, value] : values) bytes += value.size;
  Stats stats = s.store->stats();
  RC_ASSERT(stats.live_values == live.size());
  RC_ASSERT(stats.live_value_bytes == bytes);
  if (live.empty()) return;
  for (Handle h : {live.front(), live[live.size() / 2], live.back()}) {
    const ValueId& id = s.ids.at(h);
    expect_value(s.store->get_value(id), m.value(h), id);
  }
}

class StoreCommand : public rc::state::Command<StoreModel, Store> {
 public:
  void run(const StoreModel& before, Store& s) const final {
    exercise(before, s);
    check_store(nextState(before), s);
  }
  virtual void exercise(const StoreModel& before, Store& s) const = 0;
};

rc::Gen<ContainerId> gen_any_container() { return rc::gen::elementOf(kContainerIds); }

// Mostly a container the model has; sometimes any id, which may name none.
rc::Gen<ContainerId> gen_container(const StoreModel& m) {
  auto any = gen_any_container();
  if (m.containers.empty()) return any;
  std::vector<ContainerId> ids;
  for (const auto& [c, values] : m.containers) ids.push_back(c);
  return rc::gen::weightedOneOf<ContainerId>({{4, rc::gen::elementOf(ids)}, {1, any}});
}

rc::Gen<Handle> gen_handle(const std::vector<Handle>& handles) {
  RC_PRE(!handles.empty());
  return rc::gen::elementOf(handles);
}

class CreateContainer : public StoreCommand {
 public:
  explicit CreateContainer(const StoreModel&) : c_(*gen_any_container()) {}
  void apply(StoreModel& m) const override { m.containers[c_]; }  // a no-op when it exists
  void exercise(const StoreModel&, Store& s) const override { s.store->create_container(c_); }
  void show(std::ostream& os) const override { os << "CreateContainer(" << c_ << ")"; }

 private:
  ContainerId c_;
};

class RemoveContainer : public StoreCommand {
 public:
  explicit RemoveContainer(const StoreModel& m) : c_(*gen_container(m)) {}
  void apply(StoreModel& m) const override {
    if (m.containers.contains(c_)) m.kill(c_);
  }
  void exercise(const StoreModel& m, Store& s) const override {
    auto error = error_of([&] { s.store->remove_container(c_); });
    RC_ASSERT(error ==
              (m.containers.contains(c_) ? std::nullopt : std::optional(ErrorCode::kNotFound)));
  }
  void show(std::ostream& os) const override { os << "RemoveContainer(" << c_ << ")"; }

 private:
  ContainerId c_;
};

// Inserts values into one container in one call (insert_value for one, insert_values for more).
// A value over the maximum size fails the call with kInvalidArgument, an unknown container with
// kNotFound, and then nothing is stored.
class Insert : public StoreCommand {
 public:
  explicit Insert(const StoreModel& m) : c_(*gen_container(m)), values_(*gen_values()) {}

  std::optional<ErrorCode> expected_error(const StoreModel& m) const {
    for (const Value& v : values_)
      if (v.size > StorageManager::kMaxValueSize) return ErrorCode::kInvalidArgument;
    if (!m.containers.contains(c_)) return ErrorCode::kNotFound;
    return std::nullopt;
  }
  void apply(StoreModel& m) const override {
    if (expected_error(m)) return;
    for (const Value& v : values_) m.containers[c_][m.next_handle++] = v;
  }
  void exercise(const StoreModel& m, Store& s) const override {
    std::vector<ValueId> ids;
    RC_ASSERT(error_of([&] { ids = insert(s); }) == expected_error(m));
    Handle handle = m.next_handle;
    for (const ValueId& id : ids) {
      RC_ASSERT(id.container == c_);
      s.ids[handle++] = id;
    }
  }
  void show(std::ostream& os) const override {
    os << "Insert(" << c_;
    for (const Value& v : values_) os << ", " << v;
    os << ")";
  }

 private:
  static rc::Gen<std::vector<Value>> gen_values() {
    auto too_large = gen_value_of_size(rc::gen::just(StorageManager::kMaxValueSize + 1));
    auto value = rc::gen::weightedOneOf<Value>({{50, gen_value()}, {1, too_large}});
    return rc::gen::weightedOneOf<std::vector<Value>>(
        {{3, rc::gen::container<std::vector<Value>>(1, value)},
         {1,
          rc::gen::resize(20, rc::gen::nonEmpty(rc::gen::container<std::vector<Value>>(value)))}});
  }
  std::vector<ValueId> insert(Store& s) const {
    if (values_.size() == 1) return {s.store->insert_value(c_, values_[0].bytes())};
    std::vector<std::string> bytes;
    for (const Value& v : values_) bytes.push_back(v.bytes());
    std::vector<std::string_view> views(bytes.begin(), bytes.end());
    return s.store->insert_values(c_, views);
  }

  ContainerId c_;
  std::vector<Value> values_;
};

// Replaces a value, usually with a larger one, so values outgrow their pages and move.
class Update : public StoreCommand {
 public:
  explicit Update(const StoreModel& m) : handle_(*gen_handle(m.live())) {
    std::size_t old = m.value(handle_).size;
    auto larger = rc::gen::inRange<std::size_t>(old, Page::kMaxValueSize + 1);
    value_ = *gen_value_of_size(rc::gen::weightedOneOf<std::size_t>(
        {{1, gen_value_size()}, {2, rc::gen::resize(rc::kNominalSize, larger)}}));
  }

  void checkPreconditions(const StoreModel& m) const override { RC_PRE(m.holds(handle_)); }
  void apply(StoreModel& m) const override {
    for (auto& [c, values] : m.containers)
      if (values.contains(handle_)) values[handle_] = value_;
  }
  void exercise(const StoreModel&, Store& s) const override {
    ValueId& id = s.ids.at(handle_);
    ValueId moved = s.store->update_value(id, value_.bytes());
    RC_ASSERT(moved.container == id.container);
    id = moved;
  }
  void show(std::ostream& os) const override {
    os << "Update(handle " << handle_ << ", " << value_ << ")";
  }

 private:
  Handle handle_;
  Value value_;
};

class Delete : public StoreCommand {
 public:
  explicit Delete(const StoreModel& m) : handle_(*gen_handle(m.live())) {}

  void checkPreconditions(const StoreModel& m) const override { RC_PRE(m.holds(handle_)); }
  void apply(StoreModel& m) const override {
    for (auto& [c, values] : m.containers) values.erase(handle_);
    m.dead.insert(handle_);
  }
  void exercise(const StoreModel&, Store& s) const override {
    s.store->delete_value(s.ids.at(handle_));
  }
  void show(std::ostream& os) const override { os << "Delete(handle " << handle_ << ")"; }

 private:
  Handle handle_;
};

// The id a deleted value had: get and delete fail with kNotFound, unless a later value took the
// same id (slot ids are reused, and a removed container's ids come back with it).
class GetDeleted : public StoreCommand {
 public:
  explicit GetDeleted(const StoreModel& m) : handle_(*gen_handle({m.dead.begin(), m.dead.end()})) {}

  void checkPreconditions(const StoreModel& m) const override { RC_PRE(m.dead.contains(handle_)); }
  void exercise(const StoreModel& m, Store& s) const override {
    const ValueId id = s.ids.at(handle_);
    for (Handle h : m.live())
      if (s.ids.at(h) == id) return;
    RC_ASSERT(error_of([&] { s.store->get_value(id); }) == ErrorCode::kNotFound);
    RC_ASSERT(error_of([&] { s.store->delete_value(id); }) == ErrorCode::kNotFound);
  }
  void show(std::ostream& os) const override { os << "GetDeleted(handle " << handle_ << ")"; }

 private:
  Handle handle_;
};

class ScanContainer : public StoreCommand {
 public:
  explicit ScanContainer(const StoreModel& m) : c_(*gen_container(m)) {}
  void exercise(const StoreModel& m, Store& s) const override {
    if (m.containers.contains(c_)) return expect_scan(m, s, c_);
    RC_ASSERT(error_of([&] { s.store->scan(c_); }) == ErrorCode::kNotFound);
  }
  void show(std::ostream& os) const override { os << "Scan(" << c_ << ")"; }

 private:
  ContainerId c_;
};

class Flush : public StoreCommand {
 public:
  explicit Flush(const StoreModel&) {}
  void exercise(const StoreModel&, Store& s) const override { s.store->flush(); }
  void show(std::ostream& os) const override { os << "Flush"; }
};

class ClearCache : public StoreCommand {
 public:
  explicit ClearCache(const StoreModel&) {}
  void exercise(const StoreModel&, Store& s) const override { s.store->clear_cache(); }
  void show(std::ostream& os) const override { os << "ClearCache"; }
};

// The directory holds exactly the catalog, the current log and the model's containers' files,
// and maybe their free-space files (log_format.md, L7; format.md, F4).
void expect_directory(const StoreModel& m, Store& s) {
  std::set<std::string> want{"CATALOG"}, got, logs;
  for (const auto& [c, values] : m.containers) want.insert("c" + std::to_string(c) + ".heap");
  for (const std::string& name : s.fs->list(Store::kDir)) {
    if (auto id = free_space_file::parse_name(name)) {
      RC_ASSERT(m.containers.contains(*id));
      continue;
    }
    (name.starts_with("wal.") ? logs : got).insert(name);
  }
  RC_ASSERT(got == want);
  RC_ASSERT(logs.size() == 1u);
}

// Closes the store and opens its directory again, every container scanning as before. After a
// clean close, opening reads the catalog and no data page (format.md, "Catalog").
class Reopen : public StoreCommand {
 public:
  explicit Reopen(const StoreModel&) {}
  void exercise(const StoreModel& m, Store& s) const override {
    s.store->close();
    expect_directory(m, s);
    s.reopen();
    RC_ASSERT(s.store->stats().page_reads == 0u);
    for (const auto& [c, values] : m.containers) expect_scan(m, s, c);
  }
  void show(std::ostream& os) const override { os << "Reopen"; }
};

// A flush (every change durable), then a checkpoint or a close that the power cuts at its n-th
// write, sync or other change of the disk (or never, when it makes fewer), then the disk as the
// crash leaves it (unsynced writes dropped, kept or torn, as `seed` says) is opened: it must hold
// exactly the model (log_format.md, L3-L7), and the directory exactly its files.
class Crash : public StoreCommand {
 public:
  explicit Crash(const StoreModel&)
      : calls_(*rc::gen::inRange<std::uint64_t>(0, 60)),
        seed_(*rc::gen::arbitrary<std::uint64_t>()),
        close_(*rc::gen::arbitrary<bool>()) {}
  void exercise(const StoreModel& m, Store& s) const override {
    s.store->flush();
    s.fs->crash_after(calls_);
    try {
      close_ ? s.store->close() : s.store->checkpoint();
    } catch (const Error& e) {
      RC_ASSERT(e.code() == ErrorCode::kIOError);
    }
    auto disk = s.fs->crash(seed_);
    s.store.reset();
    s.fs = std::move(disk);
    s.reopen();
    for (const auto& [c, values] : m.containers) expect_scan(m, s, c);
    s.store->checkpoint();
    expect_directory(m, s);
  }
  void show(std::ostream& os) const override {
    os << "Crash(after " << calls_ << " calls of " << (close_ ? "a close" : "a checkpoint")
       << ", seed " << seed_ << ")";
  }

 private:
  std::uint64_t calls_;
  std::uint64_t seed_;
  bool close_;
};

class Reset : public StoreCommand {
 public:
  explicit Reset(const StoreModel&) {}
  void apply(StoreModel& m) const override {
    while (!m.containers.empty()) m.kill(m.containers.begin()->first);
  }
  void exercise(const StoreModel&, Store& s) const override { s.store->reset(); }
  void show(std::ostream& os) const override { os << "Reset"; }
};

using CommandPtr = std::shared_ptr<const StoreCommand::CommandType>;

// The model is shared by the candidates rather than copied into each.
template <typename Cmd>
rc::Gen<CommandPtr> make(std::shared_ptr<const StoreModel> m) {
  return rc::gen::exec([m] { return CommandPtr(std::make_shared<const Cmd>(*m)); });
}

// Mostly inserts and updates, so that the containers outgrow the pool; rarely a reset or a
// removal, which empty them.
rc::Gen<CommandPtr> gen_command(const StoreModel& model) {
  auto m = std::make_shared<const StoreModel>(model);
  return rc::gen::weightedOneOf<CommandPtr>({
      {4, make<CreateContainer>(m)},
      {1, make<RemoveContainer>(m)},
      {30, make<Insert>(m)},
      {12, make<Update>(m)},
      {8, make<Delete>(m)},
      {4, make<GetDeleted>(m)},
      {3, make<ScanContainer>(m)},
      {2, make<Flush>(m)},
      {2, make<ClearCache>(m)},
      {2, make<Reopen>(m)},
      {2, make<Crash>(m)},
      {1, make<Reset>(m)},
  });
}

// A pool of 8-32 frames, mostly at the small end, so that pages are evicted and read back; and
// sequences three times RapidCheck's size, long enough to outgrow it.
RC_GTEST_PROP(StorageManagerProp, MatchesAModelOfContainers, ()) {
  Store store(*rc::gen::weightedOneOf<std::size_t>(
      {{2, rc::gen::inRange<std::size_t>(8, 13)}, {1, rc::gen::inRange<std::size_t>(13, 33)}}));
  StoreModel initial;
  initial.containers[1];  // one container to start with, so that the first inserts land
  store.store->create_container(1);
  const auto commands = *rc::gen::scale(3.0, rc::state::gen::commands(initial, gen_command));
  rc::state::runAll(commands, initial, store);
  RC_CLASSIFY(store.store->stats().evictions > 0, "pages were evicted");
}

}  // namespace
}  // namespace heapstore::props
