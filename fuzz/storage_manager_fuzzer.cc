// storage_manager_fuzzer: a StorageManager on the in-memory file system with a pool of 2-16
// frames, driven through create/remove_container, inserts (one or a batch), gets, updates (values
// that outgrow their page move), deletes, scans, flush, checkpoints, clear_cache, close and reopen
// and reset, compared with a std::map model; and crashed: at an armed write or sync call, with the
// disk full, or between steps, then reopened from the disk the crash leaves (unsynced writes
// dropped, kept or torn, as the input's seed says).
//
// After every step: live counts (stats) and the container list match the model; every 8 steps and
// after each reopen, a scan of every container and a get of every value do. After each checkpoint
// and close the files are checked against format.md and log_format.md (C1, C2, C4, P1-P8, F1, L5,
// L7: the directory holds exactly the catalog's files); a clean reopen reads no data page. After a
// crash the store must open (L7) and hold exactly the state of the last durable point (a flush,
// create, remove or checkpoint) or of a later change (L3: each change wholly there or absent, in
// order): nothing acknowledged lost, nothing deleted back, no value twice.
#include <algorithm>
#include <array>
#include <memory>
#include <set>
#include <vector>

#include "fuzz_support.h"
#include "heapstore/error.h"
#include "heapstore/storage_manager.h"

namespace {

using namespace heapstore;
using namespace heapstore::fuzz;

const std::string kDir = "/store";
constexpr std::array<ContainerId, 4> kIds = {0, 1, 7, UINT32_MAX};
constexpr std::array<std::size_t, 5> kFrames = {2, 3, 4, 8, 16};  // 16: inserts keep a cursor
constexpr std::size_t kMaxSteps = 160;
constexpr std::size_t kFullCheckEvery = 8;

// What a store holds: its containers and values.
struct State {
  std::set<ContainerId> containers;
  Values values;
  bool operator==(const State&) const = default;
};

// One change to a State (a value put or erased, a container created or removed). kPutNew is a
// value put under an id nobody was told: a change whose call failed with kEveryOperation may
// survive a crash (it was logged, its sync failed), and only the recovered store can name it.
struct Change {
  enum class Kind { kPut, kPutNew, kErase, kCreate, kRemove } kind;
  ValueId id{};
  std::string value;
  ContainerId container = 0;

  static Change put(ValueId id, std::string value) { return {Kind::kPut, id, std::move(value), 0}; }
  static Change put_new(ContainerId c, std::string value) {
    return {Kind::kPutNew, {}, std::move(value), c};
  }
  static Change erase(ValueId id) { return {Kind::kErase, id, {}, 0}; }
  static Change create(ContainerId c) { return {Kind::kCreate, {}, {}, c}; }
  static Change remove(ContainerId c) { return {Kind::kRemove, {}, {}, c}; }

  // Applies the change to `state`; a kPutNew takes the id under which `recovered` holds its value
  // in its container, if any id not live in `state` does (make_value's values are windows of
  // random bytes starting where their tag says, so equal values are rare except short ones; a
  // short one may be taken for a stray value of the same bytes, a loss of precision, not a miss).
  void apply(State& state, const State* recovered = nullptr) const {
    switch (kind) {
      case Kind::kPut:
        state.values[id] = value;
        break;
      case Kind::kPutNew:
        if (recovered == nullptr) break;  // only a failed call makes one; a crash comes next
        for (const auto& [got_id, got] : recovered->values)
          if (got_id.container == container && got == value && !state.values.contains(got_id)) {
            state.values[got_id] = value;
            break;
          }
        break;
      case Kind::kErase:
        state.values.erase(id);
        break;
      case Kind::kCreate:
        state.containers.insert(container);
        break;
      case Kind::kRemove:
        state.containers.erase(container);
        std::erase_if(state.values, [&](const auto& v) { return v.first.container == container; });
        break;
    }
  }
};

// An I/O failure the input provoked (a crash point, a full disk): the step stops and the store is
// crashed and recovered next.
struct Provoked {};

class StoreFuzzer {
 public:
  explicit StoreFuzzer(FuzzedDataProvider& in)
      : in_(in), fs_(std::make_unique<MemoryFileSystem>()) {
    options_.durability = in_.PickValueInArray(
        {Durability::kAtFlush, Durability::kNone, Durability::kEveryOperation});
    open();
  }

