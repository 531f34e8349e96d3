// Micro-benchmarks of the storage manager with every page of the data in the buffer pool:
// insert_value and insert_values of 100-byte values, scan, updates that grow values, get_value.
// Stores live in fresh directories under /tmp with fsync off, and are emptied before they close
// so that closing writes no data page.
//
// Reported: items_per_second (values/s) and per_value (seconds per value, shown as ns). The
// engine claims BM_StoreInsertValue >= 10M values/s and BM_StoreScan >= 50M values/s.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "bench_support.h"
#include "heapstore/options.h"
#include "heapstore/storage_manager.h"

namespace heapstore {
namespace {

constexpr ContainerId kContainer = 1;
constexpr std::size_t kValueSize = 100;
constexpr std::size_t kBatchSize = 1000;               // values per insert_values call
constexpr std::size_t kInsertsPerIteration = 100'000;  // ~10 MB of pages, then emptied
constexpr std::size_t kScanValues = 1'000'000;         // ~105 MB of pages
constexpr std::size_t kScanFrames = 32768;             // 128 MiB: holds the scanned container
constexpr std::size_t kGetValues = 100'000;
constexpr std::size_t kUpdateValues = 10'000;
constexpr std::size_t kGrowth = 32;        // bytes an update adds to a value
constexpr std::size_t kGrowthRounds = 28;  // values grow to 100 + 28 * 32 = 996 bytes, then reset

using bench::TempDir;

// A store with the default durability (the log fsynced at flush) and one empty container.
class BenchStore {
 public:
  explicit BenchStore(std::size_t frames = Options{}.buffer_pool_frames)
      : store_(StorageManager::open(
            dir_.path() + "/store",
            Options{.buffer_pool_frames = frames, .durability = Durability::kAtFlush})) {
    store_->create_container(kContainer);
  }
  // Removes the containers first, so that closing writes back no page.
  ~BenchStore() { store_->reset(); }
  BenchStore(const BenchStore&) = delete;
  BenchStore& operator=(const BenchStore&) = delete;

  StorageManager* operator->() const { return store_.get(); }

  // Replaces kContainer with an empty one.
  void empty_container() {
    store_->remove_container(kContainer);
    store_->create_container(kContainer);
  }

  // Inserts `count` copies of `value` in batches of kBatchSize; returns their ids.
  std::vector<ValueId> fill(std::size_t count, std::string_view value) {
    const std::vector<std::string_view> batch(kBatchSize, value);
    std::vector<ValueId> ids;
    ids.reserve(count);
    while (ids.size() < count) {
      const std::size_t n = std::min(kBatchSize, count - ids.size());
      const std::vector<ValueId> added = store_->insert_values(kContainer, {batch.data(), n});
      ids.insert(ids.end(), added.begin(), added.end());
    }
    return ids;
  }

