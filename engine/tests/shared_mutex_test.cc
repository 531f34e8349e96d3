// SharedMutex (engine/src/shared_mutex.h): writers exclude everyone, readers only writers, and
// nobody sleeps through an unlock. SpinLock (engine/src/spin_lock.h): one holder at a time. Run
// under ThreadSanitizer too (ci/test.sh), which reports a lock that lets a writer in beside anyone
// as a data race on the fields below.
#include "shared_mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "spin_lock.h"

namespace heapstore {
namespace {

// Two fields a writer changes together; a reader that sees them differ saw half a write.
struct Guarded {
  long a = 0;
  long b = 0;
};

TEST(SharedMutexTest, WritersExcludeEveryoneAndReadersSeeWholeWrites) {
  SharedMutex mutex;
  Guarded guarded;
  std::atomic<long> torn{0};
  constexpr int kWriters = 3, kReaders = 3, kRounds = 20000;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        std::unique_lock lock(mutex);
        long a = guarded.a;
        std::this_thread::yield();  // widens the windows a broken lock would let others into
        guarded.a = a + 1;
        std::this_thread::yield();
        guarded.b = a + 1;
      }
    });
  for (int r = 0; r < kReaders; ++r)
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        std::shared_lock lock(mutex);
        long a = guarded.a;
        std::this_thread::yield();
        if (a != guarded.b) torn.fetch_add(1);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(guarded.a, long{kWriters} * kRounds);  // no increment lost
  EXPECT_EQ(torn.load(), 0);
}

TEST(SharedMutexTest, ReadersShareAndTryLockRespectsHolders) {
  SharedMutex mutex;
  ASSERT_TRUE(mutex.try_lock_shared());
  EXPECT_TRUE(mutex.try_lock_shared());  // a second reader
  EXPECT_FALSE(mutex.try_lock());        // no writer beside readers
  mutex.unlock_shared();
  mutex.unlock_shared();
  ASSERT_TRUE(mutex.try_lock());
  EXPECT_FALSE(mutex.try_lock_shared());  // no reader beside a writer
  EXPECT_FALSE(mutex.try_lock());
  mutex.unlock();
  EXPECT_TRUE(mutex.try_lock());
  mutex.unlock();
}

TEST(SharedMutexTest, AWaiterWakesWhenTheHolderLeaves) {
  SharedMutex mutex;
  for (int round = 0; round < 200; ++round) {
    mutex.lock();
    std::atomic<bool> got{false};
    std::thread reader([&] {
      std::shared_lock lock(mutex);  // sleeps past the spin: the writer holds it a while
      got = true;
    });
    std::thread writer([&] { std::unique_lock lock(mutex); });
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    EXPECT_FALSE(got.load());
    mutex.unlock();
    reader.join();  // hangs (and the test times out) if an unlock forgot a sleeper
    writer.join();
    EXPECT_TRUE(got.load());
  }
}

TEST(SpinLockTest, OneHolderAtATime) {
  SpinLock lock;
  Guarded guarded;
  constexpr int kThreads = 4, kRounds = 20000;  // more threads than cores: holders get preempted
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        std::lock_guard hold(lock);
        const long a = guarded.a;
        if (i % 64 == 0) std::this_thread::yield();  // widens the window a broken lock opens
        guarded.a = a + 1;
      }
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(guarded.a, long{kThreads} * kRounds);
}

TEST(SpinLockTest, TryLockFailsWhileHeld) {
  SpinLock lock;
  ASSERT_TRUE(lock.try_lock());
  EXPECT_FALSE(lock.try_lock());
  lock.unlock();
  EXPECT_TRUE(lock.try_lock());
  lock.unlock();
}

}  // namespace
}  // namespace heapstore
