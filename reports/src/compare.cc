// compare(): per engine, phase and gated metric, the ratio of medians with its bootstrap
// interval (bootstrap.cc) and a verdict; the text and Markdown forms are in compare_render.cc.
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
#include "rng.h"

namespace heapstore::report {
namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // no value: rendered "-"
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// FNV-1a: each metric gets its own stream, whatever else the reports hold.
std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 0xcbf29ce484222325) {
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3;
  return hash;
}

double worse_of(double ratio, Direction direction) {
  if (direction == Direction::kLowerIsBetter) return ratio - 1;
  return ratio > 0 ? 1 / ratio - 1 : kInfinity;
}

void judge(MetricComparison& m, std::size_t repetitions, const Thresholds& thresholds) {
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
  } else if (m.worse_high - m.worse_low > 2 * thresholds.fail_above &&
             m.worse_high > thresholds.fail_above) {
    m.verdict = Verdict::kInconclusive;
    m.note = "too noisy: the change lies in [" + percent(m.worse_low) + ", " +
             percent(m.worse_high) + "]";
  } else {
    m.verdict = Verdict::kPass;
  }
}

// A metric on one side only, or with no usable baseline: no ratio, and no verdict either way.
void mark_inconclusive(MetricComparison& m, std::string note) {
  m.ratio = m.ratio_low = m.ratio_high = kNone;
  m.worse = m.worse_low = m.worse_high = kNone;
  m.verdict = Verdict::kInconclusive;
  m.note = std::move(note);
}

MetricComparison compare_metric(MetricComparison m, const std::vector<double>& baseline,
                                const std::vector<double>& candidate,
                                const Thresholds& thresholds) {
  m.baseline_median = baseline.empty() ? kNone : median(baseline);
  m.candidate_median = candidate.empty() ? kNone : median(candidate);
  if (baseline.empty() || candidate.empty()) {
    mark_inconclusive(m, baseline.empty() ? "only in the candidate" : "only in the baseline");
    return m;
  }
  const auto finite = [](const std::vector<double>& values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
  };
  if (!finite(baseline) || !finite(candidate)) {  // only reports built in memory: from_json
    mark_inconclusive(m, "a repetition's value is not a finite number");  // refuses these
    return m;
  }
  if (m.baseline_median <= 0 && m.candidate_median != m.baseline_median) {
    mark_inconclusive(m, m.baseline_median == 0 ? "baseline median is 0: no ratio"
                                                : "baseline median is negative: no ratio");
    return m;
  }
  Rng rng(fnv1a(m.engine + '\0' + m.phase + '\0' + m.metric, thresholds.seed));
  std::tie(m.ratio_low, m.ratio_high) =
      bootstrap_ratio(baseline, candidate, thresholds.resamples, rng);
  m.ratio = ratio_of(m.candidate_median, m.baseline_median);
  m.worse = worse_of(m.ratio, m.direction);
  const double worse_at_low = worse_of(m.ratio_low, m.direction);
  const double worse_at_high = worse_of(m.ratio_high, m.direction);
  m.worse_low = std::min(worse_at_low, worse_at_high);
  m.worse_high = std::max(worse_at_low, worse_at_high);
  judge(m, std::min(baseline.size(), candidate.size()), thresholds);
  return m;
}

// ---- Matching engines, phases and metrics ----

using MetricSamples = std::map<std::string, std::vector<double>>;

Samples gated_samples(const EngineResult* engine) {
  Samples gated;
  if (engine == nullptr) return gated;
  for (auto& [phase, metrics] : samples_of(*engine)) {
    for (auto& [metric, values] : metrics) {
      if (direction_of(metric) != Direction::kInformational) gated[phase][metric] = values;
    }
  }
  return gated;
}

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
  Comparison& out;

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
      m.direction = direction_of(metric);
      out.metrics.push_back(compare_metric(std::move(m), base_values ? *base_values : kNoValues,
                                           cand_values ? *cand_values : kNoValues, thresholds));
    }
  }

  void engine(const std::string& name, const EngineResult* baseline,
              const EngineResult* candidate) {
    if (baseline == nullptr || candidate == nullptr) {
      out.warnings.push_back(one_side("engine " + name, baseline != nullptr));
    }
    const Samples base = gated_samples(baseline);
    const Samples cand = gated_samples(candidate);
    for (const std::string& phase_name : keys_of_either(base, cand)) {
      const auto* base_phase = find_in(base, phase_name);
      const auto* cand_phase = find_in(cand, phase_name);
      if (baseline != nullptr && candidate != nullptr && (!base_phase || !cand_phase)) {
        out.warnings.push_back(
            one_side("phase " + phase_name + " of engine " + name, base_phase != nullptr));
      }
      phase(name, phase_name, base_phase, cand_phase);
    }
  }
};

const EngineResult* find_engine(const Report& report, const std::string& name) {
  for (const EngineResult& engine : report.engines) {
    if (engine.name == name) return &engine;
  }
  return nullptr;
}

void context_warnings(const Context& baseline, const Context& candidate,
                      std::vector<std::string>& warnings) {
  if (baseline.cpu_model != candidate.cpu_model) {
    warnings.push_back("baseline ran on " + shown(baseline.cpu_model) + ", candidate on " +
                       shown(candidate.cpu_model) + ": ratios mix machine and code");
  }
  if (baseline.build_type != candidate.build_type) {
    warnings.push_back("baseline is a " + shown(baseline.build_type) + " build, candidate a " +
                       shown(candidate.build_type) + " build: ratios mix build type and code");
  }
  if (baseline.compiler != candidate.compiler) {
    warnings.push_back("baseline was built with " + shown(baseline.compiler) + ", candidate with " +
                       shown(candidate.compiler) + ": ratios mix compiler and code");
  }
}

}  // namespace

int severity(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFail:
      return 3;
    case Verdict::kWarn:
      return 2;
    case Verdict::kInconclusive:
      return 1;
    case Verdict::kPass:
      return 0;
  }
  return 0;
}

std::string percent(double fraction) {
  if (std::isnan(fraction)) return "-";
  if (std::isinf(fraction)) return fraction > 0 ? "+inf" : "-inf";
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", fraction * 100);
  return text;
}

std::string shown(const std::string& value) { return value.empty() ? "(unknown)" : value; }

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      return "fail";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "unknown";
}

int Comparison::exit_code() const { return overall == Verdict::kFail ? 1 : 0; }

Comparison compare(const Report& baseline, const Report& candidate, const Thresholds& thresholds) {
  if (baseline.workload_hash != candidate.workload_hash) {
    throw ReportError("workload hash differs: baseline " + baseline.workload_hash + ", candidate " +
                      candidate.workload_hash + ": these reports ran different workloads");
  }
  Comparison comparison;
  context_warnings(baseline.context, candidate.context, comparison.warnings);
  Matching matching{thresholds, comparison};
  for (const EngineResult& engine : baseline.engines) {
    matching.engine(engine.name, &engine, find_engine(candidate, engine.name));
  }
  for (const EngineResult& engine : candidate.engines) {
    if (find_engine(baseline, engine.name) == nullptr)
      matching.engine(engine.name, nullptr, &engine);
  }
  if (comparison.metrics.empty()) {
    comparison.warnings.push_back("no gated metric in either report: nothing was compared");
    comparison.overall = Verdict::kInconclusive;
  }
  for (const MetricComparison& m : comparison.metrics) {
    if (severity(m.verdict) > severity(comparison.overall)) comparison.overall = m.verdict;
  }
  return comparison;
}

}  // namespace heapstore::report
