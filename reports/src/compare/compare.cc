// compare(): per engine, phase and gated metric, timed metrics by the ratio of medians with its
// bootstrap interval (bootstrap.cc), counted ones exactly, and a verdict. What compare() and
// compare_paired() share is in compare_common.cc and compare_inputs.cc; the text and Markdown
// forms are in compare_render.cc, the JSON form in compare_json.cc.
#include "compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include "bootstrap.h"
#include "compare_common.h"
#include "metrics.h"
#include "rng.h"

namespace heapstore::report {
namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // no value: rendered "-"

void judge_timed(MetricComparison& m, const Thresholds& thresholds) {
  const std::size_t repetitions = std::min(m.baseline_samples, m.candidate_samples);
  if (repetitions < thresholds.min_repetitions) {
    m.verdict = Verdict::kInconclusive;
    m.note = std::to_string(repetitions) + " repetitions on one side, fewer than " +
             std::to_string(thresholds.min_repetitions);
  } else if (m.worse_low > thresholds.fail_above) {
    m.verdict = Verdict::kFail;
  } else if (m.worse_low > thresholds.warn_above || m.worse > thresholds.fail_above) {
    m.verdict = Verdict::kWarn;
    if (m.worse > thresholds.fail_above) {
      m.note = "median " + percent(m.worse) + " worse, but the interval starts at " +
               percent(m.worse_low);
    }
  } else if (m.worse_high < -thresholds.fail_above) {
    m.verdict = Verdict::kImproved;
  } else if (m.worse_high - m.worse_low > 2 * thresholds.fail_above &&
             m.worse_high > thresholds.fail_above) {
    m.verdict = Verdict::kInconclusive;
    m.note = "too noisy: the change lies in [" + percent(m.change_low) + ", " +
             percent(m.change_high) + "]";
  } else {
    m.verdict = Verdict::kPass;
  }
}

// Counts repeat exactly, so the change itself is judged: no interval, no minimum repetitions.
void judge_counted(MetricComparison& m, const Thresholds& thresholds) {
  if (m.worse > thresholds.fail_above) {
    m.verdict = Verdict::kFail;
  } else if (m.worse > thresholds.warn_above) {
    m.verdict = Verdict::kWarn;
  } else if (m.worse < -thresholds.fail_above) {
    m.verdict = Verdict::kImproved;
  } else {
    m.verdict = Verdict::kPass;
  }
}

bool all_finite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

MetricComparison compare_metric(MetricComparison m, const std::vector<double>& baseline,
                                const std::vector<double>& candidate,
                                const Thresholds& thresholds) {
  m.baseline_samples = baseline.size();
  m.candidate_samples = candidate.size();
  m.baseline_median = baseline.empty() ? kNone : median(baseline);
  m.candidate_median = candidate.empty() ? kNone : median(candidate);
  if (baseline.empty() || candidate.empty()) {
    mark_inconclusive(m, baseline.empty() ? "only in the candidate" : "only in the baseline");
    return m;
  }
  if (!all_finite(baseline) || !all_finite(candidate)) {  // only reports built in memory:
    mark_inconclusive(m, "a repetition's value is not a finite number");  // from_json refuses
    return m;
  }
  if (m.baseline_median <= 0 && m.candidate_median != m.baseline_median) {
    mark_inconclusive(m, m.baseline_median == 0 ? "baseline median is 0: no ratio"
                                                : "baseline median is negative: no ratio");
    return m;
  }
  const double ratio = ratio_of(m.candidate_median, m.baseline_median);
  if (m.deterministic) {
    set_ratio(m, ratio, ratio, ratio);
    judge_counted(m, thresholds);
    return m;
  }
  Rng rng(metric_seed(m, thresholds.seed));
  const auto [low, high] = bootstrap_ratio(baseline, candidate, thresholds.resamples, rng);
  set_ratio(m, ratio, low, high);
  judge_timed(m, thresholds);
  return m;
}

// ---- Matching engines, phases and metrics ----

using MetricSamples = std::map<std::string, std::vector<double>>;

template <typename Map>
std::set<std::string> keys_of_either(const Map& a, const Map& b) {
  std::set<std::string> keys;
  for (const auto& item : a) keys.insert(item.first);
  for (const auto& item : b) keys.insert(item.first);
  return keys;
}

template <typename Map>
const typename Map::mapped_type* find_in(const Map& map, const std::string& key) {
  const auto found = map.find(key);
  return found == map.end() ? nullptr : &found->second;
}

std::string one_side(const std::string& what, bool in_baseline) {
  return what + " is only in the " + (in_baseline ? "baseline" : "candidate");
}

struct Matching {
  const Thresholds& thresholds;
  bool timed_judged;  // false when either side is counted: Valgrind distorts its timings
  const std::set<std::string>& ungated;
  Comparison& out;

  // The samples of the metrics this comparison judges, of one phase.
  MetricSamples judged(const MetricSamples& samples) const {
    MetricSamples result;
    for (const auto& [metric, values] : samples) {
      const MetricInfo info = metric_info(metric);
      if (info.gated && (info.deterministic || timed_judged)) result[metric] = values;
    }
    return result;
  }

