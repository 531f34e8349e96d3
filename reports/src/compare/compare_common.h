// What compare() (compare.cc), compare_paired() (paired.cc) and the renderers share: the order
// of verdicts, how a row gets its change, how a comparison is finished (compare_common.cc), and
// the checks of the two sides before comparing (compare_inputs.cc).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "compare.h"
#include "render.h"

namespace heapstore::report {

// ---- compare_common.cc ----

// pass 0, improved 1, inconclusive 2, warn 3, fail 4: the overall verdict is the most severe.
int severity(Verdict verdict);

// A fraction as a signed percentage with one decimal ("+12.5%"), "+inf" or "-inf", and "-"
// for NaN (no value).
std::string percent(double fraction);

// A context value, or "(unknown)" when it is empty.
std::string shown(const std::string& value);

// The seed of one row's bootstrap: its engine, phase and metric hashed (FNV-1a) onto `seed`,
// so that each metric gets its own stream whatever else the reports hold.
std::uint64_t metric_seed(const MetricComparison& m, std::uint64_t seed);

// How much worse `ratio` (candidate / baseline) is in the metric's direction: ratio - 1 for
// lower-is-better metrics, else 1 / ratio - 1 (+inf for a ratio of 0).
double worse_of(double ratio, Direction direction);

// Sets m.change and m.worse with their intervals from a ratio and the ratio's interval.
void set_ratio(MetricComparison& m, double ratio, double ratio_low, double ratio_high);

// A row with no ratio (a metric on one side only, no usable baseline): change and worse NaN,
// inconclusive, with `note`.
void mark_inconclusive(MetricComparison& m, std::string note);

// Marks a row as shown but not counted towards the overall verdict, saying `why` in its note.
void mark_not_gated(MetricComparison& m, const std::string& why);

// Orders comparison.metrics (see Comparison::metrics) and sets comparison.overall from the
// gated rows; with none, overall is inconclusive and a warning says so.
void finish(Comparison& comparison);

// ---- compare_render.cc: what the text, Markdown and HTML forms share ----

// A table of metric rows: engine, phase, metric, baseline, candidate, change [95% interval],
// verdict, note; aligned by kComparisonAlign.
Rows comparison_rows(const std::vector<MetricComparison>& metrics);
inline constexpr std::string_view kComparisonAlign = "lllrrrll";

// "2 fail, 1 warn, 0 inconclusive, 3 improved, 10 pass" over the gated rows.
std::string tally(const Comparison& comparison);

// What a summary shows open (gated rows that did not pass) and what it folds away, each in
// the comparison's order.
struct RowGroups {
  std::vector<MetricComparison> shown;
  std::vector<MetricComparison> passing;
  std::vector<MetricComparison> not_gated;
};
RowGroups row_groups(const Comparison& comparison);
inline constexpr std::string_view kChangeExplained =
    "Change is candidate / baseline - 1 of each metric: for ops/s and MB/s higher is better, for "
    "latency, instructions and cycles lower is better.";
inline constexpr std::string_view kNothingToShow =
    "No gated metric failed, warned, was inconclusive or improved.";

// Both reports' context side by side (header "", "baseline", "candidate"): commit, CPU,
// compiler, build type, repetitions, seed, meter, valgrind and clock resolution when either
// has them, time.
Rows context_rows(const Report& baseline, const Report& candidate);

// ---- compare_inputs.cc ----

// Throws ReportError "the workloads differ: phases[1].count is 1000 in the baseline and 2000
// in the candidate" at the first difference of the two normalized workloads, ignoring
// description, seed, repetitions and the phases' gate flags (what the workload hash ignores).
// Reports whose hashes differ but whose workloads do not are accepted.
void check_same_workload(const Report& baseline, const Report& candidate);

// Names of the phases whose workload entry says "gate": false in either report.
std::set<std::string> ungated_phases(const Report& baseline, const Report& candidate);

inline constexpr std::string_view kCountedMeter = kMeterInstructions;

// What measured a report's phases: "time" or "instructions" (counted under Callgrind); a
// report made in memory with no meter set counts as timed.
std::string meter_of(const Context& context);

// Appends a warning for each context difference that makes results hard to compare: CPU (not
// for two counted reports: their cache is simulated), build type, compiler, valgrind version,
// library versions.
void context_warnings(const Context& baseline, const Context& candidate,
                      std::vector<std::string>& warnings);

// The engine called `name` in `report`, or nullptr; the pointer lives as long as `report`.
const EngineResult* find_engine(const Report& report, const std::string& name);

}  // namespace heapstore::report
