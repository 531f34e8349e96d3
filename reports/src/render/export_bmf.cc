// `--format bmf`: Bencher Metric Format JSON, for `bencher run --adapter json --file FILE`.
// The shape, from https://bencher.dev/docs/reference/bencher-metric-format/ (with its JSON
// Schema, https://bencher.dev/bmf.json) and
// https://bencher.dev/docs/how-to/track-custom-benchmarks/:
//   { "<benchmark>": { "<measure>": { "value": v, "lower_value": lo, "upper_value": hi } } }
// where value is a required number and the bounds optional numbers; a measure is named by its
// slug (at most 64 characters) and is created by the first upload that names it; a benchmark
// name may have up to 1024 characters.
//
// The mapping (the measures are export_measures() of export.cc):
// - benchmark "<workload>/<engine>/<phase>": the phase-wide measures throughput (ops/s, Bencher's
//   built-in), throughput-with-flush, megabytes-per-second, instructions, estimated-cycles;
// - benchmark "<workload>/<engine>/<phase>/<op>": one operation's latency (p50 in ns, Bencher's
//   built-in), latency-p99, instructions-per-op, estimated-cycles-per-op;
// - value: the median over the repetitions; lower_value and upper_value: their minimum and
//   maximum when there are two or more. One repetition shows no spread, so it has no bounds.
// A phase has the measures its metrics give: a counted phase no throughput or latency, a phase
// without latencies no per-operation benchmark.
#include "export.h"

namespace heapstore::report {

std::string export_bmf(const Report& report) {
  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  for (const Measurement& measurement : measurements_of(report)) {
    nlohmann::ordered_json metric = {{"value", measurement.summary.median}};
    if (measurement.repetitions >= 2) {
      metric["lower_value"] = measurement.summary.min;
      metric["upper_value"] = measurement.summary.max;
    }
    result[measurement.benchmark][std::string(measurement.measure->slug)] = std::move(metric);
  }
  return json_file_text(result);
}

}  // namespace heapstore::report