  void phase(const std::string& engine, const std::string& name, const MetricSamples* baseline,
             const MetricSamples* candidate) {
    static const MetricSamples kEmpty;
    const MetricSamples& base = baseline != nullptr ? *baseline : kEmpty;
    const MetricSamples& cand = candidate != nullptr ? *candidate : kEmpty;
    static const std::vector<double> kNoValues;
    for (const std::string& metric : keys_of_either(base, cand)) {
      const auto* base_values = find_in(base, metric);
      const auto* cand_values = find_in(cand, metric);
      if (baseline != nullptr && candidate != nullptr && (!base_values || !cand_values)) {
        out.warnings.push_back(
            one_side("metric " + metric + " of " + engine + "/" + name, base_values != nullptr));
      }
      MetricComparison m;
      m.engine = engine;
      m.phase = name;
      m.metric = metric;
      m.direction = metric_info(metric).direction;
      m.deterministic = metric_info(metric).deterministic;
      m = compare_metric(std::move(m), base_values ? *base_values : kNoValues,
                         cand_values ? *cand_values : kNoValues, thresholds);
      if (ungated.contains(name)) mark_not_gated(m, "gate: false");
      out.metrics.push_back(std::move(m));
    }
  }

  void engine(const std::string& name, const EngineResult* baseline,
              const EngineResult* candidate) {
    if (baseline == nullptr || candidate == nullptr) {
      out.warnings.push_back(one_side("engine " + name, baseline != nullptr));
    }
    const Samples base = baseline != nullptr ? samples_of(*baseline) : Samples{};
    const Samples cand = candidate != nullptr ? samples_of(*candidate) : Samples{};
    for (const std::string& phase_name : keys_of_either(base, cand)) {
      const auto* base_phase = find_in(base, phase_name);
      const auto* cand_phase = find_in(cand, phase_name);
      if (baseline != nullptr && candidate != nullptr && (!base_phase || !cand_phase)) {
        out.warnings.push_back(
            one_side("phase " + phase_name + " of engine " + name, base_phase != nullptr));
      }
      const MetricSamples base_judged = base_phase ? judged(*base_phase) : MetricSamples{};
      const MetricSamples cand_judged = cand_phase ? judged(*cand_phase) : MetricSamples{};
      phase(name, phase_name, base_phase ? &base_judged : nullptr,
            cand_phase ? &cand_judged : nullptr);
    }
  }
};

// ---- Warnings about the repetitions ----

// One warning per distinct pair of too-small repetition counts of the timed rows.
void repetition_warnings(Comparison& comparison, std::uint32_t min_repetitions) {
  std::set<std::pair<std::size_t, std::size_t>> counts;
  for (const MetricComparison& m : comparison.metrics) {
    const std::size_t fewer = std::min(m.baseline_samples, m.candidate_samples);
    if (!m.deterministic && fewer > 0 && fewer < min_repetitions) {
      counts.emplace(m.baseline_samples, m.candidate_samples);
    }
  }
  for (const auto& [base, cand] : counts) {
    comparison.warnings.push_back(
        "too few repetitions to judge timed metrics: " + std::to_string(base) +
        " in the baseline and " + std::to_string(cand) + " in the candidate, at least " +
        std::to_string(min_repetitions) + " needed on each side: they are inconclusive");
  }
}

const Aggregate* aggregate_in(const Report& report, const MetricComparison& m) {
  const EngineResult* engine = find_engine(report, m.engine);
  if (engine == nullptr) return nullptr;
  const auto phase = engine->aggregates.find(m.phase);
  if (phase == engine->aggregates.end()) return nullptr;
  const auto metric = phase->second.find(m.metric);
  return metric == phase->second.end() ? nullptr : &metric->second;
}

// A gated metric whose repetitions vary more than max_cv on either side (the reports' own
// aggregates): its interval is wide and its verdict weak, though maybe not inconclusive.
void spread_warnings(Comparison& comparison, const Report& baseline, const Report& candidate,
                     double max_cv) {
  for (const MetricComparison& m : comparison.metrics) {
    if (!m.gated) continue;
    for (const auto& [report, side] :
         {std::pair{&baseline, "baseline"}, {&candidate, "candidate"}}) {
      const Aggregate* aggregate = aggregate_in(*report, m);
      if (aggregate == nullptr || !(aggregate->cv > max_cv)) continue;
      char cv[64];
      std::snprintf(cv, sizeof cv, "%.1f%% (more than %.1f%%)", aggregate->cv * 100, max_cv * 100);
      comparison.warnings.push_back(m.engine + "/" + m.phase + " " + m.metric + " varies by " + cv +
                                    " over the " + side +
                                    "'s repetitions (coefficient of variation): a weak verdict");
    }
  }
}

}  // namespace

Comparison compare(const Report& baseline, const Report& candidate, const Thresholds& thresholds) {
  check_same_workload(baseline, candidate);
  const bool base_counted = meter_of(baseline.context) == kCountedMeter;
  const bool cand_counted = meter_of(candidate.context) == kCountedMeter;
  if (base_counted != cand_counted)
    throw ReportError("the baseline was measured by " + meter_of(baseline.context) +
                      ", the candidate by " + meter_of(candidate.context) +
                      ": compare reports of one meter (heapstore run --meter)");
  Comparison comparison;
  comparison.mode = base_counted && cand_counted ? "counted" : "repetitions";
  context_warnings(baseline.context, candidate.context, comparison.warnings);
  const std::set<std::string> ungated = ungated_phases(baseline, candidate);
  Matching matching{thresholds, !base_counted && !cand_counted, ungated, comparison};
  for (const EngineResult& engine : baseline.engines) {
    matching.engine(engine.name, &engine, find_engine(candidate, engine.name));
  }
  for (const EngineResult& engine : candidate.engines) {
    if (find_engine(baseline, engine.name) == nullptr) {
      matching.engine(engine.name, nullptr, &engine);
    }
  }
  repetition_warnings(comparison, thresholds.min_repetitions);
  spread_warnings(comparison, baseline, candidate, thresholds.max_cv);
  finish(comparison);
  return comparison;
}

}  // namespace heapstore::report
