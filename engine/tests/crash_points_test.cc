// A fixed workload of inserts, moving updates and deletes, flushed every few changes, crashed at
// every write, sync and other change of the disk it makes (each crash's unsynced writes dropped,
// kept or torn by several seeds), run into a full disk at every size, and hit by a failed log
// fsync at many points; each time the store must open and hold every change its last completed
// flush acknowledged, nothing duplicated, stale or unknown (crash_model.h; log_format.md L3-L7).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "crash_model.h"
#include "heapstore/error.h"
#include "heapstore/storage_manager.h"
#include "memory_file_system.h"

namespace heapstore {
namespace {

using testing::CrashExpectation;
using testing::CrashWorkload;
using testing::MemoryFileSystem;

constexpr ContainerId kContainer = 1;
constexpr int kChanges = 400;
constexpr int kFlushEvery = 20;
const std::string kDir = "/store";

Options options_on(MemoryFileSystem& fs) {
  // 8 frames: pages are evicted (written back) between flushes; 48 KiB of log: checkpoints too.
  return {.buffer_pool_frames = 8, .file_system = &fs, .checkpoint_log_bytes = 48 << 10};
}

// Runs the workload on `fs` until it ends or a call throws (`before_change(i)` runs before change
// i, e.g. to arm a fault); returns what its completed flushes acknowledged and what came after.
CrashExpectation run_workload(MemoryFileSystem& fs,
                              const std::function<void(int)>& before_change = nullptr) {
  CrashExpectation expected;
  try {
    auto store = StorageManager::open(kDir, options_on(fs));
    store->create_container(kContainer);
    CrashWorkload workload(7, kContainer);
    for (int i = 0; i < kChanges; ++i) {
      if (before_change) before_change(i);
      testing::CrashOp op = workload.next();
      expected.after.push_back(op);
      workload.apply(*store, op);
      if ((i + 1) % kFlushEvery != 0) continue;
      store->flush();
      expected = {workload.versions(), {}};
    }
    store->close();
    expected.after.clear();
    expected.acked = workload.versions();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kIOError) throw;
  }
  return expected;
}

// Opens the disk `disk` and checks it against `expected`; the failure says what went wrong.
::testing::AssertionResult recovers(MemoryFileSystem& disk, const CrashExpectation& expected) {
  std::unique_ptr<StorageManager> store;
  try {
    store = StorageManager::open(kDir, options_on(disk));
  } catch (const Error& e) {
    return ::testing::AssertionFailure() << "does not open: " << e.what();
  }
  if (!store->has_container(kContainer))
    return expected.acked.empty() ? ::testing::AssertionSuccess()
                                  : ::testing::AssertionFailure() << "the container is lost";
  if (auto problem = testing::check_recovered(*store, kContainer, expected))
    return ::testing::AssertionFailure() << *problem;
  return ::testing::AssertionSuccess();
}

TEST(CrashPoints, EveryWriteAndSyncOfAFixedWorkload) {
  MemoryFileSystem probe;
  run_workload(probe);
  const std::uint64_t calls = probe.mutating_calls();
  ASSERT_GT(calls, 250u);

  int failures = 0;
  for (std::uint64_t n = 0; n <= calls && failures < 5; ++n) {
    MemoryFileSystem fs;
    fs.crash_after(n);
    CrashExpectation expected = run_workload(fs);
    for (std::uint64_t seed : {std::uint64_t{0}, n + 1, 2 * n + 7}) {
      auto disk = fs.crash(seed);
      auto result = recovers(*disk, expected);
      if (!result) ++failures;
      EXPECT_TRUE(result) << "crash at call " << n << " of " << calls << ", seed " << seed;
    }
  }
}

TEST(CrashPoints, ADiskFullAtEverySize) {
  MemoryFileSystem probe;
  run_workload(probe);
  std::uint64_t full = 0;
  for (const std::string& name : probe.list(kDir))
    full += probe.contents(kDir + "/" + name)->size();
  int failures = 0;
  for (std::uint64_t capacity = 0; capacity < full + 8192 && failures < 5; capacity += 1531) {
    MemoryFileSystem fs;
    fs.set_capacity(capacity);
    CrashExpectation expected = run_workload(fs);
    for (std::uint64_t seed : {std::uint64_t{0}, capacity + 1}) {
      auto disk = fs.crash(seed);
      auto result = recovers(*disk, expected);
      if (!result) ++failures;
      EXPECT_TRUE(result) << "disk full at " << capacity << " bytes, seed " << seed;
    }
  }
}

TEST(CrashPoints, AFailedLogSyncLosesNothingAcknowledged) {
  int failures = 0;
  for (int at = 0; at < kChanges && failures < 5; at += 5) {
    MemoryFileSystem fs;
    CrashExpectation expected = run_workload(fs, [&](int i) {
      if (i == at) fs.fail_sync("wal.", 1);
    });
    for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t(at) + 3}) {
      auto disk = fs.crash(seed);
      auto result = recovers(*disk, expected);
      if (!result) ++failures;
      EXPECT_TRUE(result) << "log fsync failed before change " << at << ", seed " << seed;
    }
  }
}

}  // namespace
}  // namespace heapstore
