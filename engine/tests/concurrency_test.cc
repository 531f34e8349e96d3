// StorageManager called from several threads at once: each thread's values, checked against its
// own model, come back intact whether threads share a container or not. Meant to pass under
// ThreadSanitizer as well (the tsan preset).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "heapstore/options.h"
#include "heapstore/storage_manager.h"
#include "test_support.h"

namespace heapstore {
namespace {

using heapstore::testing::FaultyFileSystem;
using heapstore::testing::matches;
using heapstore::testing::TempDir;
using heapstore::testing::test_value;
using heapstore::testing::ValueModel;

constexpr int kThreads = 4;
constexpr int kOperationsPerThread = 400;

// Random inserts, updates, deletes and gets of this thread's own values in container `c`,
// recorded in `model`; every get is checked against it.
void work(StorageManager& store, ContainerId c, ValueModel& model, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto next_value = [&] { return test_value(rng() % 1000, rng()); };
  for (int i = 0; i < kOperationsPerThread; ++i) {
    const int op = static_cast<int>(rng() % 10);
    if (model.empty() || op < 4) {
      std::string value = next_value();
      model.put(store.insert_value(c, value), value);
    } else if (op < 6) {
      ValueId id = model.pick(rng);
      std::string value = next_value();
      model.move(id, store.update_value(id, value), value);
    } else if (op < 8) {
      ValueId id = model.pick(rng);
      store.delete_value(id);
      model.erase(id);
    } else {
      ValueId id = model.pick(rng);
      EXPECT_EQ(store.get_value(id), model.value(id)) << to_string(id);
    }
  }
}

// Runs `body(t)` on kThreads threads, t = 0 .. kThreads - 1, and waits for all of them.
void on_threads(const std::function<void(int)>& body) {
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(body, t);
}

// The union of several threads' models.
ValueModel merged(const std::vector<ValueModel>& models, ContainerId c) {
  ValueModel all;
  for (const ValueModel& model : models) {
    for (const auto& [id, value] : model.in(c)) all.put(id, value);
  }
  return all;
}

class ConcurrencyTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::unique_ptr<StorageManager> store_ = StorageManager::open(
      dir_.path(), {.buffer_pool_frames = 32, .durability = Durability::kNone});
  std::vector<ValueModel> models_ = std::vector<ValueModel>(kThreads);
};

TEST_F(ConcurrencyTest, ThreadsInTheirOwnContainersKeepTheirValues) {
  for (int t = 0; t < kThreads; ++t) store_->create_container(t);
  on_threads([&](int t) { work(*store_, t, models_[t], t); });
  for (int t = 0; t < kThreads; ++t) EXPECT_TRUE(matches(*store_, models_[t], t));
}

TEST_F(ConcurrencyTest, ThreadsSharingAContainerKeepEachOthersValues) {
  store_->create_container(7);
  on_threads([&](int t) { work(*store_, 7, models_[t], 100 + t); });
  EXPECT_TRUE(matches(*store_, merged(models_, 7), 7));
  EXPECT_EQ(store_->stats().live_values, merged(models_, 7).size());
}

TEST_F(ConcurrencyTest, ScanSeesItsContainerUnchangedWhileOthersWrite) {
  constexpr ContainerId kScanned = 100;
  store_->create_container(kScanned);
  ValueModel scanned;
  work(*store_, kScanned, scanned, 99);
  for (int t = 1; t < kThreads; ++t) store_->create_container(t);

  on_threads([&](int t) {
    if (t > 0) {
      work(*store_, t, models_[t], 200 + t);
    } else {
      for (int pass = 0; pass < 10; ++pass) EXPECT_TRUE(matches(*store_, scanned, kScanned));
    }
  });
  for (int t = 1; t < kThreads; ++t) EXPECT_TRUE(matches(*store_, models_[t], t));
}

TEST_F(ConcurrencyTest, FlushAndClearCacheRunSafelyAlongsideWriters) {
  for (int t = 1; t < kThreads; ++t) store_->create_container(t);
  std::atomic<int> writers_left = kThreads - 1;
  on_threads([&](int t) {
    if (t > 0) {
      work(*store_, t, models_[t], 300 + t);
      --writers_left;
      return;
    }
    while (writers_left > 0) {
      store_->flush();
      store_->clear_cache();
      store_->stats();
    }
  });
  for (int t = 1; t < kThreads; ++t) EXPECT_TRUE(matches(*store_, models_[t], t));
}

// While one thread waits for the disk (a get that missed the pool), others of the same container
// still get values, cached or not, update them in place and delete them: the miss holds no
// pool-wide lock during its read, and in-place changes need the container lock only shared
// (format.md, "Buffer pool" B2 and "Concurrency"). A regression would block the main thread until
// the read is released: the deadline turns that into a failure instead of a hang.
TEST(ConcurrencyWhileReadingTest, OtherPagesOfTheContainerAreReadAndChangedMeanwhile) {
  TempDir dir;
  FaultyFileSystem fs;
  auto store = StorageManager::open(
      dir.path(), {.buffer_pool_frames = 64, .file_system = &fs, .durability = Durability::kNone});
  store->create_container(1);
  std::vector<ValueId> ids;
  for (int i = 0; i < 80; ++i) ids.push_back(store->insert_value(1, test_value(1000, i)));
  store->clear_cache();
  const ValueId far = ids.back(), near = ids.front(), gone = ids[10], cold = ids[40];
  ASSERT_NE(far.page, near.page);
  ASSERT_NE(far.page, gone.page);
  ASSERT_NE(far.page, cold.page);
  EXPECT_EQ(store->get_value(near), test_value(1000, 0));  // cached from here on
  EXPECT_EQ(store->get_value(gone), test_value(1000, 10));

  fs.hold_reads("c1.heap", std::uint64_t{far.page} * kPageSize);
  std::future<std::string> waiting =
      std::async(std::launch::async, [&] { return store->get_value(far); });
  fs.wait_for_held_read();
  std::future<void> others = std::async(std::launch::async, [&] {
    EXPECT_EQ(store->get_value(near), test_value(1000, 0));
    EXPECT_EQ(store->get_value(cold), test_value(1000, 40));  // a miss of its own
    EXPECT_EQ(store->update_value(near, test_value(1000, 1000)), near);
    store->delete_value(gone);
  });
  const bool done = others.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  fs.release_reads();
  EXPECT_TRUE(done) << "gets and changes of other pages waited for one page's read";
  others.get();
  EXPECT_EQ(waiting.get(), test_value(1000, 79));
  EXPECT_EQ(store->get_value(near), test_value(1000, 1000));
  EXPECT_THROW(store->get_value(gone), Error);
}

}  // namespace
}  // namespace heapstore
