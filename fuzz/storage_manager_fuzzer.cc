// storage_manager_fuzzer: a StorageManager on the in-memory file system with a pool of 1-4 (or 16)
// frames, driven through create/remove_container, inserts (one or a batch), gets, updates (values
// that outgrow their page move), deletes, scans, flush, clear_cache, close and reopen, crashes
// and reset, compared with a std::map model. After every step: live counts (stats) and the
// container list match the model; every 8 steps and after each reopen, a scan of every container
// and a get of every value do. The files are checked against format.md after each structural step
// (C1-C3: create and remove are durable on return) and after each flush or close (C1-C4, P8,
// P1-P7, F1, and the files hold exactly the model's values). A clean reopen reads no data page.
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
constexpr std::array<std::size_t, 5> kFrames = {1, 2, 3, 4, 16};  // 16: inserts keep a cursor
constexpr std::size_t kMaxSteps = 160;
constexpr std::size_t kFullCheckEvery = 8;

// `call` must throw Error with one of `codes` (when a call breaks two rules, either may win).
template <typename Call>
void expect_error(const std::vector<ErrorCode>& codes, const std::string& what, Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    HS_FUZZ_CHECK(std::ranges::find(codes, e.code()) != codes.end(), what + ": " + e.what());
    return;
  }
  fail(what + ": succeeded, expected " + std::string(to_string(*codes.begin())));
}

class StoreFuzzer {
 public:
  explicit StoreFuzzer(FuzzedDataProvider& in)
      : in_(in), fs_(std::make_unique<MemoryFileSystem>()) {
    options_.durability = in_.ConsumeBool() ? Durability::kAtFlush : Durability::kNone;
    open();
  }

  void run() {
    // Weights by repetition: inserts and updates most, structural steps least.
    using Step = void (StoreFuzzer::*)();
    static constexpr Step kSteps[] = {
        &StoreFuzzer::create,      &StoreFuzzer::remove,     &StoreFuzzer::insert_one,
        &StoreFuzzer::insert_one,  &StoreFuzzer::insert_one, &StoreFuzzer::insert_batch,
        &StoreFuzzer::update,      &StoreFuzzer::update,     &StoreFuzzer::erase,
        &StoreFuzzer::get,         &StoreFuzzer::scan_one,   &StoreFuzzer::flush,
        &StoreFuzzer::clear_cache, &StoreFuzzer::reopen,     &StoreFuzzer::crash,
        &StoreFuzzer::reset};
    for (std::size_t step = 1; step <= kMaxSteps && in_.remaining_bytes() > 0; ++step) {
      (this->*in_.PickValueInArray(kSteps))();
      check(step % kFullCheckEvery == 0);
    }
  }

 private:
  void open() {
    options_.buffer_pool_frames = in_.PickValueInArray(kFrames);
    options_.file_system = fs_.get();
    store_ = StorageManager::open(kDir, options_);
  }

  ContainerId pick_container() { return in_.PickValueInArray(kIds); }

  std::string next_value() { return make_value(pick_size(in_, Page::kMaxValueSize), ++tag_); }

  void create() {
    ContainerId c = pick_container();
    store_->create_container(c);
    containers_.insert(c);
    check_store_files(*fs_, kDir, containers_, nullptr);  // durable on return
  }

  void remove() {
    ContainerId c = pick_container();
    if (!containers_.contains(c))
      return expect_error({ErrorCode::kNotFound}, "remove", [&] { store_->remove_container(c); });
    store_->remove_container(c);
    containers_.erase(c);
    std::erase_if(values_, [c](const auto& entry) { return entry.first.container == c; });
    check_store_files(*fs_, kDir, containers_, nullptr);
  }

  void stored(ValueId id, std::string value) {
    HS_FUZZ_CHECK(!values_.contains(id), "a new value got the live id " + to_string(id));
    values_.emplace(id, std::move(value));
    unflushed_ = true;
  }

  // insert_value, or insert_values of 1-12 values: each is stored, ids in order, or (on an error)
  // none is: kInvalidArgument for a value over the maximum, kNotFound for an unknown container.
  void insert(bool batched) {
    ContainerId c = pick_container();
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
    if (!containers_.contains(c)) codes.push_back(ErrorCode::kNotFound);
    if (!codes.empty()) return expect_error(codes, "insert", call);
    std::vector<ValueId> ids = call();
    HS_FUZZ_CHECK(ids.size() == batch.size(), "insert_values returned too few ids");
    for (std::size_t i = 0; i < ids.size(); ++i) stored(ids[i], std::move(batch[i]));
  }
  void insert_one() { insert(false); }
  void insert_batch() { insert(true); }

  void update() {
    ValueId id = pick_id(in_, values_, pick_container());
    std::string value = next_value();
    auto it = values_.find(id);
    std::vector<ErrorCode> codes;
    if (value.size() > StorageManager::kMaxValueSize) codes.push_back(ErrorCode::kInvalidArgument);
    if (it == values_.end()) codes.push_back(ErrorCode::kNotFound);
    if (!codes.empty())
      return expect_error(codes, "update", [&] { store_->update_value(id, value); });
    ValueId moved = store_->update_value(id, value);
    HS_FUZZ_CHECK(moved.container == id.container, "update moved to another container");
    values_.erase(it);
    stored(moved, std::move(value));
  }