  void run() {
    // Weights by repetition: inserts and updates most, structural steps least.
    using Step = void (StoreFuzzer::*)();
    static constexpr Step kSteps[] = {
        &StoreFuzzer::create,     &StoreFuzzer::remove,      &StoreFuzzer::insert_one,
        &StoreFuzzer::insert_one, &StoreFuzzer::insert_one,  &StoreFuzzer::insert_batch,
        &StoreFuzzer::update,     &StoreFuzzer::update,      &StoreFuzzer::erase,
        &StoreFuzzer::get,        &StoreFuzzer::scan_one,    &StoreFuzzer::flush,
        &StoreFuzzer::checkpoint, &StoreFuzzer::clear_cache, &StoreFuzzer::reopen,
        &StoreFuzzer::crash,      &StoreFuzzer::arm_crash,   &StoreFuzzer::fill_disk,
        &StoreFuzzer::reset};
    for (std::size_t step = 1; step <= kMaxSteps && in_.remaining_bytes() > 0; ++step) {
      try {
        (this->*in_.PickValueInArray(kSteps))();
        check(step % kFullCheckEvery == 0);
      } catch (const Provoked&) {
        crash();
      } catch (const Error& e) {  // a read too may write a page back, and meet the failure
        HS_FUZZ_CHECK(e.code() == ErrorCode::kIOError && provoking_, e.what());
        crash();
      }
    }
    if (provoking_) crash();  // an armed failure is always followed by a recovery to check
  }

 private:
  void open() {
    options_.buffer_pool_frames = in_.PickValueInArray(kFrames);
    options_.file_system = fs_.get();
    store_ = StorageManager::open(kDir, options_);
  }

  // Runs a call that changes the store. An IOError is expected only once the input armed a crash
  // or filled the disk; then `maybe` (the change the call was making, which may have reached the
  // log) is allowed after the crash that follows.
  template <typename Call>
  void change(Call&& call, const std::vector<Change>& maybe = {}) {
    try {
      call();
    } catch (const Error& e) {
      HS_FUZZ_CHECK(e.code() == ErrorCode::kIOError && provoking_, e.what());
      if (!maybe.empty()) since_durable_.push_back(maybe);
      throw Provoked{};
    }
  }

  void changed(std::vector<Change> changes) {
    for (const Change& c : changes) c.apply(now_);
    since_durable_.push_back(std::move(changes));
    if (options_.durability == Durability::kEveryOperation) made_durable();  // on return
  }
  // Everything changed so far is durable. durable_ catches up only when a crash needs it (a copy
  // of now_ at every durable point was most of a step with kEveryOperation).
  void made_durable() {
    for (auto& changes : since_durable_) durable_lag_.push_back(std::move(changes));
    since_durable_.clear();
  }
  const State& durable() {
    for (const auto& changes : durable_lag_)
      for (const Change& c : changes) c.apply(durable_);
    durable_lag_.clear();
    return durable_;
  }

  // `call` must throw Error with one of `codes` (when a call breaks two rules, either may win), or
  // kIOError once a failure is armed: a call that fails may still fetch a page and write another
  // back first, and meet the failure (rethrown: the store is crashed next).
  template <typename Call>
  void expect_error(const std::vector<ErrorCode>& codes, const std::string& what, Call&& call) {
    try {
      call();
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kIOError && provoking_) throw;
      HS_FUZZ_CHECK(std::ranges::find(codes, e.code()) != codes.end(), what + ": " + e.what());
      return;
    }
    fail(what + ": succeeded, expected " + std::string(to_string(*codes.begin())));
  }

  ContainerId pick_container() { return in_.PickValueInArray(kIds); }
  std::string next_value() {
    return make_value(pick_size(in_, StorageManager::kMaxValueSize), ++tag_);
  }

  void create() {
    ContainerId c = pick_container();
    std::vector<Change> creates;
    if (!now_.containers.contains(c)) creates.push_back(Change::create(c));
    change([&] { store_->create_container(c); }, creates);
    if (creates.empty()) return;  // it exists: a no-op, which logs nothing
    changed(creates);
    made_durable();  // durable on return, with every change before it (L3)
  }

  void remove() {
    ContainerId c = pick_container();
    if (!now_.containers.contains(c))
      return expect_error({ErrorCode::kNotFound}, "remove", [&] { store_->remove_container(c); });
    std::vector<Change> removal{Change::remove(c)};
    change([&] { store_->remove_container(c); }, removal);
    changed(removal);
    made_durable();
  }

