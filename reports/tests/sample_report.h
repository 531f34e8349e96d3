// A small report for the model and render tests: two engines (heapstore at twice sqlite's
// speed), three phases, three repetitions.
#pragma once

#include <string>
#include <utility>

#include "report.h"

namespace heapstore::report::testing {

using nlohmann::json;

inline PhaseResult make_phase(std::string name, std::string op, double scale) {
  const std::string latency_op = op == "mix" ? "get" : op;
  PhaseResult phase;  // no series or histograms: as a report of the runner before it had them
  phase.name = std::move(name);
  phase.op = std::move(op);
  phase.metrics = {{"ops_per_sec", 100000 * scale},
                   {"mb_per_sec", 45.5 * scale},
                   {"latency." + latency_op + ".p50_ns", 850 / scale},
                   {"latency." + latency_op + ".p99_ns", 4000 / scale},
                   {"operations", 1000000},
                   {"engine.page_reads", 12}};
  return phase;
}

// Two engines (heapstore at twice sqlite's speed), three phases, three repetitions.
inline Report sample_report() {
  Report report;
  report.context = {"0.1.0",
                    "abc123",
                    "GCC 12.2.0",
                    "-O2",
                    "Release",
                    "Xeon X",
                    8,
                    1ull << 34,
                    "Linux 6.1",
                    "ext4",
                    "/tmp/hs",
                    "2024-01-01T00:00:00Z",
                    "heapstore run x.yaml",
                    "time",
                    "",
                    {{"sqlite", "3.40.1"}},
                    8.6};
  report.workload = {{"name", "mixed"}, {"phases", json::array({{{"name", "load"}}})}};
  report.workload_hash = "0123456789abcdef";
  report.seed = 18446744073709551615ull;
  report.repetitions = 3;
  for (const auto& [name, speed] : {std::pair{"heapstore", 2.0}, std::pair{"sqlite", 1.0}}) {
    EngineResult engine;
    engine.name = engine.engine = name;
    engine.settings = {{"journal_mode", "wal"}};
    for (std::uint32_t i = 0; i < 3; ++i) {
      const double scale = speed * (1 + 0.01 * i);
      engine.repetitions.push_back(
          {i,
           {make_phase("load", "insert", scale), make_phase("read", "get", scale),
            make_phase("mixed", "mix", scale)}});
    }
    aggregate(engine);
    report.engines.push_back(std::move(engine));
  }
  return report;
}

}  // namespace heapstore::report::testing
