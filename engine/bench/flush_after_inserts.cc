// The flush target of issue 9: how long flush() takes after N inserts of 100-byte values at the
// default durability, best of R rounds. Built against an engine before the write-ahead log (e.g.
// 9d41611) with -DOLD_API, it times the page-by-page flush that came before:
//   g++ -std=c++20 -O2 -DOLD_API -I<old>/engine/include flush_after_inserts.cc <old lib> -lpthread
// Usage: flush_after_inserts [N=1000000] [ROUNDS=3] [DIR=build/flush-after-inserts]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "heapstore/storage_manager.h"
int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 3;
  const std::string dir = argc > 3 ? argv[3] : "build/flush-after-inserts";
  double best = 1e9;
  for (int r = 0; r < rounds; ++r) {
    std::filesystem::remove_all(dir);
#ifdef OLD_API
    auto store = heapstore::StorageManager::open(dir, {.buffer_pool_frames = 65536, .sync = true});
#else
    auto store = heapstore::StorageManager::open(dir, {.buffer_pool_frames = 65536});
#endif
    store->create_container(1);
    const std::string value(100, 'v');
    for (std::size_t i = 0; i < n; ++i) store->insert_value(1, value);
    auto t0 = std::chrono::steady_clock::now();
    store->flush();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("round %d: flush after %zu inserts: %.1f ms\n", r, n, s * 1e3);
    best = std::min(best, s);
    store->reset();
  }
  std::printf("best: %.1f ms\n", best * 1e3);
}