 private:
  TempDir dir_;
  std::unique_ptr<StorageManager> store_;
};

// Reports `values` values per iteration as items/s and as seconds per value.
void report_values(benchmark::State& state, std::size_t values) {
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(values));
  state.counters["per_value"] = benchmark::Counter(
      static_cast<double>(values),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Runs `insert` (which stores kInsertsPerIteration values) once per iteration, emptying the
// container untimed in between so that the data stays in the pool.
template <typename Insert>
void run_inserts(benchmark::State& state, Insert insert) {
  BenchStore store;
  for (auto _ : state) {
    insert(store);
    state.PauseTiming();
    store.empty_container();
    state.ResumeTiming();
  }
  report_values(state, kInsertsPerIteration);
}

void BM_StoreInsertValue(benchmark::State& state) {
  const std::string value(kValueSize, 'v');
  run_inserts(state, [&](BenchStore& store) {
    for (std::size_t i = 0; i < kInsertsPerIteration; ++i) {
      benchmark::DoNotOptimize(store->insert_value(kContainer, value));
    }
  });
}
BENCHMARK(BM_StoreInsertValue);

void BM_StoreInsertValues(benchmark::State& state) {
  const std::string value(kValueSize, 'v');
  const std::vector<std::string_view> batch(kBatchSize, value);
  run_inserts(state, [&](BenchStore& store) {
    for (std::size_t i = 0; i < kInsertsPerIteration; i += kBatchSize) {
      benchmark::DoNotOptimize(store->insert_values(kContainer, batch));
    }
  });
}
BENCHMARK(BM_StoreInsertValues)->ArgName("batch")->Arg(kBatchSize);

// Checks a pass met every value and reports the values per iteration.
void finish_scan(benchmark::State& state, std::size_t values_met) {
  if (values_met != static_cast<std::size_t>(state.iterations()) * kScanValues) {
    state.SkipWithError("a scan did not meet every value");
  }
  report_values(state, kScanValues);
}

// A pass with the Scan cursor over kScanValues 100-byte values.
void BM_StoreScan(benchmark::State& state) {
  BenchStore store(kScanFrames);
  store.fill(kScanValues, std::string(kValueSize, 'v'));
  std::size_t values_met = 0;
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (Scan scan = store->scan(kContainer); scan.valid(); scan.next(), ++values_met) {
      bytes += scan.value().size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  finish_scan(state, values_met);
}
BENCHMARK(BM_StoreScan);

// As BM_StoreScan, through the callback form of scan.
void BM_StoreScanVisit(benchmark::State& state) {
  BenchStore store(kScanFrames);
  store.fill(kScanValues, std::string(kValueSize, 'v'));
  std::size_t values_met = 0;
  for (auto _ : state) {
    std::size_t bytes = 0;
    store->scan(kContainer, [&](ValueId, std::string_view value) {
      bytes += value.size();
      ++values_met;
      return true;
    });
    benchmark::DoNotOptimize(bytes);
  }
  finish_scan(state, values_met);
}
BENCHMARK(BM_StoreScanVisit);

// Each iteration grows every one of kUpdateValues values by kGrowth bytes; some no longer fit in
// their page and move. After kGrowthRounds rounds the container is refilled untimed.
void BM_StoreUpdateGrow(benchmark::State& state) {
  BenchStore store;
  const std::string bytes(kValueSize + kGrowth * kGrowthRounds, 'u');
  std::vector<ValueId> ids =
      store.fill(kUpdateValues, std::string_view(bytes).substr(0, kValueSize));
  std::size_t round = 0;
  for (auto _ : state) {
    const std::string_view value =
        std::string_view(bytes).substr(0, kValueSize + kGrowth * ++round);
    for (ValueId& id : ids) id = store->update_value(id, value);
    if (round == kGrowthRounds) {
      state.PauseTiming();
      store.empty_container();
      ids = store.fill(kUpdateValues, std::string_view(bytes).substr(0, kValueSize));
      round = 0;
      state.ResumeTiming();
    }
  }
  report_values(state, kUpdateValues);
}
BENCHMARK(BM_StoreUpdateGrow);

enum class GetOrder { kSequential, kRandom };

// get_value into a reused string over state.range(0) 100-byte values, all in the pool, in
// insertion order or in a random one (which misses the CPU caches and TLB far more).
void BM_StoreGetValue(benchmark::State& state, GetOrder order) {
  const auto values = static_cast<std::size_t>(state.range(0));
  BenchStore store(std::max(Options{}.buffer_pool_frames, values / 30));
  std::vector<ValueId> ids = store.fill(values, std::string(kValueSize, 'v'));
  if (order == GetOrder::kRandom) std::shuffle(ids.begin(), ids.end(), std::mt19937(42));
  std::string out;
  std::size_t next = 0;
  for (auto _ : state) {
    store->get_value(ids[next], out);
    benchmark::DoNotOptimize(out.data());
    next = next + 1 == ids.size() ? 0 : next + 1;
  }
  report_values(state, 1);
}
BENCHMARK_CAPTURE(BM_StoreGetValue, sequential, GetOrder::kSequential)->Arg(kGetValues);
BENCHMARK_CAPTURE(BM_StoreGetValue, random, GetOrder::kRandom)->Arg(kGetValues)->Arg(kScanValues);

}  // namespace
}  // namespace heapstore
