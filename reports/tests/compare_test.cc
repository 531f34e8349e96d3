// compare(): verdicts on synthetic reports made slower, faster, noisier or shorter than their
// baseline; matching of engines, phases and metrics; determinism; and the rendered forms.
#include "compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace heapstore::report {
namespace {

// Per-repetition multipliers: a few percent of noise around 1, median exactly 1.
const std::vector<double> kQuiet = {1.0, 1.004, 0.996, 1.008, 0.992};

// One report: each engine runs phases "load" (insert) and "read" (get), one repetition per
// entry of `noise`, with throughput x noise and latency / noise, plus informational metrics.
Report make_report(const std::vector<double>& noise = kQuiet,
                   const std::vector<std::string>& engines = {"heapstore"}) {
  Report report;
  report.context.git_commit = "base123";
  report.context.cpu_model = "Xeon X";
  report.context.build_type = "Release";
  report.context.compiler = "GCC 12.2.0";
  report.workload_hash = "feedface";
  report.repetitions = static_cast<std::uint32_t>(noise.size());
  for (const std::string& name : engines) {
    EngineResult engine{name, {}, {}, {}};
    for (std::uint32_t i = 0; i < noise.size(); ++i) {
      Repetition repetition{i, {}};
      for (const auto& [phase, op] : {std::pair{"load", "insert"}, std::pair{"read", "get"}}) {
        const std::string latency = std::string("latency.") + op;
        repetition.phases.push_back({phase,
                                     op,
                                     {{"ops_per_sec", 200000 * noise[i]},
                                      {"mb_per_sec", 80 * noise[i]},
                                      {latency + ".p50_ns", 900 / noise[i]},
                                      {latency + ".p99_ns", 5000 / noise[i]},
                                      {latency + ".p999_ns", 90000 * noise[i] * noise[i]},
                                      {"operations", 1e6}}});
      }
      engine.repetitions.push_back(std::move(repetition));
    }
    aggregate(engine);
    report.engines.push_back(std::move(engine));
  }
  return report;
}

// `report` running at `speed` times its pace: throughput x speed, latency / speed.
Report at_speed(Report report, double speed) {
  report.context.git_commit = "cand456";
  for (EngineResult& engine : report.engines) {
    for (Repetition& repetition : engine.repetitions) {
      for (PhaseResult& phase : repetition.phases) {
        for (auto& [metric, value] : phase.metrics) {
          const Direction direction = direction_of(metric);
          if (direction == Direction::kHigherIsBetter) value *= speed;
          if (direction == Direction::kLowerIsBetter) value /= speed;
        }
      }
    }
    aggregate(engine);
  }
  return report;
}

Thresholds fail_above_10_percent() {
  Thresholds thresholds;
  thresholds.fail_above = 0.10;
  thresholds.warn_above = 0.05;
  return thresholds;
}

void expect_all(const Comparison& comparison, Verdict verdict) {
  ASSERT_FALSE(comparison.metrics.empty());
  for (const MetricComparison& m : comparison.metrics) {
    EXPECT_EQ(m.verdict, verdict) << m.engine << "/" << m.phase << "/" << m.metric << " worse "
                                  << m.worse << " [" << m.worse_low << ", " << m.worse_high << "] "
                                  << m.note;
  }
  EXPECT_EQ(comparison.overall, verdict);
}

TEST(Compare, AReportComparedWithItselfPasses) {
  const Report report = make_report(kQuiet, {"heapstore", "sqlite"});
  const Comparison comparison = compare(report, report, fail_above_10_percent());
  expect_all(comparison, Verdict::kPass);
  EXPECT_EQ(comparison.exit_code(), 0);
  EXPECT_TRUE(comparison.warnings.empty());
  EXPECT_EQ(comparison.metrics.size(), 16u);  // 2 engines x 2 phases x 4 gated metrics
  for (const MetricComparison& m : comparison.metrics) {
    EXPECT_EQ(m.ratio, 1);
    EXPECT_LE(m.ratio_low, 1);
    EXPECT_GE(m.ratio_high, 1);
  }
}

TEST(Compare, ThirtyPercentSlowerFails) {
  const Report baseline = make_report();
  const Comparison comparison = compare(baseline, at_speed(baseline, 0.7), fail_above_10_percent());
  expect_all(comparison, Verdict::kFail);
  EXPECT_EQ(comparison.exit_code(), 1);
  for (const MetricComparison& m : comparison.metrics) {
    EXPECT_NEAR(m.worse, 1 / 0.7 - 1, 1e-9) << m.metric;  // the same for both directions
    EXPECT_GT(m.worse_low, 0.10);
    EXPECT_LE(m.worse_low, m.worse);
    EXPECT_GE(m.worse_high, m.worse);
    const double expected_ratio = m.direction == Direction::kHigherIsBetter ? 0.7 : 1 / 0.7;
    EXPECT_NEAR(m.ratio, expected_ratio, 1e-9) << m.metric;
  }
}

TEST(Compare, SevenPercentSlowerWarns) {
  const Report baseline = make_report();
  const Comparison comparison =
      compare(baseline, at_speed(baseline, 0.93), fail_above_10_percent());
  expect_all(comparison, Verdict::kWarn);
  EXPECT_EQ(comparison.exit_code(), 0);
}

TEST(Compare, TwoPercentSlowerPasses) {
  const Report baseline = make_report();
  expect_all(compare(baseline, at_speed(baseline, 0.98), fail_above_10_percent()), Verdict::kPass);
}

TEST(Compare, ImprovementsPass) {
  const Report baseline = make_report();
  const Comparison comparison = compare(baseline, at_speed(baseline, 1.3), fail_above_10_percent());
  expect_all(comparison, Verdict::kPass);
  for (const MetricComparison& m : comparison.metrics) EXPECT_LT(m.worse_high, 0) << m.metric;
}

TEST(Compare, TooFewRepetitionsAreInconclusiveEvenWhenMuchSlower) {
  const Report baseline = make_report({1.0, 1.01});
  const Comparison comparison = compare(baseline, at_speed(baseline, 0.7), fail_above_10_percent());
  expect_all(comparison, Verdict::kInconclusive);
  EXPECT_EQ(comparison.exit_code(), 0);
  EXPECT_EQ(comparison.metrics[0].note, "2 repetitions on one side, fewer than 3");
}

TEST(Compare, VeryNoisyDataIsInconclusive) {
  const Report baseline = make_report({0.6, 1.0, 1.4, 0.7, 1.3});
  Report candidate = make_report({1.4, 0.6, 1.0, 1.3, 0.7});  // same median, other order
  const Comparison comparison = compare(baseline, candidate, fail_above_10_percent());
  expect_all(comparison, Verdict::kInconclusive);
  EXPECT_EQ(comparison.metrics[0].ratio, 1);
  EXPECT_EQ(comparison.metrics[0].note.rfind("too noisy: the change lies in [", 0), 0u)
      << comparison.metrics[0].note;
}

TEST(Compare, DifferentWorkloadHashThrows) {
  const Report baseline = make_report();
  Report candidate = baseline;
  candidate.workload_hash = "deadbeef";
  try {
    compare(baseline, candidate, {});
    FAIL() << "compared different workloads";
  } catch (const ReportError& error) {
    EXPECT_EQ(std::string(error.what()),
              "workload hash differs: baseline feedface, candidate deadbeef: these reports ran "
              "different workloads");
  }
}

TEST(Compare, DifferentMachineBuildAndCompilerAreFlagged) {
  const Report baseline = make_report();
  Report candidate = baseline;
  candidate.context.cpu_model = "EPYC Y";
  candidate.context.build_type = "Debug";
  candidate.context.compiler = "Clang 14.0.6";
  const Comparison comparison = compare(baseline, candidate, {});
  EXPECT_EQ(comparison.overall, Verdict::kPass);  // a warning, not a verdict
  ASSERT_EQ(comparison.warnings.size(), 3u);
  EXPECT_EQ(comparison.warnings[0],
            "baseline ran on Xeon X, candidate on EPYC Y: ratios mix machine and code");
  EXPECT_NE(comparison.warnings[1].find("Release"), std::string::npos);
  EXPECT_NE(comparison.warnings[2].find("Clang 14.0.6"), std::string::npos);
}

TEST(Compare, MissingPhaseIsNotedAndInconclusive) {
  const Report baseline = make_report();
  Report candidate = baseline;
  for (Repetition& repetition : candidate.engines[0].repetitions) repetition.phases.pop_back();
  const Comparison comparison = compare(baseline, candidate, {});
  ASSERT_EQ(comparison.warnings.size(), 1u);
  EXPECT_EQ(comparison.warnings[0], "phase read of engine heapstore is only in the baseline");
  EXPECT_EQ(comparison.overall, Verdict::kInconclusive);
  std::size_t noted = 0;
  for (const MetricComparison& m : comparison.metrics) {
    if (m.phase != "read") continue;
    ++noted;
    EXPECT_EQ(m.verdict, Verdict::kInconclusive);
    EXPECT_EQ(m.note, "only in the baseline");
    EXPECT_EQ(m.baseline_median > 0, true);
  }
  EXPECT_EQ(noted, 4u);
}

TEST(Compare, MissingEngineAndMetricAreNoted) {
  const Report baseline = make_report(kQuiet, {"heapstore", "sqlite"});
  Report candidate = make_report(kQuiet, {"heapstore", "rocksdb"});
  for (Repetition& repetition : candidate.engines[0].repetitions) {
    repetition.phases[0].metrics.erase("mb_per_sec");
  }
  const Comparison comparison = compare(baseline, candidate, {});
  const std::vector<std::string> expected = {
      "metric mb_per_sec of heapstore/load is only in the baseline",
      "engine sqlite is only in the baseline", "engine rocksdb is only in the candidate"};
  EXPECT_EQ(comparison.warnings, expected);
  EXPECT_EQ(comparison.metrics.size(), 24u);  // 8 for each engine, whichever side has it
  EXPECT_EQ(comparison.overall, Verdict::kInconclusive);
  for (const MetricComparison& m : comparison.metrics) {
    if (m.engine == "rocksdb") {
      EXPECT_EQ(m.note, "only in the candidate");
    } else if (m.engine == "sqlite") {
      EXPECT_EQ(m.note, "only in the baseline");
    } else {
      EXPECT_EQ(m.verdict, m.metric == "mb_per_sec" && m.phase == "load" ? Verdict::kInconclusive
                                                                         : Verdict::kPass);
    }
  }
}

TEST(Compare, BootstrapIsDeterministicForASeed) {
  const Report baseline = make_report({0.9, 1.0, 1.1, 0.95, 1.05, 0.97});
  const Report candidate = at_speed(make_report({1.05, 0.9, 1.0, 1.1, 0.93, 1.02}), 0.95);
  Thresholds thresholds;
  thresholds.seed = 7;
  const Comparison first = compare(baseline, candidate, thresholds);
  const Comparison second = compare(baseline, candidate, thresholds);
  thresholds.seed = 8;
  const Comparison other_seed = compare(baseline, candidate, thresholds);
  bool any_differs = false;
  for (std::size_t i = 0; i < first.metrics.size(); ++i) {
    EXPECT_EQ(first.metrics[i].ratio_low, second.metrics[i].ratio_low);
    EXPECT_EQ(first.metrics[i].ratio_high, second.metrics[i].ratio_high);
    any_differs |= first.metrics[i].ratio_low != other_seed.metrics[i].ratio_low ||
                   first.metrics[i].ratio_high != other_seed.metrics[i].ratio_high;
  }
  EXPECT_TRUE(any_differs);
}

TEST(Compare, ZeroBaselinesNeverDivideByZero) {
  Report baseline = make_report();
  for (Repetition& repetition : baseline.engines[0].repetitions) {
    repetition.phases[0].metrics["ops_per_sec"] = 0;
    repetition.phases[0].metrics["mb_per_sec"] = 0;
  }
  Report candidate = baseline;
  for (Repetition& repetition : candidate.engines[0].repetitions) {
    repetition.phases[0].metrics["mb_per_sec"] = 5;
  }
  const Comparison comparison = compare(baseline, candidate, {});
  for (const MetricComparison& m : comparison.metrics) {
    if (m.phase != "load" || m.direction != Direction::kHigherIsBetter) continue;
    if (m.metric == "ops_per_sec") {
      EXPECT_EQ(m.ratio, 1);  // both 0
      EXPECT_EQ(m.verdict, Verdict::kPass);
    } else {
      EXPECT_EQ(m.verdict, Verdict::kInconclusive);
      EXPECT_EQ(m.note, "baseline median is 0: no ratio");
    }
  }
}

TEST(Compare, MedianBeyondFailButIntervalNotWarns) {
  const Report baseline = make_report({1.0, 0.8, 1.2, 0.9, 1.1});
  const Report candidate = make_report({0.95, 0.7, 1.15, 0.75, 0.85});  // median 15% lower
  Thresholds thresholds = fail_above_10_percent();
  thresholds.warn_above = 0.5;  // so that only the median clause can warn
  const Comparison comparison = compare(baseline, candidate, thresholds);
  const MetricComparison& p50 = comparison.metrics.front();
  ASSERT_EQ(p50.metric, "latency.insert.p50_ns");
  EXPECT_EQ(p50.verdict, Verdict::kWarn);
  EXPECT_GT(p50.worse, 0.10);
  EXPECT_LT(p50.worse_low, 0.10);
  EXPECT_EQ(p50.note.rfind("median +17.6% worse, but the interval starts at ", 0), 0u) << p50.note;
}

TEST(Compare, NonFiniteValuesAreInconclusive) {
  const Report baseline = make_report();
  Report candidate = baseline;
  candidate.engines[0].repetitions[0].phases[0].metrics["ops_per_sec"] = std::nan("");
  const Comparison comparison = compare(baseline, candidate, {});
  EXPECT_EQ(comparison.overall, Verdict::kInconclusive);
}

TEST(Render, TextListsFailsFirstThenWarningsAndOverall) {
  const Report baseline = make_report();
  const Report slower = at_speed(baseline, 0.7);
  Report candidate = baseline;
  for (std::size_t i = 0; i < candidate.engines[0].repetitions.size(); ++i) {
    // "read" 30% slower, "load" unchanged
    candidate.engines[0].repetitions[i].phases[1] = slower.engines[0].repetitions[i].phases[1];
  }
  candidate.context.cpu_model = "EPYC Y";
  const Comparison comparison = compare(baseline, candidate, {});
  const std::string text = render_text(comparison);
  const auto first_row = text.find('\n', text.find('\n') + 1) + 1;
  EXPECT_NE(text.substr(first_row, text.find('\n', first_row) - first_row).find("fail"),
            std::string::npos)
      << text;
  EXPECT_LT(text.rfind("  fail\n"), text.find("  pass\n")) << text;  // every fail first
  EXPECT_NE(text.find("warnings:\n  baseline ran on Xeon X"), std::string::npos) << text;
  EXPECT_NE(text.find("\noverall: fail (4 fail, 0 warn, 0 inconclusive, 4 pass)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("200k"), std::string::npos) << text;
  EXPECT_NE(text.find("140k"), std::string::npos) << text;
}

TEST(Render, MarkdownHasHeadlineTableWarningsAndContext) {
  const Report baseline = make_report();
  Report candidate = at_speed(baseline, 0.7);
  candidate.context.cpu_model = "EPYC Y";
  const std::string markdown =
      render_markdown(compare(baseline, candidate, {}), baseline, candidate);
  EXPECT_EQ(
      markdown.rfind("## heapstore compare: FAIL\n\n8 fail, 0 warn, 0 inconclusive, 0 pass", 0), 0u)
      << markdown;
  EXPECT_NE(markdown.find("| engine | phase | metric | baseline | candidate |"), std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| heapstore | load | ops_per_sec | 200k | 140k | 0.700 ["),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("### Warnings\n\n- baseline ran on Xeon X"), std::string::npos);
  EXPECT_NE(markdown.find("| commit | base123 | cand456 |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| CPU | Xeon X | EPYC Y |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| build type | Release | Release |"), std::string::npos) << markdown;
  EXPECT_EQ(markdown.find("<details>"), std::string::npos);  // few passes: nothing folded
}

TEST(Render, MarkdownFoldsManyPasses) {
  const Report report = make_report(kQuiet, {"heapstore", "sqlite"});
  const std::string markdown = render_markdown(compare(report, report, {}), report, report);
  EXPECT_NE(markdown.find("## heapstore compare: PASS"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("No gated metric failed, warned or was inconclusive."),
            std::string::npos);
  EXPECT_NE(markdown.find("<details><summary>16 passing metrics</summary>"), std::string::npos);
  EXPECT_NE(markdown.find("</details>"), std::string::npos);
}

}  // namespace
}  // namespace heapstore::report
