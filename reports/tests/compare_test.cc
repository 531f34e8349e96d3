// compare(): verdicts on synthetic reports made slower, faster, noisier or shorter than their
// baseline; counted metrics; too few repetitions and high spread; determinism. What compare takes
// from its inputs (vocabulary, workloads, contexts, matching) is in compare_inputs_test, the
// rendered forms in compare_output_test.
#include "compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "compare_common.h"
#include "compare_fixtures.h"
#include "metrics.h"

namespace heapstore::report {
namespace {

using testing::at_speed;
using testing::counted_report;
using testing::fail_above_10_percent;
using testing::kQuiet;
using testing::make_report;
using testing::row;
using testing::scaled;

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
  EXPECT_EQ(comparison.mode, "repetitions");
  EXPECT_EQ(comparison.exit_code(), 0);
  EXPECT_TRUE(comparison.warnings.empty());
  EXPECT_EQ(comparison.metrics.size(), 16u);  // 2 engines x 2 phases x 4 gated metrics
  for (const MetricComparison& m : comparison.metrics) {
    EXPECT_EQ(m.change, 0);
    EXPECT_LE(m.change_low, 0);
    EXPECT_GE(m.change_high, 0);
    EXPECT_TRUE(m.gated);
    EXPECT_FALSE(m.deterministic);
    EXPECT_EQ(m.baseline_samples, 5u);
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
    // The change is the metric's own: throughput -30%, latency +42.9%.
    const double expected = m.direction == Direction::kHigherIsBetter ? -0.3 : 1 / 0.7 - 1;
    EXPECT_NEAR(m.change, expected, 1e-9) << m.metric;
    EXPECT_LE(m.change_low, m.change);
    EXPECT_GE(m.change_high, m.change);
  }
}

TEST(Compare, ChangeIsSignedInTheMetricsOwnDirection) {
  const Report baseline = make_report();
  // ops/s 200k -> 36.1k (as 3.2M -> 578k): -82%, never +455%; p50 900 -> 1350 ns: +50%.
  Report candidate = scaled(baseline, "ops_per_sec", 578.0 / 3200);
  candidate = scaled(candidate, "latency.insert.p50_ns", 1.5);
  const Comparison comparison = compare(baseline, candidate, fail_above_10_percent());
  const MetricComparison& ops = row(comparison, "load", "ops_per_sec");
  EXPECT_NEAR(ops.change, 578.0 / 3200 - 1, 1e-9);
  EXPECT_NEAR(ops.worse, 3200 / 578.0 - 1, 1e-9);
  EXPECT_EQ(ops.verdict, Verdict::kFail);
  const MetricComparison& p50 = row(comparison, "load", "latency.insert.p50_ns");
  EXPECT_NEAR(p50.change, 0.5, 1e-9);
  EXPECT_NEAR(p50.worse, 0.5, 1e-9);
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

TEST(Compare, ClearImprovementsAreImproved) {
  const Report baseline = make_report();
  const Comparison comparison = compare(baseline, at_speed(baseline, 1.3), fail_above_10_percent());
  expect_all(comparison, Verdict::kImproved);
  EXPECT_EQ(comparison.exit_code(), 0);
  for (const MetricComparison& m : comparison.metrics) EXPECT_LT(m.worse_high, -0.10) << m.metric;
}

TEST(Compare, SmallImprovementsPass) {
  const Report baseline = make_report();
  expect_all(compare(baseline, at_speed(baseline, 1.05), fail_above_10_percent()), Verdict::kPass);
}

TEST(Compare, OverallIsTheMostSevereGatedVerdict) {
  const std::vector<Verdict> ascending = {Verdict::kPass, Verdict::kImproved,
                                          Verdict::kInconclusive, Verdict::kWarn, Verdict::kFail};
  for (std::size_t i = 1; i < ascending.size(); ++i) {
    EXPECT_LT(severity(ascending[i - 1]), severity(ascending[i])) << to_string(ascending[i]);
  }
  const Report baseline = make_report();
  Report candidate = scaled(baseline, "ops_per_sec", 1.5, "load");  // improved, the rest pass
  EXPECT_EQ(compare(baseline, candidate, {}).overall, Verdict::kImproved);
  for (Repetition& repetition : candidate.engines[0].repetitions) {
    repetition.phases[1].metrics.erase("mb_per_sec");  // inconclusive: only in the baseline
  }
  EXPECT_EQ(compare(baseline, candidate, {}).overall, Verdict::kInconclusive);
}

TEST(Compare, RowsAreOrderedRegressionsFirstThenBySize) {
  const Report baseline = make_report();
  Report candidate = scaled(baseline, "ops_per_sec", 0.7, "load");  // fail, worse +42.9%
  candidate = scaled(candidate, "mb_per_sec", 0.5, "read");         // fail, worse +100%
  candidate = scaled(candidate, "mb_per_sec", 0.93, "load");        // warn
  candidate = scaled(candidate, "ops_per_sec", 1.5, "read");        // improved
  for (Repetition& repetition : candidate.engines[0].repetitions) {
    repetition.phases[1].metrics.erase("latency.get.p99_ns");  // inconclusive
  }
  const Comparison comparison = compare(baseline, candidate, fail_above_10_percent());
  std::vector<std::string> order;
  for (const MetricComparison& m : comparison.metrics) order.push_back(m.phase + " " + m.metric);
  const std::vector<std::string> expected_head = {"read mb_per_sec", "load ops_per_sec",
                                                  "load mb_per_sec", "read latency.get.p99_ns",
                                                  "read ops_per_sec"};
  ASSERT_GE(order.size(), expected_head.size());
  EXPECT_EQ(std::vector<std::string>(order.begin(), order.begin() + 5), expected_head);
  for (std::size_t i = 5; i < comparison.metrics.size(); ++i) {
    EXPECT_EQ(comparison.metrics[i].verdict, Verdict::kPass) << order[i];
  }
}

TEST(Compare, TooFewRepetitionsAreInconclusiveAndWarned) {
  const Report baseline = make_report({1.0, 1.01});
  const Comparison comparison = compare(baseline, at_speed(baseline, 0.7), fail_above_10_percent());
  expect_all(comparison, Verdict::kInconclusive);
  EXPECT_EQ(comparison.exit_code(), 0);
  EXPECT_EQ(comparison.metrics[0].note, "2 repetitions on one side, fewer than 3");
  const std::vector<std::string> expected = {
      "too few repetitions to judge timed metrics: 2 in the baseline and 2 in the candidate, at "
      "least 3 needed on each side: they are inconclusive"};
  EXPECT_EQ(comparison.warnings, expected);
}

TEST(Compare, VeryNoisyDataIsInconclusive) {
  const Report baseline = make_report({0.6, 1.0, 1.4, 0.7, 1.3});
  Report candidate = make_report({1.4, 0.6, 1.0, 1.3, 0.7});  // same median, other order
  const Comparison comparison = compare(baseline, candidate, fail_above_10_percent());
  expect_all(comparison, Verdict::kInconclusive);
  EXPECT_EQ(comparison.metrics[0].change, 0);
  EXPECT_EQ(comparison.metrics[0].note.rfind("too noisy: the change lies in [", 0), 0u)
      << comparison.metrics[0].note;
}

TEST(Compare, HighSpreadIsWarnedWithEnginePhaseMetricAndCv) {
  const Report baseline = make_report({0.8, 1.0, 1.2, 0.9, 1.1});  // cv 14.1%
  const Comparison comparison = compare(baseline, make_report(), fail_above_10_percent());
  const std::string expected =
      "heapstore/load ops_per_sec varies by 14.1% (more than 10.0%) over the baseline's "
      "repetitions (coefficient of variation): a weak verdict";
  EXPECT_NE(std::find(comparison.warnings.begin(), comparison.warnings.end(), expected),
            comparison.warnings.end())
      << ::testing::PrintToString(comparison.warnings);
  for (const std::string& warning : comparison.warnings) {
    EXPECT_EQ(warning.find("candidate's"), std::string::npos) << warning;  // quiet side
  }
}

// ---- Counted metrics ----

TEST(Compare, CountedMetricsAreComparedExactlyFromOneRepetition) {
  const Report baseline = counted_report(1e9, 2e9, 500);
  const Comparison comparison =
      compare(baseline, counted_report(1.12e9, 2.12e9, 900), fail_above_10_percent());
  EXPECT_EQ(comparison.mode, "counted");
  ASSERT_EQ(comparison.metrics.size(), 4u);  // per-op counts and rates are not judged
  const MetricComparison& instructions = row(comparison, "load", "instructions");
  EXPECT_TRUE(instructions.deterministic);
  EXPECT_EQ(instructions.direction, Direction::kLowerIsBetter);
  EXPECT_NEAR(instructions.change, 0.12, 1e-12);
  EXPECT_EQ(instructions.change_low, instructions.change);
  EXPECT_EQ(instructions.change_high, instructions.change);
  EXPECT_EQ(instructions.verdict, Verdict::kFail);
  EXPECT_EQ(row(comparison, "read", "estimated_cycles").verdict, Verdict::kWarn);  // +6%
  EXPECT_EQ(comparison.overall, Verdict::kFail);
  EXPECT_TRUE(comparison.warnings.empty()) << comparison.warnings[0];
}

TEST(Compare, CountedImprovementAndPass) {
  const Report baseline = counted_report(1e9, 2e9, 500);
  const Comparison comparison =
      compare(baseline, counted_report(0.85e9, 2.02e9, 500), fail_above_10_percent());
  EXPECT_EQ(row(comparison, "load", "instructions").verdict, Verdict::kImproved);
  EXPECT_EQ(row(comparison, "load", "estimated_cycles").verdict, Verdict::kPass);
}

// A timed report against a counted one has nothing to judge: unusable input, not a silent pass.
TEST(Compare, CountedAgainstTimedIsRefused) {
  try {
    compare(make_report(), counted_report(1e9, 2e9, 5), {});
    FAIL() << "compared a timed report with a counted one";
  } catch (const ReportError& e) {
    EXPECT_STREQ(e.what(),
                 "the baseline was measured by time, the candidate by instructions: compare "
                 "reports of one meter (heapstore run --meter)");
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
    EXPECT_EQ(first.metrics[i].change_low, second.metrics[i].change_low);
    EXPECT_EQ(first.metrics[i].change_high, second.metrics[i].change_high);
    const MetricComparison& other =
        row(other_seed, first.metrics[i].phase, first.metrics[i].metric);
    any_differs |= first.metrics[i].change_low != other.change_low ||
                   first.metrics[i].change_high != other.change_high;
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
  EXPECT_EQ(row(comparison, "load", "ops_per_sec").change, 0);  // both 0
  EXPECT_EQ(row(comparison, "load", "ops_per_sec").verdict, Verdict::kPass);
  EXPECT_EQ(row(comparison, "load", "mb_per_sec").verdict, Verdict::kInconclusive);
  EXPECT_EQ(row(comparison, "load", "mb_per_sec").note, "baseline median is 0: no ratio");
}

TEST(Compare, MedianBeyondFailButIntervalNotWarns) {
  const Report baseline = make_report({1.0, 0.8, 1.2, 0.9, 1.1});
  const Report candidate = make_report({0.95, 0.7, 1.15, 0.75, 0.85});  // median 15% lower
  Thresholds thresholds = fail_above_10_percent();
  thresholds.warn_above = 0.5;  // so that only the median clause can warn
  const Comparison comparison = compare(baseline, candidate, thresholds);
  const MetricComparison& p50 = row(comparison, "load", "latency.insert.p50_ns");
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

}  // namespace
}  // namespace heapstore::report
