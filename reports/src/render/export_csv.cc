// `heapstore export --format csv`: the whole report as one tidy CSV table for notebooks (pandas,
// R, a spreadsheet), a row per value, so that one filter or pivot gives any view:
//   workload,engine,engine_kind,repetition,phase,op,metric,at,value
// Metrics of each repetition have an empty `at`; a phase's time series is metrics
// "series.ops_per_sec", "series.p50_ns" and "series.p99_ns" with `at` the interval's end in
// seconds; its latency histograms are metrics "histogram.<op>" with `at` a bucket's upper edge in
// ns and `value` its count. Fields are quoted as RFC 4180 says when they need it.
#include <cstdio>

#include "export.h"

namespace heapstore::report {
namespace {

std::string field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string number(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);  // round-trips every double
  return text;
}

// Writes the rows of one phase of one repetition; `prefix` holds its first five fields.
void add_phase(std::string& csv, const std::string& prefix, const PhaseResult& phase) {
  const std::string head = prefix + field(phase.name) + "," + field(phase.op) + ",";
  for (const auto& [metric, value] : phase.metrics)
    csv += head + field(metric) + ",," + number(value) + "\n";
  for (const SeriesPoint& point : phase.series) {
    const std::string at = "," + number(point.end_seconds) + ",";
    csv += head + "series.ops_per_sec" + at + number(point.ops_per_sec) + "\n";
    csv += head + "series.p50_ns" + at + number(point.p50_ns) + "\n";
    csv += head + "series.p99_ns" + at + number(point.p99_ns) + "\n";
  }
  for (const auto& [op, histogram] : phase.histograms)
    for (const auto& [upper_ns, count] : histogram.buckets)
      csv += head + field("histogram." + op) + "," + number(upper_ns) + "," +
             std::to_string(count) + "\n";
}

}  // namespace

std::string export_csv(const Report& report) {
  std::string csv = "workload,engine,engine_kind,repetition,phase,op,metric,at,value\n";
  const std::string workload = field(workload_name(report)) + ",";
  for (const EngineResult& engine : report.engines) {
    const std::string kind = engine.engine.empty() ? engine.name : engine.engine;
    for (const Repetition& repetition : engine.repetitions) {
      const std::string prefix = workload + field(engine.name) + "," + field(kind) + "," +
                                 std::to_string(repetition.index) + ",";
      for (const PhaseResult& phase : repetition.phases) add_phase(csv, prefix, phase);
    }
  }
  return csv;
}

}  // namespace heapstore::report
