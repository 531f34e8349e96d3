// The verdict order, the text of fractions, how rows get their change, and the finishing of a
// Comparison that compare() and compare_paired() share.
#include "compare_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string_view>
#include <utility>

namespace heapstore::report {
namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();  // no value: rendered "-"

// FNV-1a.
std::uint64_t fnv1a(std::string_view text, std::uint64_t hash) {
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3;
  return hash;
}

// |worse| for ordering rows, with rows that have none last.
double magnitude(const MetricComparison& m) { return std::isnan(m.worse) ? -1 : std::abs(m.worse); }

}  // namespace

int severity(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFail:
      return 4;
    case Verdict::kWarn:
      return 3;
    case Verdict::kInconclusive:
      return 2;
    case Verdict::kImproved:
      return 1;
    case Verdict::kPass:
      return 0;
  }
  return 0;
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kImproved:
      return "improved";
    case Verdict::kPass:
      return "pass";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      return "fail";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "unknown";
}

int Comparison::exit_code() const { return overall == Verdict::kFail ? 1 : 0; }

std::string percent(double fraction) {
  if (std::isnan(fraction)) return "-";
  if (std::isinf(fraction)) return fraction > 0 ? "+inf" : "-inf";
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", fraction * 100);
  return text;
}

std::string shown(const std::string& value) { return value.empty() ? "(unknown)" : value; }

std::uint64_t metric_seed(const MetricComparison& m, std::uint64_t seed) {
  return fnv1a(m.engine + '\0' + m.phase + '\0' + m.metric, seed);
}

double worse_of(double ratio, Direction direction) {
  if (direction == Direction::kLowerIsBetter) return ratio - 1;
  return ratio > 0 ? 1 / ratio - 1 : std::numeric_limits<double>::infinity();
}

void set_ratio(MetricComparison& m, double ratio, double ratio_low, double ratio_high) {
  m.change = ratio - 1;
  m.change_low = ratio_low - 1;
  m.change_high = ratio_high - 1;
  m.worse = worse_of(ratio, m.direction);
  const double worse_at_low = worse_of(ratio_low, m.direction);
  const double worse_at_high = worse_of(ratio_high, m.direction);
  m.worse_low = std::min(worse_at_low, worse_at_high);
  m.worse_high = std::max(worse_at_low, worse_at_high);
}

void mark_inconclusive(MetricComparison& m, std::string note) {
  m.change = m.change_low = m.change_high = kNone;
  m.worse = m.worse_low = m.worse_high = kNone;
  m.verdict = Verdict::kInconclusive;
  m.note = std::move(note);
}

void mark_not_gated(MetricComparison& m, const std::string& why) {
  m.gated = false;
  m.note = "not gated (" + why + ")" + (m.note.empty() ? "" : "; " + m.note);
}

void finish(Comparison& comparison) {
  std::vector<MetricComparison>& rows = comparison.metrics;
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if (a.gated != b.gated) return a.gated;
    if (a.verdict != b.verdict) return severity(a.verdict) > severity(b.verdict);
    return magnitude(a) > magnitude(b);
  });
  const bool any_gated =
      std::any_of(rows.begin(), rows.end(), [](const auto& m) { return m.gated; });
  comparison.overall = any_gated ? Verdict::kPass : Verdict::kInconclusive;
  if (!any_gated) {
    comparison.warnings.push_back("no gated metric in either report: nothing was judged");
  }
  for (const MetricComparison& m : rows) {
    if (m.gated && severity(m.verdict) > severity(comparison.overall)) {
      comparison.overall = m.verdict;
    }
  }
}

}  // namespace heapstore::report
