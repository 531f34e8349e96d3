// Comparing a candidate report with a baseline: per engine, phase and gated metric, both
// medians, the candidate/baseline ratio with a 95% bootstrap confidence interval over the
// repetitions, and a verdict.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report.h"

namespace heapstore::report {

enum class Verdict { kPass, kWarn, kFail, kInconclusive };
std::string_view to_string(Verdict verdict);

struct Thresholds {
  double fail_above = 0.10;  // a metric fails when it is surely worse by more than this
  double warn_above = 0.05;
  std::uint32_t min_repetitions = 3;  // fewer on either side: inconclusive
  std::uint32_t resamples = 2000;     // bootstrap resamples
  std::uint64_t seed = 1;             // of the bootstrap, so verdicts are reproducible
};

struct MetricComparison {
  std::string engine;
  std::string phase;
  std::string metric;
  Direction direction;
  double baseline_median = 0;
  double candidate_median = 0;
  double ratio = 1;      // candidate / baseline medians
  double ratio_low = 1;  // 95% bootstrap interval of the ratio
  double ratio_high = 1;
  // How much worse the candidate is, as a fraction (0.3 = 30% worse; negative = better),
  // with its interval: for higher-is-better metrics 1/ratio - 1, else ratio - 1.
  double worse = 0;
  double worse_low = 0;
  double worse_high = 0;
  Verdict verdict = Verdict::kPass;
  std::string note;  // why inconclusive, or a missing counterpart
};

struct Comparison {
  std::vector<MetricComparison> metrics;  // gated metrics only
  std::vector<std::string> warnings;      // different CPU, build type, engines or phases
  Verdict overall = Verdict::kPass;       // fail > warn > inconclusive > pass
  int exit_code() const;                  // 1 when anything failed, else 0
};

// Verdict rule: fail when worse_low > fail_above (the whole interval beyond the threshold);
// warn when worse_low > warn_above, or when the median is beyond fail_above but the interval
// is not; inconclusive when too few repetitions, or the interval is wider than 2 * fail_above
// and reaches beyond fail_above; else pass.
// Throws ReportError when the reports cannot be compared (different workload hash).
Comparison compare(const Report& baseline, const Report& candidate, const Thresholds& thresholds);

// A table for a person (text) and for a CI job summary or pull-request comment (Markdown).
std::string render_text(const Comparison& comparison);
std::string render_markdown(const Comparison& comparison, const Report& baseline,
                            const Report& candidate);

}  // namespace heapstore::report
