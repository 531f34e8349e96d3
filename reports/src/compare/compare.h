// Comparing a candidate report with a baseline: per engine, phase and gated metric (metrics.h),
// both medians, the change with its 95% interval, and a verdict. Three modes reach verdicts:
//   "repetitions"        timed metrics of two reports: a bootstrap over each side's repetitions
//                        (compare() below);
//   "counted"            two counted reports (Context::meter "instructions"): Callgrind counts,
//                        compared exactly;
//   "paired rounds: N"   base and head run alternately on one machine (paired.h).
// All three give a Comparison, rendered by render_text(), render_markdown() and to_json().
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "report.h"

namespace heapstore::report {

// In ascending severity: the overall verdict is the most severe one of the gated metrics,
// fail > warn > inconclusive > improved > pass.
enum class Verdict { kPass, kImproved, kInconclusive, kWarn, kFail };
std::string_view to_string(Verdict verdict);  // "improved", "pass", "warn", "fail", ...

struct Thresholds {
  double fail_above = 0.10;  // a metric fails when it is surely worse by more than this
  double warn_above = 0.05;
  std::uint32_t min_repetitions = 3;  // of timed metrics; fewer on either side: inconclusive
  std::uint32_t resamples = 2000;     // bootstrap resamples
  std::uint64_t seed = 1;             // of the bootstrap, so verdicts are reproducible
  double max_cv = 0.10;  // a gated metric varying more than this over repetitions is flagged
};

struct MetricComparison {
  std::string engine;
  std::string phase;
  std::string metric;
  Direction direction = Direction::kInformational;
  bool gated = true;  // false: shown with its computed verdict but never counted (gate: false
                      // phase, or a latency the clock cannot resolve); the note says why
  bool deterministic = false;        // counted: compared exactly, no interval
  std::size_t baseline_samples = 0;  // repetitions (or paired rounds) with a value
  std::size_t candidate_samples = 0;
  double baseline_median = 0;  // NaN when the side has no value
  double candidate_median = 0;
  // What people read: candidate / baseline - 1 of the metric itself, signed in its own
  // direction (ops/s 3.2M -> 578k is -0.82; latency 100 ns -> 150 ns is +0.5), with its 95%
  // interval (equal to it for counted metrics). NaN when there is no ratio. Paired rounds use
  // the geometric mean of the per-round ratios instead of the ratio of medians.
  double change = 0;
  double change_low = 0;
  double change_high = 0;
  // What verdicts use: how much worse the candidate is, as a fraction (0.3 = 30% worse,
  // negative = better) and its interval; change for lower-is-better metrics, else
  // 1 / (1 + change) - 1, so a halving of ops/s and a doubling of latency are both +1.
  double worse = 0;
  double worse_low = 0;
  double worse_high = 0;
  Verdict verdict = Verdict::kPass;
  std::string note;  // why inconclusive, not gated, a missing counterpart, a p-value
};

struct Comparison {
  std::string mode;  // "repetitions", "counted" or "paired rounds: N"
  // Gated metrics first, then not gated ones; each part ordered fail, warn, inconclusive,
  // improved, pass, and within a verdict by |worse|, largest first.
  std::vector<MetricComparison> metrics;
  std::vector<std::string> warnings;  // context differences, missing engines, phases or
                                      // metrics, too few repetitions, high spread
  Verdict overall = Verdict::kPass;   // the most severe verdict of the gated metrics
  int exit_code() const;              // 1 when anything failed, else 0
};

// Compares per engine and phase every metric that metrics.h gates: counted ones exactly,
// timed ones only when neither report is counted.
//
// Timed metrics: the interval is a percentile bootstrap of the ratio of medians over the
// repetitions. Fail when worse_low > fail_above (the whole interval beyond the threshold);
// warn when worse_low > warn_above, or the median is beyond fail_above but the interval is
// not; improved when worse_high < -fail_above; inconclusive when fewer than min_repetitions
// on either side, or the interval is wider than 2 * fail_above and reaches beyond fail_above;
// else pass.
// Counted metrics (one repetition is enough): fail when worse > fail_above, warn when worse >
// warn_above, improved when worse < -fail_above, else pass.
// A phase whose workload entry says "gate": false (on either side) is compared but not gated.
//
// Throws ReportError naming the first difference when the reports ran different workloads
// (ignoring description, seed, repetitions and the phases' gate flags); differing hashes
// with no such difference are taken as the same workload.
Comparison compare(const Report& baseline, const Report& candidate, const Thresholds& thresholds);

// A table for a person (text) and for a CI job summary or pull-request comment (Markdown,
// with both reports' context at the top and passing and not gated metrics folded away).
std::string render_text(const Comparison& comparison);
std::string render_markdown(const Comparison& comparison, const Report& baseline,
                            const Report& candidate);

// The comparison as JSON (reports/schema/comparison.schema.json): schema, mode, overall,
// exit_code, warnings and every metric row; values that are NaN or infinite become null.
nlohmann::json to_json(const Comparison& comparison);

}  // namespace heapstore::report
