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
      table.find("load   insert     heapstore   202k  91.9  421 ns  2.0 us      -         x1.00\n"),
      std::string::npos)
      << table;
  EXPECT_NE(
      table.find("load   insert     sqlite      101k  46.0  842 ns  4.0 us      -         x0.50\n"),
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
  EXPECT_EQ(markdown.rfind("| phase | op | engine | ops/s | MB/s | p50 | p99 | flush |\n", 0), 0u)
      << markdown;
  EXPECT_EQ(markdown.find("vs "), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| read | get | heapstore | 202k | 91.9 | 421 ns | 2.0 us |"),
            std::string::npos)
      << markdown;
}

}  // namespace
}  // namespace heapstore::report
