// StorageManager called from several threads at once: each thread's values, checked against its
// own model, come back intact whether threads share a container or not. Meant to pass under
// ThreadSanitizer as well (the tsan preset).
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
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

}  // namespace
}  // namespace heapstore
