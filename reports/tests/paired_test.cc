// compare_paired(): synthetic ABBA rounds with known noise and slowdowns. A/A never fails, a
// clear slowdown does, Holm's correction acts, unresolvable latencies and gate: false phases are
// not judged, too few rounds are inconclusive, and the result renders like compare()'s.
#include "paired.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "rng.h"

namespace heapstore::report {
namespace {

// How one side of a round performs in a phase: a factor on its pace (>1 faster).
using Pace = std::function<double(std::size_t phase)>;

struct RoundsSpec {
  std::size_t rounds = 10;
  std::size_t phases = 2;
  double noise = 0.03;  // per-measurement relative noise (standard deviation)
  double drift = 0.05;  // per-round machine drift both sides share
  std::uint64_t seed = 1;
  double clock_resolution_ns = 0;  // unknown: latency not judged
  Pace head_pace = [](std::size_t) { return 1.0; };
};

nlohmann::json workload(std::size_t phases) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t p = 0; p < phases; ++p) {
    list.push_back({{"name", "p" + std::to_string(p)}, {"op", "get"}, {"count", 1000}});
  }
  return {{"name", "paired"}, {"seed", 1}, {"repetitions", 1}, {"phases", list}};
}

// One round's report of one side: every phase at `pace(phase)`.
Report round_report(const RoundsSpec& spec, const std::string& commit,
                    const std::function<double(std::size_t)>& pace) {
  Report report;
  report.context.git_commit = commit;
  report.context.meter = "time";
  report.context.clock_resolution_ns = spec.clock_resolution_ns;
  report.workload = workload(spec.phases);
  report.workload_hash = "cafe";
  report.repetitions = 1;
  EngineResult engine{"heapstore", {}, {{0, {}}}, {}};
  for (std::size_t p = 0; p < spec.phases; ++p) {
    const double f = pace(p);
    engine.repetitions[0].phases.push_back({"p" + std::to_string(p),
                                            "get",
                                            {{"ops_per_sec", 1e6 * f},
                                             {"latency.get.p50_ns", 1000 / f},
                                             {"latency.get.p99_ns", 8000 / f},
                                             {"operations", 1000}}});
  }
  aggregate(engine);
  report.engines.push_back(std::move(engine));
  return report;
}

struct Rounds {
  std::vector<Report> base;
  std::vector<Report> head;
};

Rounds make_rounds(const RoundsSpec& spec) {
  Rng rng(spec.seed);
  Rounds rounds;
  for (std::size_t i = 0; i < spec.rounds; ++i) {
    const double drift = std::exp(spec.drift * rng.normal());
    rounds.base.push_back(round_report(
        spec, "base", [&](std::size_t) { return drift * std::exp(spec.noise * rng.normal()); }));
    rounds.head.push_back(round_report(spec, "head", [&](std::size_t p) {
      return drift * std::exp(spec.noise * rng.normal()) * spec.head_pace(p);
    }));
  }
  return rounds;
}

Comparison compare_rounds(const RoundsSpec& spec, const PairedOptions& options = {}) {
  const Rounds rounds = make_rounds(spec);
  return compare_paired(rounds.base, rounds.head, options);
}

const MetricComparison& row(const Comparison& comparison, const std::string& phase,
                            const std::string& metric) {
  for (const MetricComparison& m : comparison.metrics) {
    if (m.phase == phase && m.metric == metric) return m;
  }
  throw std::runtime_error("no row " + phase + "/" + metric);
}

TEST(Paired, AaRoundsWithThreePercentNoiseNeverFail) {
  int fails = 0;
  int inconclusive = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    RoundsSpec spec;
    spec.seed = seed;
    spec.clock_resolution_ns = 1;  // latencies judged too: 6 gated metrics
    PairedOptions options;
    options.resamples = 2000;  // p-values down to 0.0005, far below alpha / 6; and faster
    const Comparison comparison = compare_rounds(spec, options);
    fails += comparison.overall == Verdict::kFail ? 1 : 0;
    inconclusive += needs_more_rounds(comparison) ? 1 : 0;
    for (const MetricComparison& m : comparison.metrics) {
      EXPECT_NE(m.verdict, Verdict::kImproved) << seed << " " << m.phase << " " << m.metric;
    }
  }
  EXPECT_EQ(fails, 0);
  EXPECT_LT(inconclusive, 40);  // ten rounds mostly suffice at 3% noise
}

