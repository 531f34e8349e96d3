// The percentile bootstraps of the comparisons: compare() puts one around a ratio of medians,
// compare_paired() one around a mean of per-round log ratios. The same samples, number of
// resamples and Rng seed give the same interval on every machine.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "rng.h"

namespace heapstore::report {

// candidate / baseline, never NaN: a zero or negative baseline gives 1 when the candidate
// equals it, else infinity.
double ratio_of(double candidate, double baseline);

// The 2.5th and 97.5th percentiles of the ratio of medians over `resamples` resamples of both
// sides, drawn from `rng`; with 0 resamples, the ratio of the medians twice. Neither `baseline`
// nor `candidate` may be empty.
std::pair<double, double> bootstrap_ratio(const std::vector<double>& baseline,
                                          const std::vector<double>& candidate,
                                          std::uint32_t resamples, Rng& rng);

// The means of `resamples` resamples (with replacement) of `values`, drawn from `rng`, sorted
// ascending. `values` may not be empty.
std::vector<double> bootstrap_means(const std::vector<double>& values, std::uint32_t resamples,
                                    Rng& rng);

// The nearest-rank percentile (`fraction` in [0, 1]) of `sorted`, which may not be empty: always
// one of its values, so no interpolation mixes an infinite value with a finite one.
double percentile(const std::vector<double>& sorted, double fraction);

}  // namespace heapstore::report
