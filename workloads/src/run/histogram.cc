// Tick clock and log-bucketed latency histogram.
//
// Bucket layout (kSubBits = 4): values below 32 have a bucket each (0..31, exact). A value v
// of bit width w >= 6 keeps its top five bits m = v >> s, s = w - 5, in [16, 32), and lands in
// bucket (s << 4) + m, i.e. ((w - 4) << 4) | (m & 15). A bucket's width 2^s is at most 1/16
// of its lower edge m << s, hence the 6.25% bound; 2^63..2^64-1 ends in bucket 975.
#include "histogram.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>

namespace heapstore::workload {

std::uint64_t TickClock::steady_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

namespace {

#ifdef HEAPSTORE_HAVE_RDTSC
// Spins about 20 ms and divides the elapsed steady_clock time by the elapsed ticks.
double calibrate_ns_per_tick() {
  constexpr std::uint64_t kCalibrationNs = 20'000'000;
  const std::uint64_t start_ns = TickClock::steady_ns();
  const std::uint64_t start_ticks = __rdtsc();
  std::uint64_t now_ns = start_ns;
  while (now_ns - start_ns < kCalibrationNs) now_ns = TickClock::steady_ns();
  const std::uint64_t ticks = __rdtsc() - start_ticks;
  if (ticks == 0) return 1.0;  // a TSC that does not move: count in "ticks" of 1 ns
  return static_cast<double>(now_ns - start_ns) / static_cast<double>(ticks);
}
#endif

}  // namespace

double TickClock::ns_per_tick() {
#ifdef HEAPSTORE_HAVE_RDTSC
  static const double cached = calibrate_ns_per_tick();  // thread-safe one-time initialization
  return cached;
#else
  return 1.0;
#endif
}

double TickClock::resolution_ns() {
  std::uint64_t smallest = UINT64_MAX;
  for (int sample = 0; sample < 1000; ++sample) {
    const std::uint64_t first = now();
    std::uint64_t next = now();
    for (int spins = 0; next == first && spins < 1'000'000; ++spins) next = now();
    if (next == first) return 0;  // a clock that does not move: resolution unknown
    smallest = std::min(smallest, next - first);
  }
  return static_cast<double>(smallest) * ns_per_tick();
}

double TickClock::read_cost_ns() {
  constexpr int kReads = 100'000;
  std::uint64_t sink = 0;
  const std::uint64_t start = steady_ns();
  for (int i = 0; i < kReads; ++i) sink += now();
  const std::uint64_t elapsed = steady_ns() - start;
  asm volatile("" : : "r"(sink));  // the reads are not optimised away
  return static_cast<double>(elapsed) / kReads;
}

std::uint32_t auto_sample_every(double read_cost_ns) {
  constexpr double kBudget = 0.01;     // of an operation's time
  constexpr double kFastestOpNs = 20;  // a heapstore insert in memory
  const double every = std::ceil(2 * read_cost_ns / (kBudget * kFastestOpNs));
  return static_cast<std::uint32_t>(std::clamp(every, 1.0, 1024.0));
}

std::uint64_t Histogram::bucket_top(std::size_t bucket) {
  if (bucket < (2u << kSubBits)) return bucket;
  const auto shift = static_cast<int>(bucket >> kSubBits) - 1;
  const std::uint64_t mantissa = (bucket & ((1u << kSubBits) - 1)) | (1u << kSubBits);
  // Lower edge plus width - 1: never overflows, even for the last bucket (top 2^64 - 1).
  return (mantissa << shift) + ((std::uint64_t{1} << shift) - 1);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

std::uint64_t Histogram::min() const { return count_ == 0 ? 0 : min_; }

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t Histogram::percentile(double fraction) const {
  if (count_ == 0) return 0;
  if (!(fraction > 0)) return min();  // NaN included
  if (fraction >= 1) return max_;
  // The rank-th smallest value (1-based), rank = ceil(fraction * count), at least 1.
  const double wanted = std::ceil(fraction * static_cast<double>(count_));
  const std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_top(i), max_);
  }
  return max_;
}

}  // namespace heapstore::workload
