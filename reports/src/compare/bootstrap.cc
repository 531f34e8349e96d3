// bootstrap_ratio() and bootstrap_means(): values resampled with replacement, drawn from
// heapstore::Rng (rng.h: xoshiro256** seeded through splitmix64) and never from a std::
// distribution, whose output the standard leaves to each library: the same interval on every
// machine.
#include "bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "report.h"

namespace heapstore::report {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

double resampled_median(const std::vector<double>& values, Rng& rng) {
  std::vector<double> sample(values.size());
  for (double& value : sample) value = values[rng.below(values.size())];
  return median(std::move(sample));
}

}  // namespace

double percentile(const std::vector<double>& sorted, double fraction) {
  const auto rank =
      static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double ratio_of(double candidate, double baseline) {
  if (baseline > 0) return candidate / baseline;
  return candidate == baseline ? 1 : kInfinity;
}

std::pair<double, double> bootstrap_ratio(const std::vector<double>& baseline,
                                          const std::vector<double>& candidate,
                                          std::uint32_t resamples, Rng& rng) {
  if (resamples == 0) {
    const double ratio = ratio_of(median(candidate), median(baseline));
    return {ratio, ratio};
  }
  std::vector<double> ratios;
  ratios.reserve(resamples);
  for (std::uint32_t i = 0; i < resamples; ++i) {
    const double base = resampled_median(baseline, rng);  // two statements: a fixed order
    const double cand = resampled_median(candidate, rng);
    ratios.push_back(ratio_of(cand, base));
  }
  std::sort(ratios.begin(), ratios.end());
  return {percentile(ratios, 0.025), percentile(ratios, 0.975)};
}

std::vector<double> bootstrap_means(const std::vector<double>& values, std::uint32_t resamples,
                                    Rng& rng) {
  std::vector<double> means;
  means.reserve(resamples);
  for (std::uint32_t i = 0; i < resamples; ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < values.size(); ++j) sum += values[rng.below(values.size())];
    means.push_back(sum / static_cast<double>(values.size()));
  }
  std::sort(means.begin(), means.end());
  return means;
}

}  // namespace heapstore::report