TEST(Paired, TenPercentSlowerWithThreePercentNoiseFailsInTenRounds) {
  RoundsSpec spec;
  spec.head_pace = [](std::size_t) { return 0.9; };
  const Comparison comparison = compare_rounds(spec);
  EXPECT_EQ(comparison.mode, "paired rounds: 10");
  const MetricComparison& ops = row(comparison, "p0", "ops_per_sec");
  EXPECT_EQ(ops.verdict, Verdict::kFail) << ops.note;
  EXPECT_TRUE(ops.gated);
  EXPECT_NEAR(ops.change, -0.1, 0.03);
  EXPECT_LT(ops.change_low, ops.change);
  EXPECT_GT(ops.change_high, ops.change);
  EXPECT_EQ(ops.baseline_samples, 10u);
  EXPECT_EQ(ops.note.rfind("p ", 0), 0u) << ops.note;
  EXPECT_EQ(comparison.overall, Verdict::kFail);
  EXPECT_EQ(comparison.exit_code(), 1);
}

TEST(Paired, TenPercentSlowerFailsAlmostAlways) {
  // The test's power: the change is 4 standard errors beyond the threshold, so about 1 in 70
  // seeds misses it (Holm over 2 metrics).
  int fails = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    RoundsSpec spec;
    spec.seed = seed;
    spec.head_pace = [](std::size_t) { return 0.9; };
    fails += compare_rounds(spec).overall == Verdict::kFail ? 1 : 0;
  }
  EXPECT_GE(fails, 18);
}

TEST(Paired, TwentyPercentFasterIsImproved) {
  RoundsSpec spec;
  spec.head_pace = [](std::size_t) { return 1.2; };
  const Comparison comparison = compare_rounds(spec);
  EXPECT_EQ(row(comparison, "p1", "ops_per_sec").verdict, Verdict::kImproved)
      << render_text(comparison);
  EXPECT_EQ(comparison.overall, Verdict::kImproved);
  EXPECT_EQ(comparison.exit_code(), 0);
}

TEST(Paired, HolmAdjustsStepDown) {
  const std::vector<double> adjusted = holm_adjusted({0.01, 0.04, 0.03, 0.5});
  const std::vector<double> expected = {0.04, 0.09, 0.09, 0.5};
  ASSERT_EQ(adjusted.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(adjusted[i], expected[i], 1e-12);
  EXPECT_EQ(holm_adjusted({0.6, 0.7}), (std::vector<double>{1.0, 1.0}));
  EXPECT_TRUE(holm_adjusted({}).empty());
}

// Phase p0 slower by a fixed, borderline amount (its p-value near 0.01); every other phase
// exactly as fast as the base. No noise, no drift: the rounds' differences are set.
Comparison borderline_among(std::size_t phases) {
  const std::vector<double> z = {1.2, -0.8, 0.5, -1.5, 0.3, 1.0, -0.2, -0.9, 0.7, -0.3};
  RoundsSpec spec;
  spec.phases = phases;
  spec.noise = spec.drift = 0;
  std::vector<Report> base;
  std::vector<Report> head;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double worse_log = std::log(1.05) + 0.0125 + 0.02 * z[i];
    base.push_back(round_report(spec, "base", [](std::size_t) { return 1.0; }));
    head.push_back(round_report(
        spec, "head", [&](std::size_t p) { return p == 0 ? std::exp(-worse_log) : 1.0; }));
  }
  return compare_paired(base, head, {});
}

