// HTML reports: one self-contained HTML5 file (no script, no network, no external stylesheet
// or font) with the context, the engines' settings and guarantees, and per phase charts drawn
// as inline SVG (svg_charts.h says why SVG): throughput with its spread over repetitions,
// latency percentiles per operation, and ops/s over time when the report has a time series.
// Every string taken from a report is HTML-escaped.
#pragma once

#include <string>
#include <vector>

#include "compare.h"
#include "report.h"

namespace heapstore::report {

// One run's report as a page. Per phase: a bar per engine of the median ops/s (in a counted
// run, instructions: lower is better) with a whisker from the minimum to the maximum over
// repetitions and the coefficient of variation (flagged "noisy" above Thresholds::max_cv);
// grouped bars and a table of the p50, p90, p99 and p99.9 latency of every operation the
// phase timed (each operation of a mix); and a line per engine of ops/s over time from
// repetition 0's series, left out when no engine has one (older and counted reports).
std::string render_run_html(const Report& report);

// Several workloads of one `heapstore run` on one page, one after another, as --markdown puts
// them in one file.
std::string render_runs_html(const std::vector<Report>& reports);

// A comparison as a page: the verdict and its tally, both reports' context side by side, a
// chart of every gated metric's change with its 95% interval coloured by verdict, then the
// rows as in render_markdown() (passing and not gated ones folded) and the warnings.
std::string render_comparison_html(const Comparison& comparison, const Report& baseline,
                                   const Report& candidate);

}  // namespace heapstore::report
