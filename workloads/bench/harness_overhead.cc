// What the harness costs: the same inserts and gets of 100-byte values, once as a raw loop over
// StorageManager and once through `heapstore run` machinery (adapter, selection, a latency
// histogram per operation, checks). Prints each side's median rate over the rounds and the
// median of the rounds' overheads.
//   harness_overhead [values=1000000] [rounds=9] [pool_mib=512]
// With the default pool the data stays in memory (the harness's worst case: 40 ns operations);
// with pool_mib=64 the data outgrows the pool as in the standard workloads. Run it on a quiet
// machine: other work on the cores moves either side by more than the overhead.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "generators.h"
#include "heapstore/storage_manager.h"
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
Rates raw_loop(const std::string& dir, std::uint64_t n, std::uint32_t pool_mib) {
  std::filesystem::remove_all(dir);
  auto store = heapstore::StorageManager::open(
      dir, {.buffer_pool_frames = pool_mib * 256u, .file_system = nullptr, .sync = false});
  store->create_container(0);
  std::vector<heapstore::ValueId> ids;
  ids.reserve(n);
  std::string value, got;
  auto insert_all = [&](std::uint64_t first_key) {
    for (std::uint64_t i = 0; i < n; ++i) {
      hw::fill_value(first_key + i, 0, 100, value);
      ids.push_back(store->insert_value(0, value));
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
  for (std::uint64_t i = 0; i < n; ++i) store->get_value(ids[rng.below(n)], got);
  r.get = per_second(n, start);
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
  auto rate = [&](std::size_t phase) {
    const auto& m = report.engines[0].repetitions[0].phases[phase].metrics;
    return m.at("operations") / (m.at("seconds") - m.at("end_phase_seconds"));
  };
  return {rate(2), rate(3)};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// One operation's rates over the rounds; overhead is taken per round (raw and harness ran back
// to back, so both saw the same machine) and its median reported.
struct Series {
  std::vector<double> raw, run, overhead;
  void add(double raw_rate, double run_rate) {
    raw.push_back(raw_rate);
    run.push_back(run_rate);
    overhead.push_back(raw_rate / run_rate - 1);
  }
  void print(const char* op) const {
    auto [lo, hi] = std::minmax_element(overhead.begin(), overhead.end());
    std::printf(
        "%-6s raw %6.2f M/s   harness %6.2f M/s   overhead %+5.1f%% (rounds %+.1f%% to %+.1f%%)\n",
        op, median(raw) / 1e6, median(run) / 1e6, median(overhead) * 100, *lo * 100, *hi * 100);
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
    Rates raw, run;
    if (round % 2 == 0) {  // alternate which goes first, so neither always gets a fresher machine
      raw = raw_loop(dir + "/raw", n, pool_mib);
      run = harness(dir + "/run", n, pool_mib);
    } else {
      run = harness(dir + "/run", n, pool_mib);
      raw = raw_loop(dir + "/raw", n, pool_mib);
    }
    insert.add(raw.insert, run.insert);
    get.add(raw.get, run.get);
  }
  std::filesystem::remove_all(dir);
  std::printf("%llu values of 100 bytes, %u MiB pool, %d rounds; medians\n",
              static_cast<unsigned long long>(n), pool_mib, rounds);
  insert.print("insert");
  get.print("get");
}
