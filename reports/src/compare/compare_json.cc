// The JSON form of a Comparison: to_json() of compare.h, described by
// reports/schema/comparison.schema.json (change both together).
#include <cmath>

#include "compare.h"
#include "metrics.h"

namespace heapstore::report {
namespace {

using nlohmann::json;

inline constexpr std::string_view kComparisonSchema = "heapstore-comparison/1";

// JSON has no NaN or infinity: a value that is not finite is null ("no value").
json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json row_to_json(const MetricComparison& m) {
  return {{"engine", m.engine},
          {"phase", m.phase},
          {"metric", m.metric},
          {"direction", to_string(m.direction)},
          {"unit", metric_info(m.metric).unit},
          {"gated", m.gated},
          {"deterministic", m.deterministic},
          {"baseline_samples", m.baseline_samples},
          {"candidate_samples", m.candidate_samples},
          {"baseline", number(m.baseline_median)},
          {"candidate", number(m.candidate_median)},
          {"change", number(m.change)},
          {"change_low", number(m.change_low)},
          {"change_high", number(m.change_high)},
          {"verdict", to_string(m.verdict)},
          {"note", m.note}};
}

}  // namespace

nlohmann::json to_json(const Comparison& comparison) {
  json metrics = json::array();
  for (const MetricComparison& m : comparison.metrics) metrics.push_back(row_to_json(m));
  return {{"schema", kComparisonSchema},
          {"mode", comparison.mode},
          {"overall", to_string(comparison.overall)},
          {"exit_code", comparison.exit_code()},
          {"warnings", comparison.warnings},
          {"metrics", std::move(metrics)}};
}

}  // namespace heapstore::report
