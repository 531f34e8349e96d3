// What the harness costs: the same inserts and gets of 100-byte values, once as a raw loop over
// StorageManager and once through `heapstore run` machinery (adapter, selection, a latency
// histogram per operation, checks). Prints each side's best and median rate over the rounds and
// the overhead. Usage: harness_overhead [values=2000000] [rounds=5] [pool_mib=512]
// With the default pool the data stays in memory (the harness's worst case: 40 ns operations);
// with pool_mib=64 the data outgrows the pool as in the standard workloads.
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

Rates raw_loop(const std::string& dir, std::uint64_t n, std::uint32_t pool_mib) {
  std::filesystem::remove_all(dir);
  auto store = heapstore::StorageManager::open(
      dir, {.buffer_pool_frames = pool_mib * 256u, .file_system = nullptr, .sync = false});
  store->create_container(0);
  std::vector<heapstore::ValueId> ids;
  ids.reserve(n);
  std::string value, got;
  Rates r;
  auto start = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    hw::fill_value(i, 0, 100, value);
    ids.push_back(store->insert_value(0, value));
  }
  r.insert = per_second(n, start);
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
          "}\nphases:\n"
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
  return {rate(0), rate(1)};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double best(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t n = argc > 1 ? std::stoull(argv[1]) : 2'000'000;
  int rounds = argc > 2 ? std::stoi(argv[2]) : 5;
  std::uint32_t pool_mib = argc > 3 ? static_cast<std::uint32_t>(std::stoul(argv[3])) : 512;
  std::string dir = std::filesystem::temp_directory_path() / "heapstore-harness-overhead";
  std::vector<double> raw_insert, raw_get, run_insert, run_get;
  for (int round = 0; round < rounds; ++round) {  // alternate, so drift hits both sides
    Rates raw = raw_loop(dir + "/raw", n, pool_mib);
    Rates run = harness(dir + "/run", n, pool_mib);
    raw_insert.push_back(raw.insert);
    raw_get.push_back(raw.get);
    run_insert.push_back(run.insert);
    run_get.push_back(run.get);
  }
  std::filesystem::remove_all(dir);
  // On a shared machine the best round of each side is the least disturbed one.
  auto line = [](const char* op, const char* of, double raw, double run) {
    std::printf("%-7s %-7s raw %6.2f M/s   harness %6.2f M/s   overhead %+5.1f%%\n", op, of,
                raw / 1e6, run / 1e6, (raw / run - 1) * 100);
  };
  std::printf("%llu values of 100 bytes, %u MiB pool, %d rounds\n",
              static_cast<unsigned long long>(n), pool_mib, rounds);
  line("insert", "best", best(raw_insert), best(run_insert));
  line("insert", "median", median(raw_insert), median(run_insert));
  line("get", "best", best(raw_get), best(run_get));
  line("get", "median", median(raw_get), median(run_get));
}