// Among 20 metrics the same evidence is not enough: not a fail, and (its interval reaching beyond
// the threshold) inconclusive, so the caller runs more rounds rather than stopping at a warn.
TEST(Paired, HolmTurnsABorderlineFailAloneIntoInconclusiveAmongMany) {
  const MetricComparison alone = row(borderline_among(1), "p0", "ops_per_sec");
  EXPECT_EQ(alone.verdict, Verdict::kFail) << alone.note;
  EXPECT_EQ(alone.note, "p 0.0099, Holm-adjusted 0.0099");  // below alpha, above alpha / 20
  const Comparison many = borderline_among(20);
  const MetricComparison among = row(many, "p0", "ops_per_sec");
  EXPECT_EQ(among.verdict, Verdict::kInconclusive) << among.note;
  EXPECT_EQ(among.change, alone.change);  // the same data, only the correction differs
  EXPECT_EQ(many.overall, Verdict::kInconclusive);
  EXPECT_TRUE(needs_more_rounds(many));
}

TEST(Paired, LatencyBelowClockResolutionIsShownNotJudged) {
  RoundsSpec spec;
  spec.clock_resolution_ns = 100;  // 20 ticks = 2 us: p50 (1 us) unresolved, p99 (8 us) judged
  spec.head_pace = [](std::size_t) { return 0.7; };
  PairedOptions judging;
  judging.judge_latency = true;
  const Comparison comparison = compare_rounds(spec, judging);
  const MetricComparison& p50 = row(comparison, "p0", "latency.get.p50_ns");
  EXPECT_FALSE(p50.gated);
  EXPECT_EQ(p50.note.rfind("not gated (below clock resolution: ", 0), 0u) << p50.note;
  EXPECT_NE(p50.note.find("under 20 ticks of 100 ns"), std::string::npos) << p50.note;
  // p50 unresolved: the phase is judged by its ops/s; p99 is shown.
  EXPECT_TRUE(row(comparison, "p0", "ops_per_sec").gated);
  EXPECT_EQ(row(comparison, "p0", "ops_per_sec").verdict, Verdict::kFail);
  const MetricComparison& p99 = row(comparison, "p0", "latency.get.p99_ns");
  EXPECT_FALSE(p99.gated);
  EXPECT_NE(p99.note.find("p99 shown"), std::string::npos) << p99.note;
  spec.clock_resolution_ns = 0;
  const MetricComparison unknown = row(compare_rounds(spec, judging), "p0", "latency.get.p99_ns");
  EXPECT_FALSE(unknown.gated);
  EXPECT_EQ(unknown.note.rfind("not gated (clock resolution unknown)", 0), 0u) << unknown.note;
}

TEST(Paired, WithJudgeLatencyAResolvedP50JudgesThePhaseInsteadOfOpsPerSec) {
  RoundsSpec spec;
  spec.clock_resolution_ns = 1;  // every latency resolved
  spec.head_pace = [](std::size_t) { return 0.7; };
  PairedOptions judging;
  judging.judge_latency = true;
  const Comparison comparison = compare_rounds(spec, judging);
  const MetricComparison& p50 = row(comparison, "p0", "latency.get.p50_ns");
  EXPECT_TRUE(p50.gated);
  EXPECT_EQ(p50.verdict, Verdict::kFail);
  const MetricComparison& ops = row(comparison, "p0", "ops_per_sec");
  EXPECT_FALSE(ops.gated);
  EXPECT_NE(ops.note.find("p50 latency is"), std::string::npos) << ops.note;
  EXPECT_FALSE(row(comparison, "p0", "latency.get.p99_ns").gated);
}

TEST(Paired, LatencyIsShownButNotJudgedByDefault) {
  RoundsSpec spec;
  spec.clock_resolution_ns = 1;  // every latency resolved
  spec.head_pace = [](std::size_t) { return 0.7; };
  const Comparison comparison = compare_rounds(spec);
  const MetricComparison& p99 = row(comparison, "p0", "latency.get.p99_ns");
  EXPECT_FALSE(p99.gated);
  EXPECT_NE(p99.note.find("judge_latency off"), std::string::npos) << p99.note;
  EXPECT_TRUE(row(comparison, "p0", "ops_per_sec").gated);
}

