// Latency measurement cheap enough to time every operation: a TSC tick clock read once per
// operation, and a log-bucketed histogram whose record() is a few instructions.
#pragma once

#include <array>
#include <cstdint>

namespace heapstore::workload {

// The CPU's time-stamp counter, calibrated once against steady_clock.
class TickClock {
 public:
  static std::uint64_t now();   // ticks
  static double ns_per_tick();  // calibrated on first use (about 20 ms), then cached
};

// Counts of values in logarithmic buckets: 16 linear sub-buckets per power of two, so any
// percentile is reported within 1/16 (6.25%) of the true value, for values up to 2^63.
class Histogram {
 public:
  void record(std::uint64_t value);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const;  // 0 when empty
  std::uint64_t max() const { return max_; }
  double mean() const;
  // The value at or below which `fraction` (0..1) of the recorded values lie; the upper edge
  // of its bucket clamped to max(). 0 when empty.
  std::uint64_t percentile(double fraction) const;

 private:
  static constexpr int kSubBits = 4;
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) << kSubBits;
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t bucket_top(std::size_t bucket);

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t sum_ = 0;  // wraps only after ~2^64 ticks in all
};

}  // namespace heapstore::workload
