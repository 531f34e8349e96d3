// The text and Markdown forms of a Comparison: render_text() and render_markdown() of compare.h,
// and the rows, tally and context they share with the HTML form (compare_html.cc).
// Rows come ordered from compare() and compare_paired() (compare_common.cc's finish()).
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "compare.h"
#include "compare_common.h"
#include "render.h"

namespace heapstore::report {
namespace {

// "-82.0% [-83.1%, -80.9%]"; only the change when it has no interval (counted metrics).
std::string change_cell(const MetricComparison& m) {
  if (std::isnan(m.change)) return "-";
  if (m.change_low == m.change && m.change_high == m.change) return percent(m.change);
  return percent(m.change) + " [" + percent(m.change_low) + ", " + percent(m.change_high) + "]";
}

std::string value_cell(const std::string& metric, double value) {
  return std::isnan(value) ? "-" : format_metric(metric, value);
}

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

std::size_t not_gated(const Comparison& comparison) {
  return std::count_if(comparison.metrics.begin(), comparison.metrics.end(),
                       [](const MetricComparison& m) { return !m.gated; });
}

std::string folded(const std::vector<MetricComparison>& rows, const std::string& summary) {
  if (rows.empty()) return "";
  return "\n<details><summary>" + std::to_string(rows.size()) + " " + summary + "</summary>\n\n" +
         markdown_table(comparison_rows(rows), kComparisonAlign) + "\n</details>\n";
}

std::string markdown_metrics(const Comparison& comparison) {
  const RowGroups groups = row_groups(comparison);
  std::string text = groups.shown.empty()
                         ? std::string(kNothingToShow) + "\n"
                         : markdown_table(comparison_rows(groups.shown), kComparisonAlign);
  text += folded(groups.passing, groups.passing.size() == 1 ? "passing metric" : "passing metrics");
  text += folded(groups.not_gated, "not gated (shown, never judged)");
  return text;
}

std::string cpu_text(const Context& context) {
  if (context.cores == 0) return context.cpu_model;
  return shown(context.cpu_model) + " (" + std::to_string(context.cores) + " cores)";
}

std::string resolution_text(double nanoseconds) {
  return nanoseconds > 0 ? format_nanoseconds(nanoseconds) : "";
}

}  // namespace

Rows comparison_rows(const std::vector<MetricComparison>& metrics) {
  Rows rows = {{"engine", "phase", "metric", "baseline", "candidate", "change [95% interval]",
                "verdict", "note"}};
  for (const MetricComparison& m : metrics) {
    rows.push_back({m.engine, m.phase, m.metric, value_cell(m.metric, m.baseline_median),
                    value_cell(m.metric, m.candidate_median), change_cell(m),
                    std::string(to_string(m.verdict)), m.note});
  }
  return rows;
}

std::string tally(const Comparison& comparison) {
  std::array<int, 5> counts{};
  for (const MetricComparison& m : comparison.metrics) {
    if (m.gated) ++counts[severity(m.verdict)];
  }
  std::string text;
  for (Verdict v : {Verdict::kFail, Verdict::kWarn, Verdict::kInconclusive, Verdict::kImproved,
                    Verdict::kPass}) {
    if (!text.empty()) text += ", ";
    text += std::to_string(counts[severity(v)]) + " " + std::string(to_string(v));
  }
  return text;
}

RowGroups row_groups(const Comparison& comparison) {
  RowGroups groups;
  for (const MetricComparison& m : comparison.metrics) {
    if (!m.gated) {
      groups.not_gated.push_back(m);
    } else {
      (m.verdict == Verdict::kPass ? groups.passing : groups.shown).push_back(m);
    }
  }
  return groups;
}

Rows context_rows(const Report& baseline, const Report& candidate) {
  const auto row = [](std::string what, const std::string& a, const std::string& b) {
    return std::vector<std::string>{std::move(what), shown(a), shown(b)};
  };
  const Context& b = baseline.context;
  const Context& c = candidate.context;
  Rows rows = {{"", "baseline", "candidate"},
               row("commit", b.git_commit, c.git_commit),
               row("CPU", cpu_text(b), cpu_text(c)),
               row("compiler", b.compiler, c.compiler),
               row("build type", b.build_type, c.build_type),
               row("repetitions", std::to_string(baseline.repetitions),
                   std::to_string(candidate.repetitions)),
               row("seed", std::to_string(baseline.seed), std::to_string(candidate.seed)),
               row("meter", meter_of(b), meter_of(c))};
  if (!b.valgrind.empty() || !c.valgrind.empty()) {
    rows.push_back(row("valgrind", b.valgrind, c.valgrind));
  }
  if (b.clock_resolution_ns > 0 || c.clock_resolution_ns > 0) {
    rows.push_back(row("clock resolution", resolution_text(b.clock_resolution_ns),
                       resolution_text(c.clock_resolution_ns)));
  }
  rows.push_back(row("time", b.time, c.time));
  return rows;
}

std::string render_text(const Comparison& comparison) {
  std::string text = "mode: " + shown(comparison.mode) + "\n\n";
  text += text_table(comparison_rows(comparison.metrics), kComparisonAlign);
  if (!comparison.warnings.empty()) text += "\nwarnings:\n";
  for (const std::string& warning : comparison.warnings) text += "  " + warning + "\n";
  const std::size_t shown_only = not_gated(comparison);
  text += "\noverall: " + std::string(to_string(comparison.overall)) + " (" + tally(comparison) +
          (shown_only > 0 ? "; " + std::to_string(shown_only) + " not gated" : "") + ")\n";
  return text;
}

std::string render_markdown(const Comparison& comparison, const Report& baseline,
                            const Report& candidate) {
  std::string text = "## heapstore compare: " + upper(to_string(comparison.overall)) + "\n\n";
  const std::size_t shown_only = not_gated(comparison);
  text += tally(comparison) + " over the gated metrics" +
          (shown_only > 0 ? " (" + std::to_string(shown_only) + " more shown, not gated)" : "") +
          "; mode: " + shown(comparison.mode) + ". " + std::string(kChangeExplained) + "\n\n";
  text += markdown_table(context_rows(baseline, candidate), "lll") + "\n";
  text += markdown_metrics(comparison);
  if (!comparison.warnings.empty()) text += "\n### Warnings\n\n";
  for (const std::string& warning : comparison.warnings) text += "- " + warning + "\n";
  return text;
}

}  // namespace heapstore::report
