// The durability target of issue 9: durable inserts per second of heapstore with
// Durability::kEveryOperation against SQLite in WAL mode with synchronous=FULL (each insert its own
// transaction), with 1 and 4 threads, in one run. This disk's fsync latency drifts by 2x within a
// minute, so the two engines run interleaved: ROUNDS rounds of heapstore, SQLite, SQLite,
// heapstore (ABBA), SECONDS each, every run on a fresh store; each round gives one ratio, and the
// median, lowest and highest ratio are printed with the median rates.
// Usage: durable_inserts_vs_sqlite [DIR] [ROUNDS=6] [SECONDS=1]
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "heapstore/storage_manager.h"

double kSeconds = 1.0;
std::string kRoot = "build/durable-inserts-vs-sqlite";
double heapstore_per_sync = 0;  // inserts per log sync in the last heapstore run

template <typename Body>
double run_threads(int threads, Body body) {
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::vector<std::thread> ts;
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      long n = 0;
      body(t, stop, n);
      done += n;
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(kSeconds));
  stop = true;
  for (auto& th : ts) th.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return done / s;
}

double heapstore_rate(int threads) {
  std::filesystem::remove_all(kRoot + "/hs");
  auto store = heapstore::StorageManager::open(
      kRoot + "/hs", {.durability = heapstore::Durability::kEveryOperation});
  for (int t = 0; t < threads; ++t) store->create_container(t + 1);
  const std::string value(100, 'v');
  double rate = run_threads(threads, [&](int t, std::atomic<bool>& stop, long& n) {
    while (!stop) {
      store->insert_value(t + 1, value);
      ++n;
    }
  });
  auto st = store->stats();
  heapstore_per_sync = static_cast<double>(st.live_values) / static_cast<double>(st.log_syncs);
  return rate;
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s\n", err);
    std::exit(1);
  }
}

double sqlite_rate(int threads) {
  std::filesystem::remove_all(kRoot + "/sq");
  std::filesystem::create_directories(kRoot + "/sq");
  const std::string path = kRoot + "/sq/db";
  {
    sqlite3* db;
    sqlite3_open(path.c_str(), &db);
    exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(v BLOB);");
    sqlite3_close(db);
  }
  const std::string value(100, 'v');
  return run_threads(threads, [&](int, std::atomic<bool>& stop, long& n) {
    sqlite3* db;
    sqlite3_open(path.c_str(), &db);
    sqlite3_busy_timeout(db, 10000);
    exec(db, "PRAGMA synchronous=FULL;");
    sqlite3_stmt* st;
    sqlite3_prepare_v2(db, "INSERT INTO t(v) VALUES(?)", -1, &st, nullptr);
    while (!stop) {
      sqlite3_bind_blob(st, 1, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
      if (sqlite3_step(st) == SQLITE_DONE) ++n;
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
  });
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int main(int argc, char** argv) {
  if (argc > 1) kRoot = argv[1];
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 6;
  if (argc > 3) kSeconds = std::stod(argv[3]);
  for (int threads : {1, 4}) {
    std::vector<double> ratios, hs_rates, sq_rates, per_sync;
    for (int r = 0; r < rounds; ++r) {
      double hs = heapstore_rate(threads);
      per_sync.push_back(heapstore_per_sync);
      double sq = sqlite_rate(threads) + sqlite_rate(threads);
      hs += heapstore_rate(threads);
      per_sync.push_back(heapstore_per_sync);
      ratios.push_back(hs / sq);
      hs_rates.push_back(hs / 2);
      sq_rates.push_back(sq / 2);
    }
    std::printf(
        "%d thread(s), %d ABBA rounds of %.1f s: heapstore kEveryOperation %.0f inserts/s (%.2f "
        "per log sync), SQLite WAL FULL %.0f/s; ratio median %.2f, range %.2f-%.2f\n",
        threads, rounds, kSeconds, median(hs_rates), median(per_sync), median(sq_rates),
        median(ratios), *std::min_element(ratios.begin(), ratios.end()),
        *std::max_element(ratios.begin(), ratios.end()));
  }
}