  // insert_value, or insert_values of 1-12 values: each is stored, ids in order, or (on an error)
  // none is: kInvalidArgument for a value over the maximum, kNotFound for an unknown container.
  // No batch while a failure is armed: a batch cut by one may leave a prefix the model cannot name.
  void insert(bool batched) {
    ContainerId c = pick_container();
    batched = batched && !provoking_;
    std::vector<std::string> batch(batched ? in_.ConsumeIntegralInRange(1, 12) : 1);
    for (auto& value : batch) value = next_value();
    std::vector<std::string_view> views(batch.begin(), batch.end());
    auto call = [&] {
      return batched ? store_->insert_values(c, views)
                     : std::vector{store_->insert_value(c, views[0])};
    };
    std::vector<ErrorCode> codes;
    if (std::ranges::any_of(batch,
                            [](auto& v) { return v.size() > StorageManager::kMaxValueSize; }))
      codes.push_back(ErrorCode::kInvalidArgument);
    if (!now_.containers.contains(c)) codes.push_back(ErrorCode::kNotFound);
    if (!codes.empty()) return expect_error(codes, "insert", call);
    std::vector<ValueId> ids;
    change([&] { ids = call(); }, failed_change({Change::put_new(c, batch[0])}));
    HS_FUZZ_CHECK(ids.size() == batch.size(), "insert_values returned too few ids");
    // A batch whose pages outgrow an eighth of the pool is logged in pieces (log_format.md, L1):
    // after a crash any prefix of it may be there, so each value is a change of its own here.
    for (std::size_t i = 0; i < ids.size(); ++i) {
      HS_FUZZ_CHECK(!now_.values.contains(ids[i]),
                    "a new value got the live id " + to_string(ids[i]));
      changed({Change::put(ids[i], std::move(batch[i]))});
    }
  }
  void insert_one() { insert(false); }
  void insert_batch() { insert(true); }

  void update() {
    ValueId id = pick_id(in_, now_.values, pick_container());
    std::string value = next_value();
    std::vector<ErrorCode> codes;
    if (value.size() > StorageManager::kMaxValueSize) codes.push_back(ErrorCode::kInvalidArgument);
    if (!now_.values.contains(id)) codes.push_back(ErrorCode::kNotFound);
    if (!codes.empty())
      return expect_error(codes, "update", [&] { store_->update_value(id, value); });
    ValueId moved{};
    change([&] { moved = store_->update_value(id, value); },
           failed_change({Change::erase(id), Change::put_new(id.container, value)}));
    HS_FUZZ_CHECK(moved.container == id.container, "update moved to another container");
    HS_FUZZ_CHECK(moved == id || !now_.values.contains(moved), "moved onto a live id");
    changed({Change::erase(id), Change::put(moved, std::move(value))});
  }

  void erase() {
    ValueId id = pick_id(in_, now_.values, pick_container());
    if (!now_.values.contains(id))
      return expect_error({ErrorCode::kNotFound}, "delete", [&] { store_->delete_value(id); });
    change([&] { store_->delete_value(id); }, failed_change({Change::erase(id)}));
    changed({Change::erase(id)});
  }

  void get() {
    ValueId id = pick_id(in_, now_.values, pick_container());
    auto it = now_.values.find(id);
    if (it == now_.values.end())
      return expect_error({ErrorCode::kNotFound}, "get", [&] { store_->get_value(id); });
    std::string out = "stale";
    store_->get_value(id, out);
    HS_FUZZ_CHECK(out == it->second, "get of " + to_string(id));
  }

  // Both ways of scanning, alternately; the model's values in ValueId order.
  Scanned scanned(ContainerId c) {
    Scanned got;
    if (++scans_ % 2 == 0) {
      for (Scan s = store_->scan(c); s.valid(); s.next()) got.emplace_back(s.id(), s.value());
    } else {
      store_->scan(c, [&](ValueId id, std::string_view v) {
        got.emplace_back(id, v);
        return true;
      });
    }
    return got;
  }

  void scan(ContainerId c) {
    if (!now_.containers.contains(c))
      return expect_error({ErrorCode::kNotFound}, "scan", [&] { store_->scan(c); });
    expect_scan(now_.values, c, scanned(c), "scan");
  }
  void scan_one() { scan(pick_container()); }

  void flush() {
    change([&] { store_->flush(); });
    made_durable();
  }

  // A checkpoint (or clear_cache, which takes one): the files hold every value (C4, L5).
  void checkpoint() {
    change([&] { in_.ConsumeBool() ? store_->checkpoint() : store_->clear_cache(); });
    made_durable();
    // With a failure armed, removing the old log may have failed, which the next open finishes.
    if (!provoking_) check_store_files(*fs_, kDir, now_.containers, &now_.values);
  }
  void clear_cache() { checkpoint(); }

  // reset() removes the containers one by one, each durable: a failure may leave any prefix.
  void reset() {
    std::vector<Change> removals;
    for (ContainerId c : now_.containers) removals.push_back(Change::remove(c));
    try {
      store_->reset();
    } catch (const Error& e) {
      HS_FUZZ_CHECK(e.code() == ErrorCode::kIOError && provoking_, e.what());
      for (const Change& removal : removals) since_durable_.push_back({removal});
      throw Provoked{};
    }
    changed(removals);
    made_durable();
  }

