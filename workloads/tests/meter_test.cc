// Counted mode's reading of Callgrind files (callgrind_file.cc): totals, per-operation inclusive
// costs found through name compression, the estimated-cycles formula (meter.h), and the metrics.
#include "meter.h"

#include <gtest/gtest.h>

#include <sstream>

namespace heapstore::workload {
namespace {

// Shaped like a real dump of `heapstore run --meter instructions` (callgrind 3.19, positions by
// line, cache simulation on), cut down: main calls CountedEngine::insert twice (the second time
// through the compressed id alone), CountedEngine::get once, and an unrelated function.
constexpr const char* kDump = R"(# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 3922
cmd:  ./heapstore run workloads/perf_gate.yaml --meter instructions
part: 1

desc: I1 cache: 32768 B, 64 B, 8-way associative
desc: Trigger: Client Request: heapstore 1/1 load

positions: line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
summary: 5000 900 800 10 20 30 1 2 3


ob=(3) /usr/lib/x86_64-linux-gnu/libc.so.6
fl=(89) ./string/memset.c
fn=(318) memset
54 5 2 0 1
+3 3 1 0 0 1

fn=(1090) main
cfn=(1092) heapstore::workload::(anonymous namespace)::CountedEngine::insert(unsigned int, std::basic_string_view<char, std::char_traits<char> >)
calls=1 8
11 1000 100 100 1 2 3 0 1 0
cfn=(1092)
calls=99 8
11 2000 200 200 2 3 4
cfn=(1144) heapstore::workload::(anonymous namespace)::CountedEngine::remove(unsigned int, unsigned long)
calls=100 9
* 1500 300 300 1 1 1 1 0 1
cfn=(1200) helper(int)
calls=5 3
+2 400 1 1

fn=(1092)
8 500 300 200 0 1
totals: 4999 900 800 10 20 30 1 2 3
)";

CountedPhase parse(const std::string& text) {
  std::istringstream in(text);
  return parse_callgrind(in, "test.out");
}

TEST(Callgrind, ReadsTheSummaryAsThePhaseTotal) {
  const CountedPhase counts = parse(kDump);
  EXPECT_EQ(counts.total.ir, 5000u);
  EXPECT_EQ(counts.total.i1mr, 10u);
  EXPECT_EQ(counts.total.d1mr, 20u);
  EXPECT_EQ(counts.total.d1mw, 30u);
  EXPECT_EQ(counts.total.ilmr, 1u);
  EXPECT_EQ(counts.total.dlmr, 2u);
  EXPECT_EQ(counts.total.dlmw, 3u);
}

TEST(Callgrind, SumsInclusiveCostsOfCallsToEachCountedMethod) {
  const CountedPhase counts = parse(kDump);
  ASSERT_EQ(counts.per_op.size(), 2u);  // helper(int) is not an operation
  const CountedPhase::PerOp& insert = counts.per_op.at("insert");
  EXPECT_EQ(insert.calls, 100u);  // 1 + 99: the compressed id "(1092)" is the same function
  EXPECT_EQ(insert.events.ir, 3000u);
  EXPECT_EQ(insert.events.i1mr, 3u);
  EXPECT_EQ(insert.events.d1mr, 5u);
  EXPECT_EQ(insert.events.d1mw, 7u);
  EXPECT_EQ(insert.events.dlmr, 1u);
  const CountedPhase::PerOp& remove = counts.per_op.at("delete");  // remove() counts deletes
  EXPECT_EQ(remove.calls, 100u);
  EXPECT_EQ(remove.events.ir, 1500u);
}

TEST(Callgrind, EstimatedCyclesAreKCachegrindsFormula) {
  Events e;
  e.ir = 1000;
  e.i1mr = 1, e.d1mr = 2, e.d1mw = 3;  // L1m = 6
  e.ilmr = 1, e.dlmr = 1, e.dlmw = 2;  // LLm = 4
  EXPECT_EQ(e.estimated_cycles(), 1000u + 10 * 6 + 100 * 4);
}

TEST(Callgrind, MetricsArePhaseTotalsAndPerOperationAverages) {
  report::Metrics m;
  add_counted_metrics(m, parse(kDump));
  EXPECT_EQ(m.at("instructions"), 5000);
  EXPECT_EQ(m.at("estimated_cycles"), 5000 + 10 * 60 + 100 * 6);
  EXPECT_DOUBLE_EQ(m.at("instructions.insert.per_op"), 30);
  EXPECT_DOUBLE_EQ(m.at("estimated_cycles.insert.per_op"), (3000 + 10 * 15 + 100 * 1) / 100.0);
  EXPECT_DOUBLE_EQ(m.at("instructions.delete.per_op"), 15);
  EXPECT_FALSE(m.contains("instructions.get.per_op"));
}

TEST(Callgrind, MissingEventColumnsAreZeroAndUnknownEventsIgnored) {
  const CountedPhase counts = parse(
      "events: Ir Bc Bcm\nsummary: 70 5 6\nfn=(1) main\n"
      "cfn=(2) x::CountedEngine::scan(unsigned int)\ncalls=2 1\n1 40 9\n");
  EXPECT_EQ(counts.total.ir, 70u);
  EXPECT_EQ(counts.total.d1mr, 0u);
  EXPECT_EQ(counts.per_op.at("scan").events.ir, 40u);
}

TEST(Callgrind, RefusesAFileThatIsNotADump) {
  EXPECT_THROW(parse("not a callgrind file\n"), std::runtime_error);
  EXPECT_THROW(parse("events: Ir\n"), std::runtime_error);  // no summary
  EXPECT_THROW(parse("events: Ir\nsummary: 1\nfn=(12 broken\n"), std::runtime_error);
  EXPECT_NO_THROW(parse("events: Ir\nsummary: 1\nfn=(12) \n"));  // an id, then only a space
}

TEST(MeterWords, ParseAndPrint) {
  EXPECT_EQ(parse_meter("time"), Meter::kTime);
  EXPECT_EQ(parse_meter("instructions"), Meter::kInstructions);
  EXPECT_EQ(to_string(Meter::kInstructions), "instructions");
  EXPECT_THROW(parse_meter("cycles"), std::invalid_argument);
}

}  // namespace
}  // namespace heapstore::workload
