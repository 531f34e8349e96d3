// The HTML reports (html.h): every engine and phase shown, text escaped, a chart with data marks
// for each figure, reports with and without time series, counted reports, comparisons.
#include "html.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sample_report.h"

namespace heapstore::report {
namespace {

using testing::sample_report;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Each chart's data-marks attribute, in order (-1 for a chart without one). No std::regex: GCC
// 12 warns falsely inside it at -O1 with sanitizers.
std::vector<int> chart_marks(const std::string& html) {
  constexpr std::string_view kChart = "<svg class=\"chart\"", kMarks = "data-marks=\"";
  std::vector<int> marks;
  for (auto at = html.find(kChart); at != std::string::npos; at = html.find(kChart, at + 1)) {
    const std::string tag = html.substr(at, html.find('>', at) - at);
    const auto value = tag.find(kMarks);
    marks.push_back(value == std::string::npos ? -1 : std::stoi(tag.substr(value + kMarks.size())));
  }
  return marks;
}

// Every chart declares data marks and holds that many elements of class "mark".
void expect_charts_have_marks(const std::string& html) {
  std::size_t declared = 0;
  std::size_t from = 0;
  for (;;) {
    const auto open = html.find("<svg class=\"chart\"", from);
    if (open == std::string::npos) break;
    const auto close = html.find("</svg>", open);
    ASSERT_NE(close, std::string::npos);
    const std::string chart = html.substr(open, close - open);
    const std::vector<int> marks = chart_marks(chart);
    ASSERT_EQ(marks.size(), 1u) << chart;
    EXPECT_GT(marks[0], 0) << chart;
    EXPECT_EQ(count(chart, "class=\"mark\""), static_cast<std::size_t>(marks[0])) << chart;
    declared += 1;
    from = close;
  }
  EXPECT_GT(declared, 0u);
}

// Adds a time series to repetition 0 of `phase` for every engine.
void add_series(Report& report, const std::string& phase) {
  for (EngineResult& engine : report.engines)
    for (PhaseResult& result : engine.repetitions.front().phases)
      if (result.name == phase)
        result.series = {{1, 1000, 500, 900}, {2, 1200, 450, 800}, {2.5, 900, 600, 1000}};
}

TEST(Html, RunPageIsSelfContainedWithEveryEngineAndPhase) {
  const std::string html = render_run_html(sample_report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const char* text :
       {">heapstore<", ">sqlite<", ">load <", ">read <", ">mixed <", "Xeon X", "abc123",
        "Linux 6.1", "ext4", "heapstore run x.yaml", "8.6 ns", "16.0 GiB", "journal_mode=wal"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
  // Nothing to fetch and nothing to run: only the SVG namespace names a URL.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(count(html, "http"), count(html, "http://www.w3.org/2000/svg"));
}

TEST(Html, EveryPhaseHasAThroughputAndALatencyChartWithMarks) {
  const std::string html = render_run_html(sample_report());
  // Three phases, each a throughput chart and one latency chart (one timed operation each).
  EXPECT_EQ(chart_marks(html), (std::vector<int>{2, 4, 2, 4, 2, 4})) << html;
  expect_charts_have_marks(html);
  EXPECT_NE(html.find("throughput (higher is better)"), std::string::npos);
  EXPECT_NE(html.find("get latency"), std::string::npos);
  EXPECT_NE(html.find("insert latency"), std::string::npos);
  EXPECT_NE(html.find("202k ops/s · cv 0.8%"), std::string::npos) << html;
}

TEST(Html, EscapesEverythingFromTheReport) {
  Report report = sample_report();
  report.engines[0].name = "<b>&\"x";
  report.engines[0].settings["<i>"] = "a'b";
  report.engines[0].guarantees = {"each <op>", "end & flush"};
  report.context.command_line = "heapstore run <x>.yaml --set name=\"y\"";
  const std::string html = render_run_html(report);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_EQ(html.find("<x>"), std::string::npos);
  EXPECT_EQ(html.find("<op>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;&amp;&quot;x"), std::string::npos);
  EXPECT_NE(html.find("&lt;i&gt;=a&#39;b"), std::string::npos);
  EXPECT_NE(html.find("each &lt;op&gt;"), std::string::npos);
  EXPECT_NE(html.find("end &amp; flush"), std::string::npos);
  EXPECT_NE(html.find("name=&quot;y&quot;"), std::string::npos);
  expect_charts_have_marks(html);
}

TEST(Html, ATimeSeriesGetsALineChartAndNoSeriesGetsNone) {
  Report report = sample_report();
  EXPECT_EQ(render_run_html(report).find("ops/s over time"), std::string::npos);
  add_series(report, "read");
  const std::string html = render_run_html(report);
  EXPECT_EQ(count(html, "aria-label=\"ops/s over time"), 1u);
  EXPECT_EQ(count(html, "<path class=\"mark\""), 2u);  // one line per engine
  EXPECT_EQ(count(html, "<circle class=\"mark\""), 6u);
  expect_charts_have_marks(html);
}

TEST(Html, AMixShowsTheLatencyOfEveryOperation) {
  Report report = sample_report();
  for (EngineResult& engine : report.engines)
    for (Repetition& repetition : engine.repetitions)
      for (PhaseResult& phase : repetition.phases)
        if (phase.op == "mix")
          for (const char* statistic : {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"})
            phase.metrics[std::string("latency.update.") + statistic] = 2000;
  const std::string html = render_run_html(report);
  EXPECT_NE(html.find("update latency"), std::string::npos);
  EXPECT_NE(html.find("<td>update</td><td>sqlite</td>"), std::string::npos) << html;
  expect_charts_have_marks(html);
}

TEST(Html, NoisyPhasesAreFlagged) {
  Report report = sample_report();
  EXPECT_EQ(render_run_html(report).find("noisy"), std::string::npos);
  report.engines[1].repetitions[2].phases[0].metrics["ops_per_sec"] = 300000;
  const std::string html = render_run_html(report);
  EXPECT_EQ(count(html, "· noisy</text>"), 1u);
  EXPECT_NE(html.find("class=\"flagged\""), std::string::npos);
}

TEST(Html, OneRepetitionHasNoWhiskerOrSpread) {
  Report report = sample_report();
  report.repetitions = 1;
  for (EngineResult& engine : report.engines) engine.repetitions.resize(1);
  const std::string html = render_run_html(report);
  EXPECT_NE(html.find("throughput (higher is better), one repetition"), std::string::npos);
  EXPECT_EQ(html.find("class=\"whisker\""), std::string::npos);
  EXPECT_EQ(html.find(" · cv "), std::string::npos);
  EXPECT_NE(html.find(">200k ops/s</text>"), std::string::npos) << html;
  expect_charts_have_marks(html);
}

TEST(Html, CountedRunsShowInstructionsLowerIsBetter) {
  Report report = sample_report();
  report.context.meter = "instructions";
  for (EngineResult& engine : report.engines)
    for (Repetition& repetition : engine.repetitions)
      for (PhaseResult& phase : repetition.phases)
        phase.metrics = {{"operations", 1000},
                         {"instructions", engine.name == "heapstore" ? 250000.0 : 1e6},
                         {"instructions.get.per_op", 250},
                         {"estimated_cycles", 400000}};
  const std::string html = render_run_html(report);
  EXPECT_NE(html.find("instructions (lower is better)"), std::string::npos);
  EXPECT_NE(html.find("250k instructions"), std::string::npos) << html;
  EXPECT_NE(html.find("instructions per operation"), std::string::npos);
  EXPECT_EQ(html.find("ops/s"), std::string::npos);
  EXPECT_EQ(html.find("latency"), std::string::npos);
  expect_charts_have_marks(html);
}

TEST(Html, SeveralWorkloadsShareOnePage) {
  Report other = sample_report();
  other.workload["name"] = "second";
  const std::string html = render_runs_html({sample_report(), other});
  EXPECT_EQ(count(html, "<!DOCTYPE html>"), 1u);
  EXPECT_NE(html.find("<title>heapstore run: mixed second</title>"), std::string::npos);
  EXPECT_EQ(count(html, "<section class=\"workload\">"), 2u);
}

TEST(Html, ComparisonPageChartsEveryGatedChange) {
  Report baseline = sample_report();
  Report candidate = sample_report();
  candidate.engines[0].name = baseline.engines[0].name = "<b>&\"x";
  for (EngineResult& engine : candidate.engines) {
    for (Repetition& repetition : engine.repetitions)
      for (PhaseResult& phase : repetition.phases) phase.metrics["ops_per_sec"] /= 2;
    aggregate(engine);
  }
  const Comparison comparison = compare(baseline, candidate, Thresholds{});
  const std::string html = render_comparison_html(comparison, baseline, candidate);
  EXPECT_NE(html.find("heapstore compare: <span class=\"verdict-fail\">fail</span>"),
            std::string::npos);
  EXPECT_NE(html.find("-50.0% fail"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;&amp;&quot;x / load / ops_per_sec"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  expect_charts_have_marks(html);
}

}  // namespace
}  // namespace heapstore::report
