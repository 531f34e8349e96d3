// What compare() takes from its inputs: the metric vocabulary, the workloads (the first
// difference, gate: false phases), the contexts (flagged differences) and the matching of
// engines, phases and metrics.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "compare.h"
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

TEST(Metrics, TheVocabularySaysDirectionGateAndCounting) {
  const auto expect = [](std::string_view name, Direction direction, bool gated,
                         bool deterministic) {
    const MetricInfo info = metric_info(name);
    EXPECT_EQ(info.direction, direction) << name;
    EXPECT_EQ(info.gated, gated) << name;
    EXPECT_EQ(info.deterministic, deterministic) << name;
  };
  constexpr auto kHigher = Direction::kHigherIsBetter;
  constexpr auto kLower = Direction::kLowerIsBetter;
  constexpr auto kNone = Direction::kInformational;
  expect("ops_per_sec", kHigher, true, false);
  expect("mb_per_sec", kHigher, true, false);
  expect("latency.get.p50_ns", kLower, true, false);
  expect("latency.scan.p99_ns", kLower, true, false);
  expect("ops_per_sec_with_flush", kHigher, false, false);
  expect("instructions", kLower, true, true);
  expect("estimated_cycles", kLower, true, true);
  expect("instructions.get.per_op", kLower, false, true);
  expect("estimated_cycles.end_phase.per_op", kLower, false, true);
  for (const char* name : {"end_phase_seconds", "clock_resolution_ns", "latency.get.p90_ns",
                           "engine.page_reads", "instructions.", "instructions..per_op",
                           "latency.get.x.p50_ns", "latency..p50_ns", "instructionsx", ""}) {
    expect(name, kNone, false, false);
  }
  EXPECT_EQ(metric_info("ops_per_sec").unit, "ops/s");
  EXPECT_EQ(metric_info("estimated_cycles.get.per_op").unit, "cycles");
  EXPECT_EQ(direction_of("instructions"), kLower);  // report.h reads the same table
}

// ---- Phases, workloads and context ----

Report with_gate_off(Report report, std::size_t phase) {
  report.workload["phases"][phase]["gate"] = false;
  return report;
}

TEST(Compare, GateFalsePhaseIsShownButNeverJudged) {
  const Report baseline = make_report();
  Report candidate = with_gate_off(at_speed(baseline, 0.7), 1);  // "read" not gated
  candidate.workload_hash = "0ther";  // the hash ignores gate flags, but old hashes may not
  candidate = scaled(candidate, "ops_per_sec", 1 / 0.7, "load");
  candidate = scaled(candidate, "mb_per_sec", 1 / 0.7, "load");
  candidate = scaled(candidate, "latency.insert.p50_ns", 0.7, "load");
  candidate = scaled(candidate, "latency.insert.p99_ns", 0.7, "load");  // "load" as before
  const Comparison comparison = compare(baseline, candidate, fail_above_10_percent());
  EXPECT_EQ(comparison.overall, Verdict::kPass);
  EXPECT_EQ(comparison.exit_code(), 0);
  std::size_t not_gated = 0;
  for (const MetricComparison& m : comparison.metrics) {
    if (m.phase != "read") continue;
    ++not_gated;
    EXPECT_FALSE(m.gated);
    EXPECT_EQ(m.verdict, Verdict::kFail);  // what it would be: shown, not counted
    EXPECT_EQ(m.note, "not gated (gate: false)");
  }
  EXPECT_EQ(not_gated, 4u);
  EXPECT_EQ(comparison.metrics.back().phase, "read");  // after the gated rows
}

TEST(Compare, DifferentWorkloadsNameTheFirstDifference) {
  const Report baseline = make_report();
  const auto message = [&](const std::function<void(nlohmann::json&)>& change) {
    Report candidate = baseline;
    candidate.workload_hash = "deadbeef";
    change(candidate.workload);
    try {
      compare(baseline, candidate, {});
    } catch (const ReportError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([](auto& w) { w["phases"][1]["count"] = 3000; }),
            "the workloads differ: phases[1].count is 2000 in the baseline and 3000 in the "
            "candidate");
  EXPECT_EQ(message([](auto& w) { w["phases"][0]["batch"] = 16; }),
            "the workloads differ: phases[0].batch is absent in the baseline and 16 in the "
            "candidate");
  EXPECT_EQ(message([](auto& w) { w["phases"].erase(1); }),
            "the workloads differ: phases[1] is {\"count\":2000,\"name\":\"read\",\"op\":\"get\"} "
            "in the baseline and absent in the candidate");
  EXPECT_EQ(message([](auto& w) { w["name"] = std::string(100, 'x'); }),
            "the workloads differ: name is \"two\" in the baseline and \"" + std::string(56, 'x') +
                "... in the candidate");
  // What the hash ignores is no difference: the hashes come from another version of it.
  EXPECT_EQ(message([](auto& w) {
              w["description"] = "reworded";
              w["seed"] = 99;
              w["repetitions"] = 1;
              w["phases"][0]["gate"] = true;
            }),
            "no error");
}

TEST(Compare, DifferentMachineBuildCompilerAndValgrindAreFlagged) {
  const Report baseline = make_report();
  Report candidate = baseline;
  candidate.context.cpu_model = "EPYC Y";
  candidate.context.build_type = "Debug";
  candidate.context.compiler = "Clang 14.0.6";
  const Comparison comparison = compare(baseline, candidate, {});
  EXPECT_EQ(comparison.overall, Verdict::kPass);  // a warning, not a verdict
  const std::vector<std::string> expected = {
      "baseline ran on Xeon X, candidate on EPYC Y: ratios mix machine and code",
      "baseline is a Release build, candidate a Debug build: ratios mix build type and code",
      "baseline was built with GCC 12.2.0, candidate with Clang 14.0.6: ratios mix compiler and "
      "code"};
  EXPECT_EQ(comparison.warnings, expected);
  Report counted = counted_report(1e9, 2e9, 5);
  Report other_valgrind = counted;
  other_valgrind.context.valgrind = "valgrind-3.22.0";
  const Comparison counts = compare(counted, other_valgrind, {});
  ASSERT_EQ(counts.warnings.size(), 1u);
  EXPECT_EQ(counts.warnings[0],
            "baseline was counted under valgrind-3.19.0, candidate under valgrind-3.22.0: counts "
            "mix Valgrind version and code");
  EXPECT_EQ(counts.overall, Verdict::kPass);
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
    EXPECT_GT(m.baseline_median, 0);
    EXPECT_TRUE(std::isnan(m.change));
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

}  // namespace
}  // namespace heapstore::report
