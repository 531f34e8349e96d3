// Exports of a report for other tools: `heapstore export REPORT --format FORMAT` writes
//   gbench                           Google Benchmark's JSON, for tools/compare.py and the tools
//                                    that read --benchmark_out files (export_gbench.cc)
//   bmf                              Bencher Metric Format JSON, for `bencher run --adapter json`
//                                    (export_bmf.cc)
//   github-action-benchmark-bigger   github-action-benchmark's `tool: customBiggerIsBetter` and
//   github-action-benchmark-smaller  `tool: customSmallerIsBetter` files: the action reads one
//                                    direction per file, so one format each
//                                    (export_github_action_benchmark.cc)
//   csv                              every value of the report (metrics of each repetition, time
//                                    series, latency histograms) as one tidy CSV table, for
//                                    notebooks (export_csv.cc)
// One table of formats (export.cc), one file per format, like Google Benchmark's reporters.
// Every JSON format names one engine's phase "<workload>/<engine>/<phase>" and never writes NaN
// or infinity (JSON has neither); gbench has every repetition, the others the median over them.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "report.h"

namespace heapstore::report {

// One export format: its --format name, a line of help, and the function that writes it.
struct ExportFormat {
  std::string_view name;
  std::string_view description;
  std::string (*write)(const Report& report);  // the whole file, ending in "\n"
};

// The registry, in the order `heapstore export --help` lists it. Static storage.
std::span<const ExportFormat> export_format_table();

// The export formats `heapstore export --format` accepts, in one registry.
std::vector<std::string_view> export_formats();

// The text of the file `format` describes `report` in. Throws ReportError for an unknown format,
// naming the known ones.
std::string export_report(const Report& report, std::string_view format);

// ---- The formats, one file each, registered in export.cc ----

std::string export_gbench(const Report& report);
std::string export_bmf(const Report& report);
std::string export_csv(const Report& report);
std::string export_github_action_benchmark_bigger(const Report& report);
std::string export_github_action_benchmark_smaller(const Report& report);

// ---- What the format files share (export.cc) ----

// The workload's "name", or "workload" when the report's workload has none.
std::string workload_name(const Report& report);

// "<workload>/<engine>/<phase>": the name of one engine's phase in every format. Names are kept
// as they are, '/' and all (JSON escapes what needs escaping), so they read the same in every
// format and in `heapstore compare`.
std::string benchmark_name(const Report& report, const EngineResult& engine,
                           std::string_view phase);

// The phases of `engine` in the order they first appear over its repetitions.
std::vector<std::string> phases_of(const EngineResult& engine);

// What the tracking formats (BMF, github-action-benchmark) export: one row per kind of metric.
// Metrics not in the table (operations, seconds, p90, engine.*) are informational and left out.
struct Measure {
  std::string_view metric;  // the report's metric; "<op>" stands for one operation ("get")
  std::string_view slug;    // BMF measure: Bencher's built-in "throughput" and "latency", ...
  std::string_view title;   // in github-action-benchmark names: "throughput", "p50 latency"
  std::string_view unit;    // "ops/s", "MB/s", "ns", "instructions", "instructions/op", ...
  Direction direction;      // which way is better; agrees with direction_of() (tested)
};
std::span<const Measure> export_measures();

// The operation a per-operation measure's metric is about ("get" for "latency.get.p50_ns"),
// empty for a phase-wide metric that matches; nullopt when `metric` is not `measure`'s.
std::optional<std::string> match_measure(const Measure& measure, std::string_view metric);

// One measure of one engine's phase, or of one operation in it, over its repetitions.
struct Measurement {
  std::string benchmark;        // benchmark_name(), plus "/<op>" for a per-operation measure
  const Measure* measure;       // a row of export_measures()
  const EngineResult* engine;   // the report's: valid while the report is
  Aggregate summary;            // median, min, max and cv over the repetitions that have it
  std::size_t repetitions = 0;  // how many repetitions have the metric
};

// Every measure `report` has: engine by engine, phase by phase in order, in table order within
// a phase, operations in name order. A metric whose median, min or max is not finite is left out.
std::vector<Measurement> measurements_of(const Report& report);

// `json` as the text of a file: indented by 2, invalid UTF-8 replaced by U+FFFD, ending in "\n".
std::string json_file_text(const nlohmann::ordered_json& json);

}  // namespace heapstore::report
