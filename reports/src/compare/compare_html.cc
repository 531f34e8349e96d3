// The HTML form of a Comparison: render_comparison_html() of html.h. The same rows, context and
// folding as render_markdown() (compare_render.cc), plus a chart of the gated changes.
#include <cmath>
#include <string>
#include <vector>

#include "compare.h"
#include "compare_common.h"
#include "html.h"
#include "html_page.h"
#include "svg_charts.h"

namespace heapstore::report {
namespace {

using html::escape;

// Changes beyond +-100% (a rate that fell to a tenth, a latency that tripled) run off the
// chart's edge rather than squash every other bar; their text still gives the number.
constexpr double kChartLimit = 1.0;

std::string_view verdict_colour(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFail:
      return "#b3261e";
    case Verdict::kWarn:
      return "#e0a100";
    case Verdict::kInconclusive:
      return "#9aa0a6";
    case Verdict::kImproved:
      return "#1e7e34";
    case Verdict::kPass:
      return "#7aa6c2";
  }
  return "#9aa0a6";
}

svg::Bar change_bar(const MetricComparison& m) {
  svg::Bar bar{m.engine + " / " + m.phase + " / " + m.metric,
               m.change,
               std::nullopt,
               std::string(verdict_colour(m.verdict)),
               percent(m.change) + " " + std::string(to_string(m.verdict)),
               m.verdict == Verdict::kFail};
  if (m.change_low != m.change || m.change_high != m.change)
    bar.whisker = std::pair{m.change_low, m.change_high};
  return bar;
}

// A bar per gated metric with a change, in the comparison's order (worst first).
std::string changes_chart(const Comparison& comparison) {
  std::vector<svg::Bar> bars;
  for (const MetricComparison& m : comparison.metrics)
    if (m.gated && !std::isnan(m.change)) bars.push_back(change_bar(m));
  if (bars.empty()) return "<p>No gated metric has a change to draw.</p>\n";
  const svg::Axis axis{percent, "change: candidate / baseline - 1, 95% interval as whisker", false,
                       kChartLimit};
  return svg::bar_chart(bars, axis, "Change of each gated metric");
}

std::string folded(const std::vector<MetricComparison>& rows, const std::string& summary) {
  if (rows.empty()) return "";
  return "<details><summary>" + std::to_string(rows.size()) + " " + escape(summary) +
         "</summary>\n" + html::table(comparison_rows(rows), kComparisonAlign) + "</details>\n";
}

std::string metrics_html(const Comparison& comparison) {
  const RowGroups groups = row_groups(comparison);
  std::string html = groups.shown.empty()
                         ? "<p>" + escape(kNothingToShow) + "</p>\n"
                         : html::table(comparison_rows(groups.shown), kComparisonAlign);
  html += folded(groups.passing, groups.passing.size() == 1 ? "passing metric" : "passing metrics");
  return html + folded(groups.not_gated, "not gated (shown, never judged)");
}

std::string warnings_html(const std::vector<std::string>& warnings) {
  if (warnings.empty()) return "";
  std::string html = "<h2>Warnings</h2>\n<ul>\n";
  for (const std::string& warning : warnings) html += "<li>" + escape(warning) + "</li>\n";
  return html + "</ul>\n";
}

std::string summary_html(const Comparison& comparison) {
  const std::string verdict(to_string(comparison.overall));
  const std::size_t not_gated = row_groups(comparison).not_gated.size();
  return "<h1>heapstore compare: <span class=\"verdict-" + verdict + "\">" + escape(verdict) +
         "</span></h1>\n<p>" + escape(tally(comparison)) + " over the gated metrics" +
         (not_gated > 0 ? " (" + std::to_string(not_gated) + " more shown, not gated)" : "") +
         "; mode: " + escape(comparison.mode) + ". " + escape(kChangeExplained) + "</p>\n";
}

}  // namespace

std::string render_comparison_html(const Comparison& comparison, const Report& baseline,
                                   const Report& candidate) {
  std::string body = summary_html(comparison);
  body += "<h2>Context</h2>\n" + html::table(context_rows(baseline, candidate), "lll");
  body += "<h2>Changes</h2>\n" + changes_chart(comparison);
  body += "<h2>Metrics</h2>\n" + metrics_html(comparison) + warnings_html(comparison.warnings);
  return html::page("heapstore compare: " + std::string(to_string(comparison.overall)), body);
}

}  // namespace heapstore::report
