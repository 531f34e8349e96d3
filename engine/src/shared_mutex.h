// SharedMutex: a reader-writer lock for the per-container lock that every change and read takes.
// glibc's pthread_rwlock (under std::shared_mutex) spent 15% of a single-threaded insert in its
// lock and unlock; this one is one atomic read-modify-write each way when nobody waits, and
// sleeps on the state word (std::atomic::wait, a futex) after a short spin when somebody holds it.
// Like glibc's default rwlock it lets readers in while a writer waits. Internal.
#pragma once

#include <atomic>
#include <cstdint>

namespace heapstore {

// Meets the standard Lockable and SharedLockable requirements (std::unique_lock and
// std::shared_lock work with it). Not recursive; unlock only what this thread locked.
class SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  // Exclusive: waits until no writer and no reader holds it.
  void lock() {
    while (!try_lock()) wait_while_held(kWriter | kReaders);
  }
  bool try_lock() {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    return (s & (kWriter | kReaders)) == 0 &&
           state_.compare_exchange_strong(s, s | kWriter, std::memory_order_acquire);
  }
  void unlock() {
    if (state_.fetch_and(~(kWriter | kWaiters), std::memory_order_release) & kWaiters)
      state_.notify_all();
  }

  // Shared: waits until no writer holds it.
  void lock_shared() {
    while (!try_lock_shared()) wait_while_held(kWriter);
  }
  bool try_lock_shared() {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    return (s & kWriter) == 0 &&
           state_.compare_exchange_strong(s, s + 1, std::memory_order_acquire);
  }
  void unlock_shared() {
    std::uint32_t before = state_.fetch_sub(1, std::memory_order_release);
    if ((before & kReaders) == 1 && (before & kWaiters)) {  // the last reader, and a writer waits
      state_.fetch_and(~kWaiters, std::memory_order_relaxed);
      state_.notify_all();
    }
  }

 private:
  static constexpr std::uint32_t kWriter = 1u << 31;
  static constexpr std::uint32_t kWaiters = 1u << 30;  // somebody sleeps on state_
  static constexpr std::uint32_t kReaders = kWaiters - 1;

  // Returns once the bits `busy` were seen clear, or after a wake-up (the caller retries): spins
  // a little, then announces itself in kWaiters and sleeps until the state changes.
  void wait_while_held(std::uint32_t busy) {
    for (int spin = 0; spin < 64; ++spin) {
      if ((state_.load(std::memory_order_relaxed) & busy) == 0) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    if ((s & busy) == 0) return;
    if ((s & kWaiters) == 0 &&
        !state_.compare_exchange_strong(s, s | kWaiters, std::memory_order_relaxed))
      return;  // the state changed meanwhile: look again
    state_.wait(s | kWaiters, std::memory_order_relaxed);
  }

  std::atomic<std::uint32_t> state_{0};
};

}  // namespace heapstore
