// The registry of export formats, and what the format files share: the names of benchmarks, the
// measures the tracking formats export (one table), and the text of a JSON file.
#include "export.h"

#include <algorithm>
#include <cmath>

namespace heapstore::report {
namespace {

constexpr ExportFormat kFormats[] = {
    {"gbench", "Google Benchmark JSON (--benchmark_format=json), for tools/compare.py",
     &export_gbench},
    {"bmf", "Bencher Metric Format JSON, for bencher run --adapter json", &export_bmf},
    {"csv", "one tidy CSV table (metrics, time series, histograms), for notebooks", &export_csv},
    {"github-action-benchmark-bigger",
     "github-action-benchmark, tool: customBiggerIsBetter (ops/s, MB/s)",
     &export_github_action_benchmark_bigger},
    {"github-action-benchmark-smaller",
     "github-action-benchmark, tool: customSmallerIsBetter (latency, instructions, cycles)",
     &export_github_action_benchmark_smaller},
};

constexpr Direction kHigher = Direction::kHigherIsBetter;
constexpr Direction kLower = Direction::kLowerIsBetter;

// "throughput" and "latency" are the measures every Bencher project has (ops/s and ns); the
// others are created by their first upload.
constexpr Measure kMeasures[] = {
    {"ops_per_sec", "throughput", "throughput", "ops/s", kHigher},
    {"ops_per_sec_with_flush", "throughput-with-flush", "throughput with flush", "ops/s", kHigher},
    {"mb_per_sec", "megabytes-per-second", "MB/s", "MB/s", kHigher},
    {"latency.<op>.p50_ns", "latency", "p50 latency", "ns", kLower},
    {"latency.<op>.p99_ns", "latency-p99", "p99 latency", "ns", kLower},
    {"instructions", "instructions", "instructions", "instructions", kLower},
    {"estimated_cycles", "estimated-cycles", "estimated cycles", "cycles", kLower},
    {"instructions.<op>.per_op", "instructions-per-op", "instructions per op", "instructions/op",
     kLower},
    {"estimated_cycles.<op>.per_op", "estimated-cycles-per-op", "estimated cycles per op",
     "cycles/op", kLower},
};

bool finite(const Aggregate& summary) {
  return std::isfinite(summary.median) && std::isfinite(summary.min) &&
         std::isfinite(summary.max) && std::isfinite(summary.cv);
}

// The measurements of one phase: `aggregates` and `samples` are the phase's, by metric.
void add_phase(const std::string& benchmark, const EngineResult& engine,
               const std::map<std::string, Aggregate>& aggregates,
               const std::map<std::string, std::vector<double>>& samples,
               std::vector<Measurement>& measurements) {
  for (const Measure& measure : kMeasures) {
    for (const auto& [metric, summary] : aggregates) {
      const std::optional<std::string> op = match_measure(measure, metric);
      if (!op || !finite(summary)) continue;
      measurements.push_back({op->empty() ? benchmark : benchmark + "/" + *op, &measure, &engine,
                              summary, samples.at(metric).size()});
    }
  }
}

}  // namespace

std::span<const ExportFormat> export_format_table() { return kFormats; }

std::vector<std::string_view> export_formats() {
  std::vector<std::string_view> names;
  for (const ExportFormat& format : kFormats) names.push_back(format.name);
  return names;
}

std::string export_report(const Report& report, std::string_view format) {
  std::string known;
  for (const ExportFormat& candidate : kFormats) {
    if (candidate.name == format) return candidate.write(report);
    known += (known.empty() ? "" : ", ") + std::string(candidate.name);
  }
  throw ReportError("unknown export format '" + std::string(format) + "' (known: " + known + ")");
}

std::string workload_name(const Report& report) {
  const nlohmann::json& workload = report.workload;
  const auto name = workload.is_object() ? workload.find("name") : workload.end();
  return name != workload.end() && name->is_string() ? name->get<std::string>() : "workload";
}

std::string benchmark_name(const Report& report, const EngineResult& engine,
                           std::string_view phase) {
  return workload_name(report) + "/" + engine.name + "/" + std::string(phase);
}

std::vector<std::string> phases_of(const EngineResult& engine) {
  std::vector<std::string> phases;
  for (const Repetition& repetition : engine.repetitions) {
    for (const PhaseResult& phase : repetition.phases) {
      if (std::find(phases.begin(), phases.end(), phase.name) == phases.end()) {
        phases.push_back(phase.name);
      }
    }
  }
  return phases;
}

std::span<const Measure> export_measures() { return kMeasures; }

std::optional<std::string> match_measure(const Measure& measure, std::string_view metric) {
  constexpr std::string_view kOp = "<op>";
  const std::size_t at = measure.metric.find(kOp);
  if (at == std::string_view::npos) {
    return metric == measure.metric ? std::optional<std::string>("") : std::nullopt;
  }
  const std::string_view prefix = measure.metric.substr(0, at);
  const std::string_view suffix = measure.metric.substr(at + kOp.size());
  if (metric.size() <= prefix.size() + suffix.size() || !metric.starts_with(prefix) ||
      !metric.ends_with(suffix)) {
    return std::nullopt;
  }
  const std::string_view op =
      metric.substr(prefix.size(), metric.size() - prefix.size() - suffix.size());
  if (op.find('.') != std::string_view::npos) return std::nullopt;
  return std::string(op);
}

std::vector<Measurement> measurements_of(const Report& report) {
  std::vector<Measurement> measurements;
  for (const EngineResult& engine : report.engines) {
    EngineResult summarized = engine;  // aggregates of the repetitions, whatever the file held
    aggregate(summarized);
    const Samples samples = samples_of(engine);
    for (const std::string& phase : phases_of(engine)) {
      const auto aggregates = summarized.aggregates.find(phase);
      if (aggregates == summarized.aggregates.end()) continue;  // a phase without metrics
      add_phase(benchmark_name(report, engine, phase), engine, aggregates->second,
                samples.at(phase), measurements);
    }
  }
  return measurements;
}

std::string json_file_text(const nlohmann::ordered_json& json) {
  return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace heapstore::report
