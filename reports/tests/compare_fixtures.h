// Synthetic reports for the comparison tests (compare_test, compare_json_test, paired_test):
// made slower, faster or noisier than a baseline by multiplying their metrics.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "compare.h"
#include "report.h"

namespace heapstore::report::testing {

// Per-repetition multipliers: a few percent of noise around 1, median exactly 1.
inline const std::vector<double> kQuiet = {1.0, 1.004, 0.996, 1.008, 0.992};

// The normalized workload of make_report: phases "load" (insert) and "read" (get).
inline nlohmann::json two_phase_workload() {
  return {{"name", "two"},
          {"description", "two phases"},
          {"seed", 1},
          {"repetitions", 5},
          {"phases",
           {{{"name", "load"}, {"op", "insert"}, {"count", 1000}},
            {{"name", "read"}, {"op", "get"}, {"count", 2000}}}}};
}

// One timed report: each engine runs phases "load" (insert) and "read" (get), one repetition per
// entry of `noise`, with throughput x noise and latency / noise, plus informational metrics.
inline Report make_report(const std::vector<double>& noise = kQuiet,
                          const std::vector<std::string>& engines = {"heapstore"}) {
  Report report;
  report.context.git_commit = "base123";
  report.context.cpu_model = "Xeon X";
  report.context.build_type = "Release";
  report.context.compiler = "GCC 12.2.0";
  report.context.meter = "time";
  report.workload = two_phase_workload();
  report.workload_hash = "feedface";
  report.seed = 1;
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

// `report` running at `speed` times its pace: throughput x speed, latency and counts / speed.
inline Report at_speed(Report report, double speed) {
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

inline Thresholds fail_above_10_percent() {
  Thresholds thresholds;
  thresholds.fail_above = 0.10;
  thresholds.warn_above = 0.05;
  return thresholds;
}

// Multiplies `metric` of `phase` (every phase when empty) in every repetition by `factor`.
inline Report scaled(Report report, const std::string& metric, double factor,
                     const std::string& phase = "") {
  for (EngineResult& engine : report.engines) {
    for (Repetition& repetition : engine.repetitions) {
      for (PhaseResult& p : repetition.phases) {
        if ((phase.empty() || p.name == phase) && p.metrics.contains(metric)) {
          p.metrics[metric] *= factor;
        }
      }
    }
    aggregate(engine);
  }
  return report;
}

inline const MetricComparison& row(const Comparison& comparison, const std::string& phase,
                                   const std::string& metric) {
  for (const MetricComparison& m : comparison.metrics) {
    if (m.phase == phase && m.metric == metric) return m;
  }
  throw std::runtime_error("no row " + phase + "/" + metric);
}

// One repetition of a counted run: instructions, estimated cycles, a per-op count and a
// (Valgrind-distorted) rate.
inline Report counted_report(double instructions, double cycles, double per_op) {
  Report report = make_report({1.0});
  report.context.meter = "instructions";
  report.context.valgrind = "valgrind-3.19.0";
  for (PhaseResult& phase : report.engines[0].repetitions[0].phases) {
    phase.metrics = {{"instructions", instructions},
                     {"estimated_cycles", cycles},
                     {"instructions." + phase.op + ".per_op", per_op},
                     {"ops_per_sec", 1000}};
  }
  aggregate(report.engines[0]);
  return report;
}

}  // namespace heapstore::report::testing
