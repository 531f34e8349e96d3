// The report model: metric directions, medians and aggregates, and the JSON form it is written
// in (to_json, write_report). The strict reader of that form is in report_reader.cc.
#include "report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <utility>

#include "context_fields.h"
#include "metrics.h"

namespace heapstore::report {
namespace {

using nlohmann::json;

Aggregate aggregate_of(const std::vector<double>& values) {
  Aggregate result;
  if (values.empty()) return result;
  const auto [lowest, highest] = std::minmax_element(values.begin(), values.end());
  result.median = median(values);
  result.min = *lowest;
  result.max = *highest;
  double sum = 0;
  for (double value : values) sum += value;
  const double mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (double value : values) squares += (value - mean) * (value - mean);
  const double stddev = std::sqrt(squares / static_cast<double>(values.size()));
  // |mean|: metrics are not negative in practice, and a negative cv would read as "no noise".
  result.cv = mean == 0 ? 0 : stddev / std::abs(mean);
  return result;
}

// ---- Writing ----

json context_to_json(const Context& context) {
  json result = json::object();
  for (const auto& [name, field] : kContextStrings) result[std::string(name)] = context.*field;
  result["cores"] = context.cores;
  result["memory_bytes"] = context.memory_bytes;
  result["libraries"] = context.libraries;
  result["clock_resolution_ns"] = context.clock_resolution_ns;
  if (context.clock_read_ns != 0) result["clock_read_ns"] = context.clock_read_ns;
  return result;
}

json aggregates_to_json(const EngineResult& engine) {
  json result = json::object();
  for (const auto& [phase, metrics] : engine.aggregates) {
    json& phase_json = result[phase] = json::object();
    for (const auto& [metric, a] : metrics) {
      phase_json[metric] = {{"median", a.median}, {"min", a.min}, {"max", a.max}, {"cv", a.cv}};
    }
  }
  return result;
}

json series_to_json(const std::vector<SeriesPoint>& series) {
  json result = json::array();
  for (const SeriesPoint& p : series)
    result.push_back({{"end_seconds", p.end_seconds},
                      {"ops_per_sec", p.ops_per_sec},
                      {"p50_ns", p.p50_ns},
                      {"p99_ns", p.p99_ns}});
  return result;
}

json engine_to_json(const EngineResult& engine) {
  json repetitions = json::array();
  for (const Repetition& repetition : engine.repetitions) {
    json phases = json::array();
    for (const PhaseResult& phase : repetition.phases) {
      json item = {{"name", phase.name}, {"op", phase.op}, {"metrics", phase.metrics}};
      if (!phase.series.empty()) item["series"] = series_to_json(phase.series);
      if (!phase.histograms.empty()) {
        json& histograms = item["histograms"] = json::object();
        for (const auto& [op, h] : phase.histograms) histograms[op] = h.buckets;
      }
      phases.push_back(std::move(item));
    }
    repetitions.push_back({{"index", repetition.index}, {"phases", std::move(phases)}});
  }
  // The fields added since heapstore-report/2 began are written only when set, so that an
  // older report reads back and writes out unchanged.
  json result = {{"name", engine.name},
                 {"settings", engine.settings},
                 {"repetitions", std::move(repetitions)},
                 {"aggregates", aggregates_to_json(engine)}};
  if (!engine.engine.empty()) result["engine"] = engine.engine;
  if (!engine.guarantees.atomicity.empty() || !engine.guarantees.durability.empty())
    result["guarantees"] = {{"atomicity", engine.guarantees.atomicity},
                            {"durability", engine.guarantees.durability}};
  if (engine.max_value_bytes != 0) result["max_value_bytes"] = engine.max_value_bytes;
  return result;
}

}  // namespace

json workload_identity(json workload) {
  if (!workload.is_object()) return workload;
  for (const char* key : {"description", "seed", "repetitions", "engines"}) workload.erase(key);
  const auto phases = workload.find("phases");
  if (phases != workload.end() && phases->is_array()) {
    for (json& phase : *phases) {
      if (phase.is_object()) phase.erase("gate");
    }
  }
  return workload;
}

Direction direction_of(std::string_view metric) { return metric_info(metric).direction; }

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (values.size() % 2 == 1) return *middle;
  const double lower = *std::max_element(values.begin(), middle);
  return lower / 2 + *middle / 2;  // halves first, so that huge values cannot overflow
}

Samples samples_of(const EngineResult& engine) {
  Samples samples;
  for (const Repetition& repetition : engine.repetitions) {
    for (const PhaseResult& phase : repetition.phases) {
      for (const auto& [metric, value] : phase.metrics) {
        samples[phase.name][metric].push_back(value);
      }
    }
  }
  return samples;
}

void aggregate(EngineResult& engine) {
  engine.aggregates.clear();
  for (const auto& [phase, metrics] : samples_of(engine)) {
    for (const auto& [metric, values] : metrics) {
      engine.aggregates[phase][metric] = aggregate_of(values);
    }
  }
}

nlohmann::json to_json(const Report& report) {
  json result = json::object();
  result["schema"] = kSchema;
  result["context"] = context_to_json(report.context);
  result["workload"] = report.workload.is_null() ? json::object() : report.workload;
  result["workload_hash"] = report.workload_hash;
  result["seed"] = report.seed;
  result["repetitions"] = report.repetitions;
  result["engines"] = json::array();
  for (const EngineResult& engine : report.engines) {
    result["engines"].push_back(engine_to_json(engine));
  }
  return result;
}

void write_report(const Report& report, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code error;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), error);
  if (error) throw ReportError(path + ": cannot create its directory: " + error.message());
  const std::string text =
      to_json(report).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  // Written beside the target and renamed over it: a reader sees the old report or the new.
  const fs::path temp = path + ".tmp." + std::to_string(::getpid());
  std::ofstream out(temp, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    fs::remove(temp, error);
    throw ReportError(path + ": cannot write " + temp.string());
  }
  fs::rename(temp, target, error);
  if (error) {
    const std::string message = error.message();
    fs::remove(temp, error);
    throw ReportError(path + ": cannot rename " + temp.string() + " over it: " + message);
  }
}

}  // namespace heapstore::report
