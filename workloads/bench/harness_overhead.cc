// What the harness costs: the same inserts and gets of 100-byte values as a raw loop over
// StorageManager, as the same loop reading the clock around each engine call into a latency
// histogram (what timing every operation would cost by itself), and through `heapstore run`
// machinery (adapter, selection, a sampled latency, checks). Prints each one's median rate over the
// rounds and the medians of the rounds' overheads against the raw loop.
//   harness_overhead [values=1000000] [rounds=9] [pool_mib=512]
// With the default pool the data stays in memory (the harness's worst case: 40 ns operations);
// with pool_mib=64 the data outgrows the pool as in the standard workloads. Run it on a quiet
// machine: other work on the cores moves either side by more than the overhead.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "generators.h"
#include "heapstore/storage_manager.h"
#include "histogram.h"
#include "runner.h"

namespace hw = heapstore::workload;
using Clock = std::chrono::steady_clock;

namespace {

struct Rates {
  double insert = 0;
  double get = 0;
};

double per_second(std::uint64_t n, Clock::time_point start) {
  return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
}

// Both sides first fill the store and empty it again (deleting from the end), untimed, so that
// the timed inserts find the buffer pool's memory already mapped: otherwise the kernel zeroing
// fresh pages dominates them and varies more than the overhead being measured.
Rates raw_loop(const std::string& dir, std::uint64_t n, std::uint32_t pool_mib, bool timed) {
  std::filesystem::remove_all(dir);
  auto store = heapstore::StorageManager::open(
      dir, {.buffer_pool_frames = pool_mib * 256u,
            .file_system = nullptr,
            .durability = heapstore::Durability::kNone});  // as the adapter with sync: false
  store->create_container(0);
  std::vector<heapstore::ValueId> ids;
  ids.reserve(n);
  std::string value, got;
  hw::Histogram latency;  // `timed`: the clock read just before and after each engine call
  auto insert_all = [&](std::uint64_t first_key) {
    for (std::uint64_t i = 0; i < n; ++i) {
      hw::fill_value(first_key + i, 0, 100, value);
      std::uint64_t start = timed ? hw::TickClock::now() : 0;
      ids.push_back(store->insert_value(0, value));
      if (timed) latency.record(hw::TickClock::now() - start);
    }
  };
  insert_all(0);
  store->flush();  // as the harness ends each phase, untimed
  for (; !ids.empty(); ids.pop_back()) store->delete_value(ids.back());
  store->flush();
  Rates r;
  auto start = Clock::now();
  insert_all(n);
  r.insert = per_second(n, start);
  store->flush();
  hw::Rng rng(1);
  start = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    const heapstore::ValueId& id = ids[rng.below(n)];
    std::uint64_t begin = timed ? hw::TickClock::now() : 0;
    store->get_value(id, got);
    if (timed) latency.record(hw::TickClock::now() - begin);
  }
  r.get = per_second(n, start);
  if (timed && latency.count() != 3 * n) std::abort();  // keeps the recording from being elided
  store->reset();
  return r;
}

Rates harness(const std::string& dir, std::uint64_t n, std::uint32_t pool_mib) {
  std::string count = std::to_string(n);
  hw::Spec spec = hw::parse_spec(
      "schema: heapstore-workload/1\nname: overhead\n"
      "engine: {buffer_pool_mib: " +
          std::to_string(pool_mib) +
          "}\n"
          "phases:\n"
          "  - {name: fill, op: insert, count: " +
          count +
          ", value_size: 100}\n"
          "  - {name: empty, op: delete, count: " +
          count +
          ", select: reverse}\n"
          "  - {name: load, op: insert, count: " +
          count +
          ", value_size: 100}\n"
          "  - {name: read, op: get, count: " +
          count + ", select: uniform}\n",
      "overhead");
  hw::RunOptions options;
  options.data_dir = dir;
  hw::Progress quiet(stderr, false, true);
  auto report = hw::run_workload(spec, options, quiet);
  auto rate = [&](std::size_t phase) {  // over the whole phase, its end_phase flush excluded
    return report.engines[0].repetitions[0].phases[phase].metrics.at("ops_per_sec");
  };
  return {rate(2), rate(3)};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// One operation's rates over the rounds. Overheads are taken per round (the loops ran back to
// back, so they saw the same machine) and their medians reported.
struct Series {
  std::vector<double> raw, timed, run, timed_overhead, run_overhead;
  void add(double raw_rate, double timed_rate, double run_rate) {
    raw.push_back(raw_rate);
    timed.push_back(timed_rate);
    run.push_back(run_rate);
    timed_overhead.push_back(raw_rate / timed_rate - 1);
    run_overhead.push_back(raw_rate / run_rate - 1);
  }
  void print(const char* op) const {
    std::printf("%-6s raw %6.2f M/s | raw+clock %6.2f M/s %+5.1f%% | harness %6.2f M/s %+5.1f%%\n",
                op, median(raw) / 1e6, median(timed) / 1e6, median(timed_overhead) * 100,
                median(run) / 1e6, median(run_overhead) * 100);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t n = argc > 1 ? std::stoull(argv[1]) : 1'000'000;
  int rounds = argc > 2 ? std::stoi(argv[2]) : 9;
  std::uint32_t pool_mib = argc > 3 ? static_cast<std::uint32_t>(std::stoul(argv[3])) : 512;
  std::string dir = std::filesystem::temp_directory_path() / "heapstore-harness-overhead";
  Series insert, get;
  for (int round = 0; round < rounds; ++round) {
    // Rotate the order, so that no loop always runs first on a fresher machine.
    Rates raw, timed, run;
    for (int k = 0; k < 3; ++k) {
      switch ((round + k) % 3) {
        case 0:
          raw = raw_loop(dir + "/raw", n, pool_mib, false);
          break;
        case 1:
          timed = raw_loop(dir + "/timed", n, pool_mib, true);
          break;
        default:
          run = harness(dir + "/run", n, pool_mib);
      }
    }
    insert.add(raw.insert, timed.insert, run.insert);
    get.add(raw.get, timed.get, run.get);
  }
  std::filesystem::remove_all(dir);
  std::printf("%llu values of 100 bytes, %u MiB pool, %d rounds; medians\n",
              static_cast<unsigned long long>(n), pool_mib, rounds);
  insert.print("insert");
  get.print("get");
}
