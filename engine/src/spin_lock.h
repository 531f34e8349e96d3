// SpinLock: a mutex for critical sections of a few dozen nanoseconds (a buffer-pool shard's
// lookup and pin). A pthread mutex put a waiter to sleep in the kernel at once, and waking it cost
// more than the section it waited for: with two threads on one hot page that was a tenth of the
// time. This one spins (with the CPU's pause hint) and yields the core after a while, in case the
// holder was descheduled. Internal.
#pragma once

#include <atomic>
#include <thread>

namespace heapstore {

// Meets the standard Lockable requirements (std::lock_guard, std::unique_lock). Not recursive.
class SpinLock {
 public:
  SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      for (int spin = 0; locked_.load(std::memory_order_relaxed); ++spin) {
        if (spin >= 128) {
          std::this_thread::yield();
          spin = 0;
        }
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
    }
  }
  bool try_lock() {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace heapstore
