// Opening a store after a clean close, for stores of 10 MB, 100 MB, 1 GB and 10 GB of 100-byte
// values.
// Only StorageManager::open is timed (manual time); closing is not. sync:1 opens with the default
// options, sync:0 with Options::sync = false.
//
// Each store is built once, untimed, in /tmp/heapstore-open-bench-<mb>MB/store (the 1 GB store
// takes ~1 GB of disk and tens of seconds), and removed when the program exits. Set
// HEAPSTORE_BENCH_KEEP=1 to keep the stores for the next run, which then reuses them (the 10 GB
// store takes minutes to build, and is skipped when /tmp lacks the room). The engine claims an
// open in under 1 ms whatever the size: the catalog holds no per-page data, and each container's
// free-space map is read when first needed (format.md, F4).
//
// Counters: bytes_on_disk of the opened store, and data_page_reads, the container pages the
// open read (the contract says none after a clean close).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "heapstore/options.h"
#include "heapstore/storage_manager.h"
#include "page.h"

namespace heapstore {
namespace {

namespace fs = std::filesystem;

constexpr ContainerId kContainer = 1;
constexpr std::size_t kValueSize = 100;
constexpr std::size_t kBatchSize = 1000;
constexpr std::uint64_t kMiB = 1 << 20;

std::string bench_dir(std::size_t mb) {
  return "/tmp/heapstore-open-bench-" + std::to_string(mb) + "MB";
}

// Values of `value.size()` bytes an empty page takes.
std::size_t values_per_page(std::string_view value) {
  Page page;
  std::size_t count = 0;
  while (page.add_value(value)) ++count;
  return count;
}

// Fills a new store in `dir` with `mb` MiB of pages of 100-byte values and closes it cleanly.
void build_store(const std::string& dir, std::size_t mb) {
  const std::string value(kValueSize, 'o');
  const std::vector<std::string_view> batch(kBatchSize, value);
  const std::uint64_t values = mb * kMiB / kPageSize * values_per_page(value);
  auto store = StorageManager::open(dir, Options{.durability = Durability::kNone});
  store->create_container(kContainer);
  for (std::uint64_t stored = 0; stored < values; stored += kBatchSize) {
    store->insert_values(kContainer, batch);
  }
  store->close();
}

// The stores this run used; removed at exit unless HEAPSTORE_BENCH_KEEP is set.
class StoreCache {
 public:
  ~StoreCache() {
    if (std::getenv("HEAPSTORE_BENCH_KEEP") != nullptr) return;
    for (std::size_t mb : used_) {
      std::error_code ignored;
      fs::remove_all(bench_dir(mb), ignored);
    }
  }

  // The directory of a cleanly closed store of `mb` MiB, built unless a finished one is there.
  std::string store_dir(std::size_t mb) {
    used_.insert(mb);
    const std::string root = bench_dir(mb);
    const std::string done_marker = root + "/built";
    if (!fs::exists(done_marker)) {
      fs::remove_all(root);
      fs::create_directories(root);
      build_store(root + "/store", mb);
      std::ofstream marker(done_marker);
    }
    return root + "/store";
  }

 private:
  std::set<std::size_t> used_;
};

StoreCache& store_cache() {
  static StoreCache cache;
  return cache;
}

bool enough_disk_for(std::size_t mb) {
  return fs::exists(bench_dir(mb) + "/built") ||
         fs::space("/tmp").available > mb * kMiB + mb * kMiB / 4;  // a quarter spare
}

void BM_OpenAfterCleanClose(benchmark::State& state) {
  const auto mb = static_cast<std::size_t>(state.range(0));
  if (!enough_disk_for(mb)) {
    state.SkipWithError("not enough free space in /tmp for the store");
    return;
  }
  const std::string dir = store_cache().store_dir(mb);
  const Options options{.durability =
                            state.range(1) != 0 ? Durability::kAtFlush : Durability::kNone};
  Stats stats;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto store = StorageManager::open(dir, options);
    const auto end = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
    stats = store->stats();
  }
  state.counters["bytes_on_disk"] = static_cast<double>(stats.bytes_on_disk);
  state.counters["data_page_reads"] = static_cast<double>(stats.page_reads);
}
BENCHMARK(BM_OpenAfterCleanClose)
    ->ArgNames({"mb", "sync"})
    ->ArgsProduct({{10, 100, 1024, 10240}, {1, 0}})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace heapstore
