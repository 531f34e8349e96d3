// The run table for people: number formats, one row per engine and phase, ratios, counted runs.
#include "render.h"

#include <gtest/gtest.h>

#include "sample_report.h"

namespace heapstore::report {
namespace {

using testing::sample_report;

TEST(Render, HumanFriendlyNumbers) {
  EXPECT_EQ(format_count(12345678), "12.3M");
  EXPECT_EQ(format_count(845000), "845k");
  EXPECT_EQ(format_count(999999), "1.0M");
  EXPECT_EQ(format_count(42), "42");
  EXPECT_EQ(format_count(45.3), "45.3");
  EXPECT_EQ(format_count(0.05), "0.05");
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_nanoseconds(850), "850 ns");
  EXPECT_EQ(format_nanoseconds(1200), "1.2 us");
  EXPECT_EQ(format_nanoseconds(3.4e6), "3.4 ms");
  EXPECT_EQ(format_nanoseconds(1.5e9), "1.5 s");
  EXPECT_EQ(format_metric("latency.get.p99_ns", 250000), "250 us");
  EXPECT_EQ(format_metric("ops_per_sec", 250000), "250k");
}

TEST(Render, RunTableHasOneRowPerEngineAndPhaseWithRatios) {
  const std::string table = render_run_table(sample_report());
  EXPECT_NE(table.find("phase  op         engine"), std::string::npos) << table;
  EXPECT_NE(table.find("vs heapstore"), std::string::npos) << table;
  EXPECT_NE(
      table.find(
          "load   insert     heapstore   202k  1%  91.9  421 ns  2.0 us      -         x1.00\n"),
      std::string::npos)
      << table;
  EXPECT_NE(
      table.find(
          "load   insert     sqlite      101k  1%  46.0  842 ns  4.0 us      -         x0.50\n"),
      std::string::npos)
      << table;
  EXPECT_NE(table.find("mixed  mix (get)"), std::string::npos) << table;
}

TEST(Render, CountedRunTableShowsInstructionsNotRates) {
  Report report = sample_report();
  report.context.meter = "instructions";
  for (EngineResult& engine : report.engines)
    for (Repetition& repetition : engine.repetitions)
      for (PhaseResult& phase : repetition.phases)
        phase.metrics = {{"operations", 1000},
                         {"instructions", engine.name == "heapstore" ? 250000.0 : 1e6},
                         {"estimated_cycles", 400000}};
  const std::string table = render_run_table(report);
  EXPECT_NE(table.find("ops  instructions  est. cycles  instr/op  instr vs heapstore"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("load   insert     heapstore  1.0k          250k         400k       250"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("x4.00"), std::string::npos) << table;
  EXPECT_EQ(table.find("ops/s"), std::string::npos) << table;
}

TEST(Render, RunMarkdownWithOneEngineHasNoRatioColumn) {
  Report report = sample_report();
  report.engines.pop_back();
  const std::string markdown = render_run_markdown(report);
  EXPECT_EQ(markdown.rfind("| phase | op | engine | ops/s | cv | MB/s | p50 | p99 | flush |\n", 0),
            0u)
      << markdown;
  EXPECT_EQ(markdown.find("vs "), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| read | get | heapstore | 202k | 1% | 91.9 | 421 ns | 2.0 us |"),
            std::string::npos)
      << markdown;
}

// The spread of each rate is shown and a noisy one flagged; a latency within 10 clock steps is
// marked; a mix phase has a row per op; each engine's guarantees follow the table.
TEST(Render, RunTableShowsSpreadNoiseResolutionEveryMixOpAndGuarantees) {
  Report report = sample_report();
  for (Repetition& repetition : report.engines[1].repetitions)
    repetition.phases[0].metrics["ops_per_sec"] *= repetition.index % 2 ? 1.5 : 0.5;
  for (EngineResult& engine : report.engines)
    for (Repetition& repetition : engine.repetitions) {
      repetition.phases[2].metrics["latency.update.p50_ns"] = 50;
      repetition.phases[2].metrics["latency.update.p99_ns"] = 90;
    }
  report.engines[0].guarantees = {"each operation (write-ahead log)", "end of each phase"};
  report.engines[0].engine = "heapstore";
  report.engines[1].name = "sqlite-rollback";
  report.engines[1].engine = "sqlite";
  report.engines[1].guarantees = {"each phase", "none"};
  const std::string table = render_run_table(report);
  EXPECT_NE(table.find("sqlite-rollback  51.0k  57%!"), std::string::npos) << table;
  EXPECT_NE(table.find("mixed  mix (get)     heapstore"), std::string::npos) << table;
  // 50 ns is under 10 steps of 8.6 ns, 90 ns is not.
  EXPECT_NE(table.find("       mix (update)                                      ~50 ns   90 ns\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("heapstore: crash atomicity each operation (write-ahead log); durable end "
                       "of each phase"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("sqlite-rollback (sqlite): crash atomicity each phase; durable none"),
            std::string::npos)
      << table;
}

}  // namespace
}  // namespace heapstore::report