TEST(Paired, GateFalsePhaseNeverFails) {
  RoundsSpec spec;
  spec.head_pace = [](std::size_t p) { return p == 1 ? 0.5 : 1.0; };  // p1 twice as slow
  Rounds rounds = make_rounds(spec);
  for (Report& report : rounds.head) report.workload["phases"][1]["gate"] = false;
  const Comparison comparison = compare_paired(rounds.base, rounds.head, {});
  const MetricComparison& slow = row(comparison, "p1", "ops_per_sec");
  EXPECT_FALSE(slow.gated);
  EXPECT_EQ(slow.verdict, Verdict::kFail);  // what it would be, shown but not counted
  EXPECT_EQ(slow.note.rfind("not gated (gate: false)", 0), 0u) << slow.note;
  EXPECT_NE(comparison.overall, Verdict::kFail);
  EXPECT_EQ(comparison.exit_code(), 0);
}

TEST(Paired, TooFewRoundsAreInconclusiveAndAskForMore) {
  RoundsSpec spec;
  spec.rounds = 4;
  spec.head_pace = [](std::size_t) { return 0.5; };
  const Comparison comparison = compare_rounds(spec);
  EXPECT_EQ(comparison.overall, Verdict::kInconclusive);
  EXPECT_TRUE(needs_more_rounds(comparison));
  EXPECT_EQ(row(comparison, "p0", "ops_per_sec").note, "4 rounds with both values, fewer than 6");
  EXPECT_EQ(comparison.warnings.back(),
            "4 paired rounds, fewer than 6: every metric is inconclusive");
  spec.rounds = 10;
  EXPECT_FALSE(needs_more_rounds(compare_rounds(spec)));  // a clear fail needs no more
}

TEST(Paired, InconclusiveWhenTheIntervalReachesBeyondTheThresholdUnproven) {
  Comparison comparison;
  MetricComparison m;
  m.verdict = Verdict::kInconclusive;
  m.gated = false;
  comparison.metrics.push_back(m);
  EXPECT_FALSE(needs_more_rounds(comparison));  // not gated: more rounds decide nothing
  RoundsSpec spec;
  spec.rounds = 6;
  spec.noise = 0.06;
  spec.head_pace = [](std::size_t) { return 1 / 1.05; };  // right at the threshold
  const MetricComparison ops = row(compare_rounds(spec), "p0", "ops_per_sec");
  EXPECT_EQ(ops.verdict, Verdict::kInconclusive) << ops.note;
  EXPECT_EQ(ops.note.rfind("could be a regression: the change lies in [", 0), 0u) << ops.note;
}

TEST(Paired, RendersAndIsDeterministic) {
  RoundsSpec spec;
  const Rounds rounds = make_rounds(spec);
  const Comparison first = compare_paired(rounds.base, rounds.head, {});
  const Comparison second = compare_paired(rounds.base, rounds.head, {});
  ASSERT_EQ(first.metrics.size(), second.metrics.size());
  for (std::size_t i = 0; i < first.metrics.size(); ++i) {
    EXPECT_EQ(first.metrics[i].change_low, second.metrics[i].change_low);
    EXPECT_EQ(first.metrics[i].change_high, second.metrics[i].change_high);
  }
  EXPECT_EQ(render_text(first).rfind("mode: paired rounds: 10\n", 0), 0u);
  EXPECT_NE(
      render_markdown(first, rounds.base[0], rounds.head[0]).find("; mode: paired rounds: 10."),
      std::string::npos);
  EXPECT_EQ(to_json(first)["mode"], "paired rounds: 10");
}

TEST(Paired, UnpairedOrDifferentRoundsThrow) {
  const Rounds rounds = make_rounds({});
  std::vector<Report> fewer(rounds.head.begin(), rounds.head.end() - 1);
  EXPECT_THROW(compare_paired(rounds.base, fewer, {}), ReportError);
  EXPECT_THROW(compare_paired({}, {}, {}), ReportError);
  std::vector<Report> other = rounds.head;
  other[3].workload["phases"][0]["count"] = 7;
  other[3].workload_hash = "other";
  try {
    compare_paired(rounds.base, other, {});
    FAIL() << "compared rounds of different workloads";
  } catch (const ReportError& error) {
    EXPECT_EQ(std::string(error.what()),
              "the workloads differ: phases[0].count is 1000 in the baseline and 7 in the "
              "candidate");
  }
}

}  // namespace
}  // namespace heapstore::report
