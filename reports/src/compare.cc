// compare(): per engine, phase and gated metric, the ratio of medians with a percentile
// bootstrap interval, and a verdict; and the text and Markdown forms of the result.
//
// The bootstrap draws from heapstore::Rng (rng.h: xoshiro256** seeded through splitmix64) and
// never from a std:: distribution, whose output the standard leaves to each library: the same
// reports, thresholds and seed give the same intervals and verdicts on every machine.
#include "compare.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <tuple>

#include "render.h"
#include "rng.h"

namespace heapstore::report {
namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // no value: rendered "-"
constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr std::size_t kCollapsePassesAbove = 10;  // Markdown folds more passes than this

// FNV-1a: each metric gets its own stream, whatever else the reports hold.
std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 0xcbf29ce484222325) {
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3;
  return hash;
}

// Never NaN: a zero or negative baseline gives 1 when the candidate equals it, else infinity.
double ratio_of(double candidate, double baseline) {
  if (baseline > 0) return candidate / baseline;
  return candidate == baseline ? 1 : kInfinity;
}

double worse_of(double ratio, Direction direction) {
  if (direction == Direction::kLowerIsBetter) return ratio - 1;
  return ratio > 0 ? 1 / ratio - 1 : kInfinity;
}

double resampled_median(const std::vector<double>& values, Rng& rng) {
  std::vector<double> sample(values.size());
  for (double& value : sample) value = values[rng.below(values.size())];
  return median(std::move(sample));
}

// Nearest rank, so that no interpolation ever mixes an infinite ratio with a finite one.
double percentile(const std::vector<double>& sorted, double fraction) {
  const auto rank =
      static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// The 2.5th and 97.5th percentiles of the ratio of medians over `resamples` resamples.
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

std::string percent(double fraction) {
  if (std::isnan(fraction)) return "-";
  if (std::isinf(fraction)) return fraction > 0 ? "+inf" : "-inf";
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", fraction * 100);
  return text;
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

std::string shown(const std::string& value) { return value.empty() ? "(unknown)" : value; }

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

// ---- Rendering ----

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

std::vector<MetricComparison> worst_first(const std::vector<MetricComparison>& metrics) {
  std::vector<MetricComparison> sorted = metrics;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return severity(a.verdict) > severity(b.verdict);
  });
  return sorted;
}

std::string fixed(double value) {
  if (std::isnan(value)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

std::string ratio_cell(const MetricComparison& m) {
  if (std::isnan(m.ratio)) return "-";
  return fixed(m.ratio) + " [" + fixed(m.ratio_low) + ", " + fixed(m.ratio_high) + "]";
}

std::string value_cell(const std::string& metric, double value) {
  return std::isnan(value) ? "-" : format_metric(metric, value);
}

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

constexpr std::string_view kMetricAlign = "lllrrrrll";

Rows metric_rows(const std::vector<MetricComparison>& metrics) {
  Rows rows = {{"engine", "phase", "metric", "baseline", "candidate", "ratio [95% interval]",
                "worse", "verdict", "note"}};
  for (const MetricComparison& m : metrics) {
    rows.push_back({m.engine, m.phase, m.metric, value_cell(m.metric, m.baseline_median),
                    value_cell(m.metric, m.candidate_median), ratio_cell(m), percent(m.worse),
                    std::string(to_string(m.verdict)), m.note});
  }
  return rows;
}

// "2 fail, 1 warn, 0 inconclusive, 10 pass"
std::string tally(const Comparison& comparison) {
  std::array<int, 4> counts{};
  for (const MetricComparison& m : comparison.metrics) ++counts[severity(m.verdict)];
  return std::to_string(counts[3]) + " fail, " + std::to_string(counts[2]) + " warn, " +
         std::to_string(counts[1]) + " inconclusive, " + std::to_string(counts[0]) + " pass";
}

std::string markdown_metrics(const Comparison& comparison) {
  std::vector<MetricComparison> shown_rows;
  std::vector<MetricComparison> passes;
  const bool collapse = std::count_if(comparison.metrics.begin(), comparison.metrics.end(),
                                      [](const auto& m) { return m.verdict == Verdict::kPass; }) >
                        static_cast<std::ptrdiff_t>(kCollapsePassesAbove);
  for (const MetricComparison& m : worst_first(comparison.metrics)) {
    (collapse && m.verdict == Verdict::kPass ? passes : shown_rows).push_back(m);
  }
  std::string text;
  if (shown_rows.empty()) {
    text += "No gated metric failed, warned or was inconclusive.\n";
  } else {
    text += markdown_table(metric_rows(shown_rows), kMetricAlign);
  }
  if (!passes.empty()) {
    text += "\n<details><summary>" + std::to_string(passes.size()) +
            " passing metrics</summary>\n\n" + markdown_table(metric_rows(passes), kMetricAlign) +
            "\n</details>\n";
  }
  return text;
}

std::string markdown_context(const Report& baseline, const Report& candidate) {
  const auto row = [](std::string what, const std::string& a, const std::string& b) {
    return std::vector<std::string>{std::move(what), shown(a), shown(b)};
  };
  const Context& b = baseline.context;
  const Context& c = candidate.context;
  const Rows rows = {
      {"", "baseline", "candidate"},           row("commit", b.git_commit, c.git_commit),
      row("CPU", b.cpu_model, c.cpu_model),    row("build type", b.build_type, c.build_type),
      row("compiler", b.compiler, c.compiler), row("time", b.time, c.time)};
  return markdown_table(rows, "lll");
}

}  // namespace

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

std::string render_text(const Comparison& comparison) {
  std::string text = text_table(metric_rows(worst_first(comparison.metrics)), kMetricAlign);
  if (!comparison.warnings.empty()) text += "\nwarnings:\n";
  for (const std::string& warning : comparison.warnings) text += "  " + warning + "\n";
  text +=
      "\noverall: " + std::string(to_string(comparison.overall)) + " (" + tally(comparison) + ")\n";
  return text;
}

std::string render_markdown(const Comparison& comparison, const Report& baseline,
                            const Report& candidate) {
  std::string text = "## heapstore compare: " + upper(to_string(comparison.overall)) + "\n\n";
  text += tally(comparison) + " over the gated metrics (throughput: higher is better; p50 and " +
          "p99 latency: lower is better).\n\n";
  text += markdown_metrics(comparison);
  if (!comparison.warnings.empty()) text += "\n### Warnings\n\n";
  for (const std::string& warning : comparison.warnings) text += "- " + warning + "\n";
  text += "\n### Context\n\n" + markdown_context(baseline, candidate);
  return text;
}

}  // namespace heapstore::report
