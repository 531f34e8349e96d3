// The percentile bootstrap that compare() puts around a ratio of medians: the same samples,
// number of resamples and Rng seed give the same interval on every machine.
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

}  // namespace heapstore::report
