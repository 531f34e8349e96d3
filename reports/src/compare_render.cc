// The text and Markdown forms of a Comparison: render_text() and render_markdown() of compare.h.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "compare.h"
#include "compare_common.h"
#include "render.h"

namespace heapstore::report {
namespace {

constexpr std::size_t kCollapsePassesAbove = 10;  // Markdown folds more passes than this

std::vector<MetricComparison> worst_first(const std::vector<MetricComparison>& metrics) {
  std::vector<MetricComparison> sorted = metrics;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return severity(a.verdict) > severity(b.verdict);
  });
  return sorted;
}

std::string fixed(double value) {
  if (std::isnan(value)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

std::string ratio_cell(const MetricComparison& m) {
  if (std::isnan(m.ratio)) return "-";
  return fixed(m.ratio) + " [" + fixed(m.ratio_low) + ", " + fixed(m.ratio_high) + "]";
}

std::string value_cell(const std::string& metric, double value) {
  return std::isnan(value) ? "-" : format_metric(metric, value);
}

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

constexpr std::string_view kMetricAlign = "lllrrrrll";

Rows metric_rows(const std::vector<MetricComparison>& metrics) {
  Rows rows = {{"engine", "phase", "metric", "baseline", "candidate", "ratio [95% interval]",
                "worse", "verdict", "note"}};
  for (const MetricComparison& m : metrics) {
    rows.push_back({m.engine, m.phase, m.metric, value_cell(m.metric, m.baseline_median),
                    value_cell(m.metric, m.candidate_median), ratio_cell(m), percent(m.worse),
                    std::string(to_string(m.verdict)), m.note});
  }
  return rows;
}

// "2 fail, 1 warn, 0 inconclusive, 10 pass"
std::string tally(const Comparison& comparison) {
  std::array<int, 4> counts{};
  for (const MetricComparison& m : comparison.metrics) ++counts[severity(m.verdict)];
  return std::to_string(counts[3]) + " fail, " + std::to_string(counts[2]) + " warn, " +
         std::to_string(counts[1]) + " inconclusive, " + std::to_string(counts[0]) + " pass";
}

std::string markdown_metrics(const Comparison& comparison) {
  std::vector<MetricComparison> shown_rows;
  std::vector<MetricComparison> passes;
  const bool collapse = std::count_if(comparison.metrics.begin(), comparison.metrics.end(),
                                      [](const auto& m) { return m.verdict == Verdict::kPass; }) >
                        static_cast<std::ptrdiff_t>(kCollapsePassesAbove);
  for (const MetricComparison& m : worst_first(comparison.metrics)) {
    (collapse && m.verdict == Verdict::kPass ? passes : shown_rows).push_back(m);
  }
  std::string text;
  if (shown_rows.empty()) {
    text += "No gated metric failed, warned or was inconclusive.\n";
  } else {
    text += markdown_table(metric_rows(shown_rows), kMetricAlign);
  }
  if (!passes.empty()) {
    text += "\n<details><summary>" + std::to_string(passes.size()) +
            " passing metrics</summary>\n\n" + markdown_table(metric_rows(passes), kMetricAlign) +
            "\n</details>\n";
  }
  return text;
}

std::string markdown_context(const Report& baseline, const Report& candidate) {
  const auto row = [](std::string what, const std::string& a, const std::string& b) {
    return std::vector<std::string>{std::move(what), shown(a), shown(b)};
  };
  const Context& b = baseline.context;
  const Context& c = candidate.context;
  const Rows rows = {
      {"", "baseline", "candidate"},           row("commit", b.git_commit, c.git_commit),
      row("CPU", b.cpu_model, c.cpu_model),    row("build type", b.build_type, c.build_type),
      row("compiler", b.compiler, c.compiler), row("time", b.time, c.time)};
  return markdown_table(rows, "lll");
}

}  // namespace

std::string render_text(const Comparison& comparison) {
  std::string text = text_table(metric_rows(worst_first(comparison.metrics)), kMetricAlign);
  if (!comparison.warnings.empty()) text += "\nwarnings:\n";
  for (const std::string& warning : comparison.warnings) text += "  " + warning + "\n";
  text +=
      "\noverall: " + std::string(to_string(comparison.overall)) + " (" + tally(comparison) + ")\n";
  return text;
}

std::string render_markdown(const Comparison& comparison, const Report& baseline,
                            const Report& candidate) {
  std::string text = "## heapstore compare: " + upper(to_string(comparison.overall)) + "\n\n";
  text += tally(comparison) + " over the gated metrics (throughput: higher is better; p50 and " +
          "p99 latency: lower is better).\n\n";
  text += markdown_metrics(comparison);
  if (!comparison.warnings.empty()) text += "\n### Warnings\n\n";
  for (const std::string& warning : comparison.warnings) text += "- " + warning + "\n";
  text += "\n### Context\n\n" + markdown_context(baseline, candidate);
  return text;
}

}  // namespace heapstore::report
