// Unit tests of the latency histogram and the tick clock (workloads/src/run/histogram.h): every
// percentile is checked against a sorted copy of what was recorded.
#include "histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "generators.h"

namespace heapstore::workload {
namespace {

constexpr double kFractions[] = {0.0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0};

// The value at rank ceil(fraction * n) (1-based) of `sorted`, as percentile() defines it.
std::uint64_t true_percentile(const std::vector<std::uint64_t>& sorted, double fraction) {
  if (fraction <= 0) return sorted.front();
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * sorted.size()));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

Histogram histogram_of(const std::vector<std::uint64_t>& values) {
  Histogram h;
  for (std::uint64_t v : values) h.record(v);
  return h;
}

// Reported percentiles are never below the true value and at most 1/16 (one bucket) above.
void expect_percentiles_within_a_bucket(std::vector<std::uint64_t> values) {
  const Histogram h = histogram_of(values);
  std::sort(values.begin(), values.end());
  for (double fraction : kFractions) {
    const std::uint64_t truth = true_percentile(values, fraction);
    const std::uint64_t reported = h.percentile(fraction);
    EXPECT_GE(reported, truth) << "p" << fraction * 100;
    EXPECT_LE(reported, truth + truth / 16 + 1) << "p" << fraction * 100;
    EXPECT_LE(reported, h.max());
  }
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  double sum = 0;
  for (std::uint64_t v : values) sum += static_cast<double>(v);
  EXPECT_DOUBLE_EQ(h.mean(), sum / static_cast<double>(values.size()));
}

std::vector<std::uint64_t> draw(int n, std::uint64_t seed, const std::function<double(Rng&)>& f) {
  Rng rng(seed);
  std::vector<std::uint64_t> values(n);
  for (std::uint64_t& v : values) v = static_cast<std::uint64_t>(f(rng));
  return values;
}

TEST(HistogramTest, PercentilesOfUniformValues) {
  expect_percentiles_within_a_bucket(
      draw(100'000, 1, [](Rng& rng) { return static_cast<double>(rng.below(1'000'000)); }));
}

TEST(HistogramTest, PercentilesOfExponentialValues) {
  expect_percentiles_within_a_bucket(
      draw(100'000, 2, [](Rng& rng) { return -2000.0 * std::log(1.0 - rng.unit()); }));
}

TEST(HistogramTest, PercentilesOfHeavyTailedValues) {
  // Log-normal latencies around 300 ticks, and a Pareto tail with alpha 1.1 reaching ~1e10.
  expect_percentiles_within_a_bucket(
      draw(100'000, 3, [](Rng& rng) { return std::exp(5.7 + 1.5 * rng.normal()); }));
  expect_percentiles_within_a_bucket(
      draw(100'000, 4, [](Rng& rng) { return 50.0 / std::pow(1.0 - rng.unit(), 1 / 1.1); }));
}

TEST(HistogramTest, SmallValuesAreExact) {
  const std::vector<std::uint64_t> values =
      draw(10'000, 5, [](Rng& rng) { return static_cast<double>(rng.below(32)); });
  const Histogram h = histogram_of(values);
  std::vector<std::uint64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (double fraction : kFractions) {
    EXPECT_EQ(h.percentile(fraction), true_percentile(sorted, fraction)) << fraction;
  }
  Histogram one;
  one.record(7);
  EXPECT_EQ(one.percentile(0.5), 7u);
  EXPECT_EQ(one.min(), 7u);
  EXPECT_EQ(one.max(), 7u);
  EXPECT_EQ(one.mean(), 7.0);
}

TEST(HistogramTest, ExtremesAndMeanAreExact) {
  Histogram h;
  for (std::uint64_t v : {1000u, 1001u, 999'999u, 17u}) h.record(v);
  EXPECT_EQ(h.min(), 17u);
  EXPECT_EQ(h.max(), 999'999u);
  EXPECT_EQ(h.percentile(0.0), 17u);
  EXPECT_EQ(h.percentile(1.0), 999'999u);
  EXPECT_DOUBLE_EQ(h.mean(), (1000 + 1001 + 999'999 + 17) / 4.0);
  EXPECT_EQ(h.percentile(0.75), 1023u);    // 1001's bucket is 992..1023: its upper edge
  EXPECT_EQ(h.percentile(0.9), 999'999u);  // the last bucket's upper edge, clamped to max()
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  const std::vector<std::uint64_t> values =
      draw(20'000, 6, [](Rng& rng) { return std::exp(4 + 2 * rng.normal()); });
  Histogram all = histogram_of(values), left, right;
  for (std::size_t i = 0; i < values.size(); ++i) (i % 3 == 0 ? left : right).record(values[i]);
  left.merge(right);
  left.merge(Histogram{});
  EXPECT_EQ(left.count(), all.count());
  EXPECT_EQ(left.min(), all.min());
  EXPECT_EQ(left.max(), all.max());
  EXPECT_DOUBLE_EQ(left.mean(), all.mean());
  for (int i = 0; i <= 1000; ++i) {
    EXPECT_EQ(left.percentile(i / 1000.0), all.percentile(i / 1000.0));
  }

  Histogram empty;
  empty.merge(all);
  EXPECT_EQ(empty.min(), all.min());
  EXPECT_EQ(empty.percentile(0.5), all.percentile(0.5));
}

TEST(HistogramTest, EmptyReportsZeros) {
  const Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  for (double fraction : kFractions) EXPECT_EQ(h.percentile(fraction), 0u);
}

TEST(HistogramTest, HugeValuesStayInTheLastBuckets) {
  Histogram h;
  h.record(1ull << 63);
  h.record((1ull << 63) + 1);
  h.record(UINT64_MAX);
  h.record(0);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), UINT64_MAX);
  EXPECT_EQ(h.percentile(1.0), UINT64_MAX);
  EXPECT_EQ(h.percentile(0.25), 0u);
  const std::uint64_t median = h.percentile(0.5);
  EXPECT_GE(median, 1ull << 63);
  EXPECT_LE(median, (1ull << 63) + (1ull << 59));
  EXPECT_EQ(h.percentile(0.99), UINT64_MAX);

  // Every power of two and its neighbours, 0 to 2^64 - 1.
  std::vector<std::uint64_t> values;
  for (int bit = 0; bit < 64; ++bit) {
    const std::uint64_t p = std::uint64_t{1} << bit;
    values.insert(values.end(), {p - 1, p, p + 1, p + p / 3});
  }
  values.push_back(UINT64_MAX);
  const Histogram all = histogram_of(values);
  std::sort(values.begin(), values.end());
  for (std::size_t i = 1; i <= values.size(); ++i) {
    const double fraction = static_cast<double>(i) / static_cast<double>(values.size());
    const std::uint64_t truth = true_percentile(values, fraction);
    EXPECT_GE(all.percentile(fraction), truth);
    EXPECT_LE(all.percentile(fraction) - truth, truth / 16);
  }
}

TEST(TickClockTest, IsMonotonicAndCalibrated) {
  std::uint64_t last = TickClock::now();
  for (int i = 0; i < 10'000; ++i) {
    const std::uint64_t now = TickClock::now();
    ASSERT_GE(now, last);
    last = now;
  }
  const double ns_per_tick = TickClock::ns_per_tick();
  EXPECT_GE(ns_per_tick, 0.05);
  EXPECT_LE(ns_per_tick, 10.0);
  EXPECT_EQ(TickClock::ns_per_tick(), ns_per_tick);  // calibrated once

  const std::uint64_t start = TickClock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const double elapsed_ms = static_cast<double>(TickClock::now() - start) * ns_per_tick / 1e6;
  EXPECT_GE(elapsed_ms, 9.0);
  EXPECT_LE(elapsed_ms, 500.0);
}

}  // namespace
}  // namespace heapstore::workload
