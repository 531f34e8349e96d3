// compare_paired(): per engine, phase and primary metric, the rounds' paired log ratios, their
// bootstrap (bootstrap.cc), one-sided p-values, Holm's correction over the gated metrics, and a
// verdict. Rows, ordering and the overall verdict are those of compare() (compare_common.cc).
#include "paired.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <optional>
#include <utility>

#include "bootstrap.h"
#include "compare_common.h"
#include "metrics.h"
#include "rng.h"

namespace heapstore::report {
namespace {

// One metric over the rounds, and what its test found.
struct Series {
  MetricComparison row;      // engine, phase, metric, direction; the rest filled by the test
  std::vector<double> base;  // rounds where both sides have a positive finite value
  std::vector<double> head;
  std::size_t dropped = 0;   // rounds where a side has no such value
  std::string not_judged;    // why the row is not gated, or empty
  bool tested = false;       // enough rounds: p-values below are set
  double p_regression = 1;   // of "worse by more than fail_above"
  double p_improvement = 1;  // of "better by more than fail_above"
};

// The value of `metric` for one engine and phase in one report: the median over its
// repetitions (a round has one), or nothing.
std::optional<double> value_in(const Report& report, const MetricComparison& key) {
  const EngineResult* engine = find_engine(report, key.engine);
  if (engine == nullptr) return std::nullopt;
  const Samples samples = samples_of(*engine);
  const auto phase = samples.find(key.phase);
  if (phase == samples.end()) return std::nullopt;
  const auto metric = phase->second.find(key.metric);
  if (metric == phase->second.end()) return std::nullopt;
  return median(metric->second);
}

bool usable(const std::optional<double>& value) {
  return value && std::isfinite(*value) && *value > 0;
}

// The primary metrics of each engine and phase of the first rounds, with their values.
std::vector<Series> primary_series(const std::vector<Report>& base_rounds,
                                   const std::vector<Report>& head_rounds,
                                   std::vector<std::string>& warnings) {
  std::vector<Series> series;
  for (const EngineResult& engine : base_rounds[0].engines) {
    if (find_engine(head_rounds[0], engine.name) == nullptr) {
      warnings.push_back("engine " + engine.name + " is only in the base rounds");
      continue;
    }
    if (engine.repetitions.empty()) continue;
    for (const PhaseResult& phase : engine.repetitions.front().phases) {
      for (const std::string& metric : {std::string(kOpsPerSec), latency_metric(phase.op, kP50),
                                        latency_metric(phase.op, kP99)}) {
        Series s;
        s.row.engine = engine.name;
        s.row.phase = phase.name;
        s.row.metric = metric;
        s.row.direction = metric_info(metric).direction;
        series.push_back(std::move(s));
      }
    }
  }
  for (const EngineResult& engine : head_rounds[0].engines) {
    if (find_engine(base_rounds[0], engine.name) == nullptr) {
      warnings.push_back("engine " + engine.name + " is only in the head rounds");
    }
  }
  return series;
}

// Fills each series' values from every round; drops the series no round has on either side.
void collect_values(std::vector<Series>& series, const std::vector<Report>& base_rounds,
                    const std::vector<Report>& head_rounds) {
  for (Series& s : series) {
    for (std::size_t i = 0; i < base_rounds.size(); ++i) {
      const auto base = value_in(base_rounds[i], s.row);
      const auto head = value_in(head_rounds[i], s.row);
      if (usable(base) && usable(head)) {
        s.base.push_back(*base);
        s.head.push_back(*head);
      } else if (base || head) {
        ++s.dropped;
      }
    }
  }
  std::erase_if(series, [](const Series& s) { return s.base.empty() && s.dropped == 0; });
}

std::string number(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// Why a latency cannot be judged with this clock, or empty when it can.
std::string unresolved(const Series& s, double resolution_ns, const PairedOptions& options) {
  if (s.row.metric == kOpsPerSec || s.base.empty()) return "";  // no values: inconclusive
  if (!(resolution_ns > 0)) return "clock resolution unknown";
  const double floor_ns = options.min_resolvable_ticks * resolution_ns;
  if (s.row.baseline_median >= floor_ns) return "";
  return "below clock resolution: " + number("%.4g", s.row.baseline_median) + " ns is under " +
         number("%g", options.min_resolvable_ticks) + " ticks of " + number("%.4g", resolution_ns) +
         " ns";
}

// The paired test of one series: interval and both one-sided p-values.
void test(Series& s, const PairedOptions& options) {
  MetricComparison& m = s.row;
  const bool lower_better = m.direction == Direction::kLowerIsBetter;
  std::vector<double> worse_logs;  // per round, log of how much worse head is than base
  for (std::size_t i = 0; i < s.base.size(); ++i) {
    const double d = std::log(s.head[i] / s.base[i]);
    worse_logs.push_back(lower_better ? d : -d);
  }
  Rng rng(metric_seed(m, options.seed));
  const std::vector<double> means =
      bootstrap_means(worse_logs, std::max<std::uint32_t>(options.resamples, 1), rng);
  const double mean = std::accumulate(worse_logs.begin(), worse_logs.end(), 0.0) /
                      static_cast<double>(worse_logs.size());
  const double low = percentile(means, 0.025);
  const double high = percentile(means, 0.975);
  const double sign = lower_better ? 1 : -1;  // worse log -> log ratio
  set_ratio(m, std::exp(sign * mean), std::exp(std::min(sign * low, sign * high)),
            std::exp(std::max(sign * low, sign * high)));
  const double fail_log = std::log1p(options.fail_above);
  const double better_log = options.fail_above < 1 ? std::log1p(-options.fail_above)
                                                   : -std::numeric_limits<double>::infinity();
  const auto count = [&](auto predicate) {
    return static_cast<double>(std::count_if(means.begin(), means.end(), predicate));
  };
  const double total = static_cast<double>(means.size()) + 1;
  s.p_regression = (1 + count([&](double x) { return x <= fail_log; })) / total;
  s.p_improvement = (1 + count([&](double x) { return x >= better_log; })) / total;
  s.tested = true;
}

// "p 0.0002, Holm-adjusted 0.0004", or only the p-value of a row outside Holm's family.
std::string p_note(const Series& s, double p, double adjusted) {
  const std::string text = "p " + number("%.2g", p);
  return s.not_judged.empty() ? text + ", Holm-adjusted " + number("%.2g", adjusted) : text;
}

void judge(Series& s, double p_regression, double p_improvement, const PairedOptions& options) {
  MetricComparison& m = s.row;
  if (p_regression <= options.alpha) {
    m.verdict = Verdict::kFail;
    m.note = p_note(s, s.p_regression, p_regression);
  } else if (p_improvement <= options.alpha) {
    m.verdict = Verdict::kImproved;
    m.note = p_note(s, s.p_improvement, p_improvement);
  } else if (m.worse_high > options.fail_above) {  // not shown, but could be: more rounds
    m.verdict = Verdict::kInconclusive;
    m.note = "could be a regression: the change lies in [" + percent(m.change_low) + ", " +
             percent(m.change_high) + "]";
  } else if (m.worse > options.warn_above) {
    m.verdict = Verdict::kWarn;
  } else {
    m.verdict = Verdict::kPass;
  }
}

// Medians, whether the clock resolves the metric, and the test when there are enough rounds.
void prepare(Series& s, double resolution_ns, const PairedOptions& options) {
  MetricComparison& m = s.row;
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  m.baseline_samples = m.candidate_samples = s.base.size();
  m.baseline_median = s.base.empty() ? kNone : median(s.base);
  m.candidate_median = s.head.empty() ? kNone : median(s.head);
  if (s.not_judged.empty()) s.not_judged = unresolved(s, resolution_ns, options);
  if (s.base.size() < std::max<std::uint32_t>(options.min_rounds, 1)) {
    mark_inconclusive(m, std::to_string(s.base.size()) + " rounds with both values, fewer than " +
                             std::to_string(options.min_rounds));
  } else {
    test(s, options);
  }
}

// With judge_latency, one judged metric per phase: its p50 latency where the clock resolves it
// (a median shrugs off the moments other work preempts the run, which move ops/s), else its
// ops/s; p99 is shown. Fewer metrics also leave Holm's correction more power.
void one_metric_per_phase(std::vector<Series>& series) {
  std::set<std::pair<std::string, std::string>> by_p50;  // engine, phase
  for (const Series& s : series)
    if (s.not_judged.empty() && s.row.metric.ends_with(std::string(".") + std::string(kP50)))
      by_p50.insert({s.row.engine, s.row.phase});
  for (Series& s : series) {
    if (!s.not_judged.empty() || s.row.metric.ends_with(std::string(".") + std::string(kP50)))
      continue;
    if (s.row.metric != kOpsPerSec)
      s.not_judged = "p99 shown, not judged (the phase's p50 or ops/s is)";
    else if (by_p50.contains({s.row.engine, s.row.phase}))
      s.not_judged = "ops/s shown, not judged (the phase's p50 latency is)";
  }
}

// Holm over the gated tested series, once per direction; the others are a family of one.
void judge_all(std::vector<Series>& series, const PairedOptions& options) {
  std::vector<double> regressions;
  std::vector<double> improvements;
  for (const Series& s : series) {
    if (s.tested && s.not_judged.empty()) {
      regressions.push_back(s.p_regression);
      improvements.push_back(s.p_improvement);
    }
  }
  const std::vector<double> regressions_adjusted = holm_adjusted(regressions);
  const std::vector<double> improvements_adjusted = holm_adjusted(improvements);
  std::size_t next = 0;
  for (Series& s : series) {
    if (!s.tested) continue;
    if (!s.not_judged.empty()) {
      judge(s, s.p_regression, s.p_improvement, options);
    } else {
      judge(s, regressions_adjusted[next], improvements_adjusted[next], options);
      ++next;
    }
  }
}

}  // namespace

std::vector<double> holm_adjusted(const std::vector<double>& p_values) {
  std::vector<std::size_t> order(p_values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> adjusted(p_values.size());
  double running = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const double scaled = static_cast<double>(order.size() - k) * p_values[order[k]];
    running = std::max(running, std::min(1.0, scaled));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

Comparison compare_paired(const std::vector<Report>& base_rounds,
                          const std::vector<Report>& head_rounds, const PairedOptions& options) {
  if (base_rounds.empty() || base_rounds.size() != head_rounds.size()) {
    throw ReportError("paired comparison needs as many head rounds as base rounds, at least one: " +
                      std::to_string(base_rounds.size()) + " base, " +
                      std::to_string(head_rounds.size()) + " head");
  }
  for (std::size_t i = 0; i < base_rounds.size(); ++i) {
    check_same_workload(base_rounds[0], base_rounds[i]);
    check_same_workload(base_rounds[0], head_rounds[i]);
  }
  const Report& base = base_rounds[0];
  const Report& head = head_rounds[0];
  if (meter_of(base.context) != kMeterTime || meter_of(head.context) != kMeterTime)
    throw ReportError(
        "a paired comparison judges timed rounds; these were counted "
        "(--meter instructions): compare counted reports with heapstore compare");
  Comparison comparison;
  comparison.mode = "paired rounds: " + std::to_string(base_rounds.size());
  context_warnings(base.context, head.context, comparison.warnings);
  if (base_rounds.size() < options.min_rounds) {
    comparison.warnings.push_back(
        std::to_string(base_rounds.size()) + " paired rounds, fewer than " +
        std::to_string(options.min_rounds) + ": every metric is inconclusive");
  }
  std::vector<Series> series = primary_series(base_rounds, head_rounds, comparison.warnings);
  collect_values(series, base_rounds, head_rounds);
  const std::set<std::string> ungated = ungated_phases(base, head);
  const double resolution =
      std::max(base.context.clock_resolution_ns, head.context.clock_resolution_ns);
  for (Series& s : series) {
    s.not_judged = ungated.contains(s.row.phase) ? "gate: false" : "";
    if (s.not_judged.empty() && !options.judge_latency && s.row.metric != kOpsPerSec)
      s.not_judged = "latency shown, not judged (judge_latency off)";
    if (s.not_judged.empty() && s.base.empty()) s.not_judged = "no round has a value on both sides";
    prepare(s, resolution, options);
  }
  if (options.judge_latency) one_metric_per_phase(series);
  judge_all(series, options);
  for (Series& s : series) {
    if (s.dropped > 0) {
      s.row.note += (s.row.note.empty() ? "" : "; ") + std::to_string(s.dropped) +
                    " round(s) without a positive value on a side left out";
    }
    if (!s.not_judged.empty()) mark_not_gated(s.row, s.not_judged);
    comparison.metrics.push_back(std::move(s.row));
  }
  finish(comparison);
  return comparison;
}

bool needs_more_rounds(const Comparison& comparison) {
  const auto gated = [&](Verdict verdict) {
    return std::any_of(comparison.metrics.begin(), comparison.metrics.end(),
                       [&](const auto& m) { return m.gated && m.verdict == verdict; });
  };
  return gated(Verdict::kInconclusive) && !gated(Verdict::kFail);
}

}  // namespace heapstore::report