  // A clean close writes everything; the reopen reads the catalog and no data page.
  void reopen() {
    change([&] { store_->close(); });
    store_->close();  // a no-op
    expect_error({ErrorCode::kInvalidArgument}, "insert after close",
                 [&] { store_->insert_value(0, "x"); });
    made_durable();
    if (!provoking_) check_store_files(*fs_, kDir, now_.containers, &now_.values);
    change([&] { open(); });  // with a failure armed, opening may meet it too
    std::uint64_t reads = store_->stats().page_reads;
    HS_FUZZ_CHECK(reads == 0, "a clean open read " + std::to_string(reads) + " data pages");
    check(true);
  }

  // What a change whose call fails may have made durable anyway: with kEveryOperation the change
  // is logged before its sync, which may fail and still have written it (insert batches are not
  // made while a failure is armed); with the others a failed change logged nothing.
  std::vector<Change> failed_change(std::vector<Change> changes) const {
    if (options_.durability != Durability::kEveryOperation) return {};
    return changes;
  }

  // The next 0-40 writes, syncs and other changes of the disk succeed, then the power goes.
  void arm_crash() {
    fs_->crash_after(in_.ConsumeIntegralInRange<std::uint64_t>(0, 40));
    provoking_ = true;
  }

  // The disk fills up after at most 64 KiB more.
  void fill_disk() {
    std::uint64_t used = 0;
    for (const std::string& name : fs_->list(kDir))
      used += fs_->open(kDir + "/" + name, false)->size();
    fs_->set_capacity(used + in_.ConsumeIntegralInRange<std::uint64_t>(0, 64 << 10));
    provoking_ = true;
  }

  // The disk as a crash now leaves it (with kNone: as a killed process leaves it, every write
  // kept). The store must open and hold the durable state or one after a later change (L3).
  void crash() {
    std::unique_ptr<MemoryFileSystem> disk = options_.durability == Durability::kNone
                                                 ? fs_->clone()
                                                 : fs_->crash(in_.ConsumeIntegral<std::uint64_t>());
    try {
      store_->close();  // into the old disk, which the crash discards
    } catch (const Error&) {
    }
    fs_ = std::move(disk);
    provoking_ = false;
    try {
      open();
    } catch (const Error& e) {
      fail(std::string("the store does not open after a crash: ") + e.what());
    }
    State got = read_state();
    State allowed = durable();
    bool found = allowed == got;
    for (const auto& changes : since_durable_) {
      for (const Change& c : changes) c.apply(allowed, &got);
      found = found || allowed == got;
    }
    HS_FUZZ_CHECK(found, "after a crash the store holds " + std::to_string(got.values.size()) +
                             " values in " + std::to_string(got.containers.size()) +
                             " containers: not the durable state (" +
                             std::to_string(durable().values.size()) + " values) nor one of the " +
                             std::to_string(since_durable_.size()) + " changes after it");
    now_ = std::move(got);
    durable_ = now_;
    since_durable_.clear();
    check(true);
  }

  State read_state() {
    State state;
    for (ContainerId c : store_->containers()) {
      state.containers.insert(c);
      for (auto& [id, value] : scanned(c))
        HS_FUZZ_CHECK(state.values.emplace(id, value).second,
                      "a scan yielded " + to_string(id) + " twice");
    }
    return state;
  }

  void check(bool full) {
    std::vector<ContainerId> ids = store_->containers();
    std::ranges::sort(ids);
    HS_FUZZ_CHECK(std::ranges::equal(ids, now_.containers), "containers() differs");
    Stats stats = store_->stats();
    std::uint64_t bytes = 0;
    for (const auto& entry : now_.values) bytes += entry.second.size();
    HS_FUZZ_CHECK(stats.live_values == now_.values.size() && stats.live_value_bytes == bytes,
                  "stats count " + std::to_string(stats.live_values) + " values of " +
                      std::to_string(stats.live_value_bytes) + " bytes, the model " +
                      std::to_string(now_.values.size()) + " of " + std::to_string(bytes));
    if (!full) return;
    for (ContainerId c : now_.containers) scan(c);
    std::string got;
    for (const auto& [id, value] : now_.values) {
      store_->get_value(id, got);
      HS_FUZZ_CHECK(got == value, "get of " + to_string(id));
    }
  }

  FuzzedDataProvider& in_;
  std::unique_ptr<MemoryFileSystem> fs_;
  Options options_;
  std::unique_ptr<StorageManager> store_;
  State now_;      // what the store holds
  State durable_;  // what it held at the last durable point, once durable_lag_ is applied
  std::vector<std::vector<Change>> durable_lag_;    // changes durable since, not yet in durable_
  std::vector<std::vector<Change>> since_durable_;  // each change since, in order
  bool provoking_ = false;  // a crash point is armed or the disk is filling: I/O may fail
  std::uint32_t tag_ = 0;
  std::uint32_t scans_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  StoreFuzzer(in).run();
  return 0;
}
