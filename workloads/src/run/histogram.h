// Latency measurement: a TSC tick clock, what reading it costs (so the runner can choose how
// many operations to time), and a log-bucketed histogram whose record() is a few instructions.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HEAPSTORE_HAVE_RDTSC 1
#endif

namespace heapstore::workload {

// The CPU's time-stamp counter, calibrated once against steady_clock.
class TickClock {
 public:
  static std::uint64_t now() {  // ticks; inline, since it runs once per timed operation
#ifdef HEAPSTORE_HAVE_RDTSC
    return __rdtsc();
#else
    return steady_ns();
#endif
  }
  static double ns_per_tick();  // calibrated on first use (about 20 ms), then cached
  // The smallest step between two different readings, in ns (about 8.6 on the AMD EPYC VMs
  // measured: RDTSC there advances in steps): latencies near it cannot be told apart. Measured
  // on each call (1000 pairs of reads, well under a millisecond); 0 when the clock never moves.
  static double resolution_ns();
  static std::uint64_t steady_ns();  // steady_clock in ns: the clock where there is no TSC
  // What one now() costs, in ns: 100,000 reads back to back, timed by steady_clock (a few
  // hundred microseconds). What latency sampling is sized by (auto_sample_every).
  static double read_cost_ns();
};

// How many operations per timed one, so that timing costs at most 1% of a 20 ns operation (the
// fastest the harness meets): a timed operation reads the clock twice. Between 1 and 1024.
std::uint32_t auto_sample_every(double read_cost_ns);

// Counts of values in logarithmic buckets: 16 linear sub-buckets per power of two, so any
// percentile is reported within 1/16 (6.25%) of the true value, for values up to 2^63.
class Histogram {
 public:
  void record(std::uint64_t value) {
    ++counts_[bucket_of(value)];
    ++count_;
    sum_ += value;
    max_ = std::max(max_, value);
    min_ = std::min(min_, value);
  }
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const;  // 0 when empty
  std::uint64_t max() const { return max_; }
  double mean() const;
  // The value at or below which `fraction` (0..1) of the recorded values lie; the upper edge
  // of its bucket clamped to max(). 0 when empty.
  std::uint64_t percentile(double fraction) const;
  // Calls f(upper_edge, count) for each non-empty bucket in ascending order; the last edge is
  // clamped to max(), as percentile() does.
  template <typename F>
  void for_each_bucket(F f) const {
    for (std::size_t i = 0; i < kBuckets; ++i)
      if (counts_[i] != 0) f(std::min(bucket_top(i), max_), counts_[i]);
  }

 private:
  static constexpr int kSubBits = 4;
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) << kSubBits;
  static std::size_t bucket_of(std::uint64_t value) {
    // `| 16` makes every value below 32 shift by 0, so small values need no branch.
    const int shift = std::bit_width(value | 16) - (kSubBits + 1);
    return (static_cast<std::size_t>(shift) << kSubBits) + static_cast<std::size_t>(value >> shift);
  }
  static std::uint64_t bucket_top(std::size_t bucket);

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t sum_ = 0;  // wraps only after ~2^64 ticks in all
};

}  // namespace heapstore::workload
