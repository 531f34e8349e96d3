// The process ci/crash-loop.sh kills with SIGKILL, and the check it runs after each kill.
//
//   heapstore_crash_child run DIR SEED FLUSH_EVERY   changes a store until killed (or 10^6 ops)
//   heapstore_crash_child verify DIR                 reopens it and checks it (crash_model.h)
//
// `run` appends each change to DIR.journal before making it, and after every FLUSH_EVERY changes
// flushes the store and replaces DIR.acked with the live keys the flush made durable. `verify`
// exits 0 when the store opens and holds what those files allow, 1 when it holds something else
// (lost or duplicated values, printed), 2 when it does not open.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "crash_model.h"
#include "heapstore/error.h"
#include "heapstore/storage_manager.h"

namespace {

using heapstore::testing::CrashExpectation;
using heapstore::testing::CrashWorkload;
constexpr heapstore::ContainerId kContainer = 1;

// Writes `text` to `path` whole, replacing it atomically (a kill leaves the old or the new one).
void replace_file(const std::string& path, const std::string& text) {
  std::ofstream(path + ".tmp", std::ios::trunc) << text;
  std::rename((path + ".tmp").c_str(), path.c_str());
}

int run(const std::string& dir, std::uint64_t seed, std::uint64_t flush_every) {
  // A small pool and frequent checkpoints (about every 2,000 changes), so that kills land in
  // evictions, checkpoints and log file reuse (L5, L9), not only between page changes.
  auto store = heapstore::StorageManager::open(
      dir, {.buffer_pool_frames = 64, .checkpoint_log_bytes = std::uint64_t{256} << 10});
  store->create_container(kContainer);
  CrashWorkload workload(seed, kContainer);
  int journal = ::open((dir + ".journal").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  for (std::uint64_t i = 0; i < 1000000; ++i) {
    heapstore::testing::CrashOp op = workload.next();
    std::string line = std::to_string(i) + " " + to_line(op) + "\n";
    if (::write(journal, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 3;
    workload.apply(*store, op);
    if ((i + 1) % flush_every != 0) continue;
    store->flush();
    std::string acked = "ops " + std::to_string(i + 1) + "\n";
    for (const auto& [key, version] : workload.versions())
      acked += std::to_string(key) + " " + std::to_string(version) + "\n";
    replace_file(dir + ".acked", acked);
  }
  return 0;
}

CrashExpectation read_expectation(const std::string& dir) {
  CrashExpectation expected;
  std::uint64_t acked_ops = 0;
  std::ifstream acked(dir + ".acked");
  std::string word;
  if (acked >> word >> acked_ops) {
    std::uint64_t key = 0;
    std::uint32_t version = 0;
    while (acked >> key >> version) expected.acked[key] = version;
  }
  std::ifstream journal(dir + ".journal");
  std::uint64_t index = 0;
  std::string rest;
  while (journal >> index && std::getline(journal, rest)) {
    auto op = heapstore::testing::op_from_line(rest);
    if (op && index >= acked_ops) expected.after.push_back(*op);
  }
  return expected;
}

int verify(const std::string& dir) {
  std::unique_ptr<heapstore::StorageManager> store;
  try {
    store = heapstore::StorageManager::open(dir, {.buffer_pool_frames = 64});
  } catch (const heapstore::Error& e) {
    std::cout << "does not open: " << e.what() << "\n";
    return 2;
  }
  CrashExpectation expected = read_expectation(dir);
  if (!store->has_container(kContainer)) {
    if (expected.acked.empty()) return 0;
    std::cout << "lost: container " << kContainer << " is gone\n";
    return 1;
  }
  if (auto problem = heapstore::testing::check_recovered(*store, kContainer, expected)) {
    std::cout << *problem << "\n";
    return 1;
  }
  std::cout << "ok: " << expected.acked.size() << " acknowledged keys, " << expected.after.size()
            << " changes after\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string command = argc > 1 ? argv[1] : "";
    if (command == "run" && argc == 5)
      return run(argv[2], std::stoull(argv[3]), std::stoull(argv[4]));
    if (command == "verify" && argc == 3) return verify(argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "heapstore_crash_child: " << e.what() << "\n";
    return 3;
  }
  std::cerr << "usage: heapstore_crash_child run DIR SEED FLUSH_EVERY | verify DIR\n";
  return 3;
}
