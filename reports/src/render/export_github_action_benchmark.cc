// `--format github-action-benchmark-bigger` and `-smaller`: the JSON that github-action-benchmark
// reads with `tool: customBiggerIsBetter` and `tool: customSmallerIsBetter`. The shape, from
// https://github.com/benchmark-action/github-action-benchmark#examples ("customBiggerIsBetter",
// "customSmallerIsBetter") and its src/extract.ts (extractCustomBenchmarkResult):
//   [ { "name": string, "unit": string, "value": number, "range"?: string, "extra"?: string } ]
// The action reads one tool per file, and the tool says which way is better, so each direction
// is a format of its own: run `heapstore export` twice and the action twice. (One format with a
// direction option would need a second option that only one format takes.)
//
// The mapping (the measures are export_measures() of export.cc):
// - bigger: throughput and throughput with flush (ops/s), MB/s; smaller: p50 and p99 latency
//   (ns), instructions, estimated cycles, and both per operation (instructions/op, cycles/op).
// - name: "<workload>/<engine>/<phase> - <title>", or ".../<phase>/<op> - <title>" for one
//   operation's measure: "mixed/heapstore/load - throughput", "mixed/sqlite/read/get - p50
//   latency". Each name once per file: the action keys its charts by name.
// - value: the median over the repetitions, in the measure's unit.
// - range: "± x", x the largest distance of a repetition from the median, so that every
//   repetition lies within value ± x (the action's extractRangeInfo reads "± <number>"). Left out
//   with one repetition: there is no spread to show, and "± 0" would claim there is none.
// - extra (the chart's tooltip), one line each: repetitions, cv and min/max with two or more, the
//   engine's settings.
// A report with nothing in a direction (a counted report has nothing bigger-is-better) gives
// "[]", which the action refuses ("No benchmark result was found"): export only what exists.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "export.h"

namespace heapstore::report {
namespace {

// A number for people, in its unit, without an exponent from 1e-4 to 1e15: "1234568", "12.3".
std::string plain_number(double value) {
  char text[64];
  const bool whole = std::abs(value) >= 100 && std::abs(value) < 1e15;
  std::snprintf(text, sizeof text, whole ? "%.0f" : "%.3g", value);
  return text;
}

std::string extra_of(const Measurement& measurement) {
  const Aggregate& summary = measurement.summary;
  const std::string unit(measurement.measure->unit);
  std::string extra = "repetitions: " + std::to_string(measurement.repetitions);
  if (measurement.repetitions >= 2) {
    extra += "\ncv: " + plain_number(summary.cv * 100) + "%";
    extra += "\nmin: " + plain_number(summary.min) + " " + unit;
    extra += "\nmax: " + plain_number(summary.max) + " " + unit;
  }
  std::string settings;
  for (const auto& [name, value] : measurement.engine->settings) {
    settings += (settings.empty() ? "" : ", ") + name + "=" + value;
  }
  if (!settings.empty()) extra += "\n" + measurement.engine->name + " settings: " + settings;
  return extra;
}

nlohmann::ordered_json entry_of(const Measurement& measurement) {
  const Aggregate& summary = measurement.summary;
  nlohmann::ordered_json entry = {
      {"name", measurement.benchmark + " - " + std::string(measurement.measure->title)},
      {"unit", measurement.measure->unit},
      {"value", summary.median}};
  if (measurement.repetitions >= 2) {
    const double spread = std::max(summary.max - summary.median, summary.median - summary.min);
    entry["range"] = "± " + plain_number(spread);
  }
  entry["extra"] = extra_of(measurement);
  return entry;
}

std::string export_direction(const Report& report, Direction direction) {
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();
  for (const Measurement& measurement : measurements_of(report)) {
    if (measurement.measure->direction == direction) entries.push_back(entry_of(measurement));
  }
  return json_file_text(entries);
}

}  // namespace

std::string export_github_action_benchmark_bigger(const Report& report) {
  return export_direction(report, Direction::kHigherIsBetter);
}

std::string export_github_action_benchmark_smaller(const Report& report) {
  return export_direction(report, Direction::kLowerIsBetter);
}

}  // namespace heapstore::report