  void erase() {
    ValueId id = pick_id(in_, values_, pick_container());
    if (!values_.contains(id))
      return expect_error({ErrorCode::kNotFound}, "delete", [&] { store_->delete_value(id); });
    store_->delete_value(id);
    values_.erase(id);
    unflushed_ = true;
  }

  void get() {
    ValueId id = pick_id(in_, values_, pick_container());
    auto it = values_.find(id);
    if (it == values_.end())
      return expect_error({ErrorCode::kNotFound}, "get", [&] { store_->get_value(id); });
    std::string out = "stale";
    store_->get_value(id, out);
    HS_FUZZ_CHECK(out == it->second, "get of " + to_string(id));
  }

  // Both ways of scanning, alternately; the model's values in ValueId order.
  void scan(ContainerId c) {
    if (!containers_.contains(c))
      return expect_error({ErrorCode::kNotFound}, "scan", [&] { store_->scan(c); });
    Scanned got;
    if (++scans_ % 2 == 0) {
      for (Scan s = store_->scan(c); s.valid(); s.next()) got.emplace_back(s.id(), s.value());
    } else {
      store_->scan(c, [&](ValueId id, std::string_view v) {
        got.emplace_back(id, v);
        return true;
      });
    }
    expect_scan(values_, c, got, "scan");
  }

  void scan_one() { scan(pick_container()); }

  void clear_cache() {
    store_->clear_cache();  // writes every dirty page back: the files hold every value
    unflushed_ = false;
  }

  void flush() {
    store_->flush();
    unflushed_ = false;
    check_store_files(*fs_, kDir, containers_, &values_);
  }

  void reset() {
    store_->reset();
    containers_.clear();
    values_.clear();
    check_store_files(*fs_, kDir, containers_, nullptr);
  }

  // A clean close writes everything; the reopen reads the catalog and no data page.
  void reopen() {
    store_->close();
    store_->close();  // a no-op
    expect_error({ErrorCode::kInvalidArgument}, "insert after close",
                 [&] { store_->insert_value(0, "x"); });
    check_store_files(*fs_, kDir, containers_, &values_);
    open();
    unflushed_ = false;
    std::uint64_t reads = store_->stats().page_reads;
    HS_FUZZ_CHECK(reads == 0, "a clean open read " + std::to_string(reads) + " data pages");
    check(true);
  }

  // The disk as a crash now leaves it. Without changes since the last flush or clear_cache the
  // store must come back exactly; otherwise (a container file's tail maybe torn, H3) whatever
  // it recovers becomes the model. Either way create/remove were durable.
  void crash() {
    std::unique_ptr<MemoryFileSystem> disk = fs_->clone();
    if (unflushed_ && !containers_.empty() && in_.ConsumeBool()) {
      std::string path = kDir + "/c" + std::to_string(*containers_.rbegin()) + ".heap";
      std::size_t length = disk->contents(path)->size();
      disk->resize(path,
                   length - std::min(length, in_.ConsumeIntegralInRange<std::size_t>(1, 4095)));
    }
    store_.reset();  // closes into the old disk, which the crash discards
    fs_ = std::move(disk);
    open();
    std::vector<ContainerId> ids = store_->containers();
    HS_FUZZ_CHECK(std::set(ids.begin(), ids.end()) == containers_, "containers lost in a crash");
    if (unflushed_) {
      values_.clear();
      for (ContainerId c : containers_)
        store_->scan(c, [&](ValueId id, std::string_view v) {
          HS_FUZZ_CHECK(values_.emplace(id, v).second,
                        "a scan yielded " + to_string(id) + " twice");
          return true;
        });
    }
    unflushed_ = false;
    check_store_files(*fs_, kDir, containers_, &values_);  // opening left a clean catalog
    check(true);
  }

  void check(bool full) {
    std::vector<ContainerId> ids = store_->containers();
    HS_FUZZ_CHECK(std::set(ids.begin(), ids.end()) == containers_, "containers() differs");
    Stats stats = store_->stats();
    std::uint64_t bytes = 0;
    for (const auto& entry : values_) bytes += entry.second.size();
    HS_FUZZ_CHECK(stats.live_values == values_.size() && stats.live_value_bytes == bytes,
                  "stats count " + std::to_string(stats.live_values) + " values of " +
                      std::to_string(stats.live_value_bytes) + " bytes, the model " +
                      std::to_string(values_.size()) + " of " + std::to_string(bytes));
    if (!full) return;
    for (ContainerId c : containers_) scan(c);
    for (const auto& [id, value] : values_)
      HS_FUZZ_CHECK(store_->get_value(id) == value, "get of " + to_string(id));
  }

  FuzzedDataProvider& in_;
  std::unique_ptr<MemoryFileSystem> fs_;
  Options options_;
  std::unique_ptr<StorageManager> store_;
  std::set<ContainerId> containers_;
  Values values_;
  bool unflushed_ = false;  // values changed since the last flush, clear_cache or close
  std::uint32_t tag_ = 0;
  std::uint32_t scans_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  StoreFuzzer(in).run();
  return 0;
}
