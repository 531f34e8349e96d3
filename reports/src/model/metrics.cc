// The table of metric name patterns behind metric_info(). A pattern is dot-separated segments:
// a literal, "*" (any one non-empty segment) or, last, "**" (one or more segments).
#include "metrics.h"

namespace heapstore::report {
namespace {

constexpr Direction kHigher = Direction::kHigherIsBetter;
constexpr Direction kLower = Direction::kLowerIsBetter;
constexpr Direction kNone = Direction::kInformational;
constexpr bool kGated = true;
constexpr bool kCounted = true;

struct Entry {
  std::string_view pattern;
  MetricInfo info;
};

// The first matching pattern wins.
constexpr Entry kVocabulary[] = {
    {"ops_per_sec", {kHigher, kGated, !kCounted, "ops/s"}},
    {"ops_per_sec_with_flush", {kHigher, !kGated, !kCounted, "ops/s"}},
    {"mb_per_sec", {kHigher, kGated, !kCounted, "MB/s"}},
    {"latency.*.p50_ns", {kLower, kGated, !kCounted, "ns"}},
    {"latency.*.p99_ns", {kLower, kGated, !kCounted, "ns"}},
    {"latency.*.p90_ns", {kNone, !kGated, !kCounted, "ns"}},
    {"latency.*.p999_ns", {kNone, !kGated, !kCounted, "ns"}},
    {"latency.*.max_ns", {kNone, !kGated, !kCounted, "ns"}},
    {"latency.*.mean_ns", {kNone, !kGated, !kCounted, "ns"}},
    {"latency.*.count", {kNone, !kGated, !kCounted, ""}},
    {"latency.sample_every", {kNone, !kGated, !kCounted, ""}},
    {"instructions", {kLower, kGated, kCounted, "instructions"}},
    {"estimated_cycles", {kLower, kGated, kCounted, "cycles"}},
    {"instructions.**", {kLower, !kGated, kCounted, "instructions"}},  // per operation
    {"estimated_cycles.**", {kLower, !kGated, kCounted, "cycles"}},
    {"operations", {kNone, !kGated, !kCounted, ""}},
    {"target_ops_per_sec", {kNone, !kGated, !kCounted, "ops/s"}},  // open loop: the rate asked
    {"seconds", {kNone, !kGated, !kCounted, "s"}},
    {"end_phase_seconds", {kNone, !kGated, !kCounted, "s"}},
    {"engine.**", {kNone, !kGated, !kCounted, ""}},
};

// The text up to the first '.', or all of it.
std::string_view first_segment(std::string_view text) { return text.substr(0, text.find('.')); }

bool matches(std::string_view pattern, std::string_view name) {
  for (;;) {
    const std::string_view want = first_segment(pattern);
    const std::string_view have = first_segment(name);
    if (want == "**")
      return !name.empty() && name.find("..") == std::string_view::npos && name.back() != '.' &&
             name.front() != '.';
    if (have.empty() || (want != "*" && want != have)) return false;
    const bool pattern_ends = want.size() == pattern.size();
    const bool name_ends = have.size() == name.size();
    if (pattern_ends || name_ends) return pattern_ends && name_ends;
    pattern.remove_prefix(want.size() + 1);
    name.remove_prefix(have.size() + 1);
  }
}

}  // namespace

MetricInfo metric_info(std::string_view metric) {
  for (const Entry& entry : kVocabulary) {
    if (matches(entry.pattern, metric)) return entry.info;
  }
  return {};
}

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::kHigherIsBetter:
      return "higher_is_better";
    case Direction::kLowerIsBetter:
      return "lower_is_better";
    case Direction::kInformational:
      return "informational";
  }
  return "informational";
}

std::string latency_metric(std::string_view op, std::string_view statistic) {
  return "latency." + std::string(op) + "." + std::string(statistic);
}

std::string latency_op_of(std::string_view metric) {
  constexpr std::string_view kLatency = "latency.", kSuffix = ".p50_ns";
  if (!metric.starts_with(kLatency) || !metric.ends_with(kSuffix) ||
      metric.size() <= kLatency.size() + kSuffix.size())
    return "";
  return std::string(
      metric.substr(kLatency.size(), metric.size() - kLatency.size() - kSuffix.size()));
}

}  // namespace heapstore::report
