// The metric vocabulary: every metric name a report holds, matched against one table of name
// patterns (metrics.cc) that says which way is better, whether compare gates on it, whether it
// is counted (deterministic) or timed, and its unit. direction_of() of report.h, compare() and
// compare_paired() all read this table; nothing else tests metric names.
//
//   pattern                          better   gated  counted  unit
//   ops_per_sec                      higher   yes    no       ops/s
//   ops_per_sec_with_flush           higher   no     no       ops/s
//   mb_per_sec                       higher   yes    no       MB/s
//   latency.<op>.p50_ns, .p99_ns     lower    yes    no       ns
//   latency.<op>.{p90_ns,p999_ns,max_ns,mean_ns}, .count      informational
//   instructions, estimated_cycles   lower    yes    yes      instructions, cycles
//   instructions.<...>, estimated_cycles.<...> (e.g. instructions.get.per_op)
//                                    lower    no     yes
//   operations, seconds, end_phase_seconds, engine.<counter>
//                                                             informational
// Counted metrics come from Valgrind's Callgrind: the same build and workload give the same
// counts on any machine, so they are compared exactly; timed ones need a noise model.
#pragma once

#include <string>
#include <string_view>

#include "report.h"

namespace heapstore::report {

struct MetricInfo {
  Direction direction = Direction::kInformational;  // which way is better
  bool gated = false;          // compare() judges it (in a phase whose gate is not false)
  bool deterministic = false;  // counted, not timed: compared exactly, one repetition suffices
  std::string_view unit;       // "ops/s", "MB/s", "ns", "s", "instructions", "cycles" or ""
};

// What the table says about `metric`; a name no pattern matches is informational, not gated,
// timed and has no unit.
MetricInfo metric_info(std::string_view metric);

// "higher_is_better", "lower_is_better" or "informational": the spelling of JSON outputs.
std::string_view to_string(Direction direction);

// The names the paired comparison looks up, spelled once.
inline constexpr std::string_view kOpsPerSec = "ops_per_sec";
inline constexpr std::string_view kP50 = "p50_ns";
inline constexpr std::string_view kP99 = "p99_ns";
// "latency.<op>.<statistic>", e.g. latency_metric("get", kP50) == "latency.get.p50_ns".
std::string latency_metric(std::string_view op, std::string_view statistic);
// The op of a median latency metric: "get" for "latency.get.p50_ns"; "" for any other metric.
std::string latency_op_of(std::string_view metric);

}  // namespace heapstore::report
