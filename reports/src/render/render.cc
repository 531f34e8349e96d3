// The run table (per phase, engines side by side) and the formatting it shares with the
// comparison tables of compare_render.cc.
#include "render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <span>

#include "metrics.h"

namespace heapstore::report {
namespace {

// `value` divided by 1000 until below 1000 (or out of units), with at most one decimal.
std::string scaled(double value, std::initializer_list<std::string_view> units,
                   std::string_view space) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  const auto* unit = units.begin();
  // 999.5 and 99.95 are where rounding would print "1000" or "100.0".
  while (std::abs(value) >= 999.5 && unit + 1 != units.end()) {
    value /= 1000;
    ++unit;
  }
  const double magnitude = std::abs(value);
  const bool base = unit == units.begin();
  char text[64];
  if (base && magnitude > 0 && magnitude < 0.95) {
    std::snprintf(text, sizeof text, "%.2g", value);  // small rates keep two digits: "0.05"
  } else {
    const bool whole = magnitude >= 99.95 || (base && value == std::trunc(value));
    std::snprintf(text, sizeof text, "%.*f", whole ? 0 : 1, value);
  }
  return std::string(text) + std::string(space) + std::string(*unit);
}

std::string escape_markdown(const std::string& cell) {
  std::string result;
  for (char c : cell) {
    if (c == '|') result += '\\';
    result += c == '\n' ? ' ' : c;
  }
  return result;
}

// ---- The run table ----

}  // namespace

std::vector<PhaseKey> phases_in_order(const std::vector<EngineResult>& engines) {
  std::vector<PhaseKey> phases;
  for (const EngineResult& engine : engines) {
    for (const Repetition& repetition : engine.repetitions) {
      for (const PhaseResult& phase : repetition.phases) {
        const auto same = [&](const PhaseKey& key) { return key.name == phase.name; };
        if (std::none_of(phases.begin(), phases.end(), same)) {
          phases.push_back({phase.name, phase.op});
        }
      }
    }
  }
  return phases;
}

namespace {

// The operations whose latencies a phase shows: its own, or for a mix every one measured (get
// first); an insert phase with batches shows insert_batch.
std::vector<std::string> latency_ops(const std::string& op,
                                     const std::map<std::string, Aggregate>& metrics) {
  std::vector<std::string> ops;
  if (metrics.contains(latency_metric(op == "mix" ? "get" : op, kP50)))
    ops.push_back(op == "mix" ? "get" : op);
  for (const auto& [name, aggregate] : metrics) {
    std::string measured = latency_op_of(name);
    if (!measured.empty() && std::find(ops.begin(), ops.end(), measured) == ops.end())
      ops.push_back(std::move(measured));
  }
  if (ops.empty()) ops.push_back(op == "mix" ? "get" : op);
  if (op != "mix") ops.resize(1);
  return ops;
}

std::string median_cell(const std::map<std::string, Aggregate>& metrics, const std::string& name,
                        double resolution_ns = 0) {
  const auto found = metrics.find(name);
  if (found == metrics.end()) return "-";
  const double value = found->second.median;
  return name.ends_with("_ns") ? format_latency(value, resolution_ns) : format_metric(name, value);
}

// Above this coefficient of variation over repetitions, a figure is flagged as noisy.
constexpr double kNoisyCv = 0.10;

// The spread of a metric over the repetitions: "3%", "84%!" when noisy, "-" with one repetition.
std::string cv_cell(const std::map<std::string, Aggregate>& metrics, const std::string& name,
                    std::size_t repetitions) {
  const auto found = metrics.find(name);
  if (found == metrics.end() || repetitions < 2) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%%s", found->second.cv * 100,
                found->second.cv > kNoisyCv ? "!" : "");
  return text;
}

// A run's columns: a header and the metric each shows (median over repetitions).
struct Column {
  std::string_view header;
  std::string_view metric;  // "p50"/"p99": the latency of the row's operation; "cv": of the rate
  bool per_op = false;      // shown on every row of a mix phase, not only its first
};
constexpr Column kTimedColumns[] = {{"ops/s", "ops_per_sec"}, {"cv", "cv"},
                                    {"MB/s", "mb_per_sec"},   {"p50", "p50", true},
                                    {"p99", "p99", true},     {"flush", "end_phase_seconds"}};
// Counted runs (--meter instructions): the work, per phase and per operation.
constexpr Column kCountedColumns[] = {{"ops", "operations"},
                                      {"instructions", "instructions"},
                                      {"est. cycles", "estimated_cycles"},
                                      {"instr/op", "per_op"}};

std::string per_op_cell(const std::map<std::string, Aggregate>& metrics) {
  const auto ops = metrics.find("operations");
  const auto instructions = metrics.find("instructions");
  if (ops == metrics.end() || instructions == metrics.end() || ops->second.median <= 0) return "-";
  return format_count(instructions->second.median / ops->second.median);
}

struct RowContext {
  const Report& report;
  const EngineResult& engine;
  const std::map<std::string, Aggregate>& metrics;
  std::string rate;  // the metric rates and ratios are of: ops_per_sec or instructions
};

std::string column_cell(const Column& column, const std::string& op, const RowContext& row) {
  if (column.metric == "p50" || column.metric == "p99")
    return median_cell(row.metrics, latency_metric(op, std::string(column.metric) + "_ns"),
                       row.report.context.clock_resolution_ns);
  if (column.metric == "cv") return cv_cell(row.metrics, row.rate, row.engine.repetitions.size());
  if (column.metric == "per_op") return per_op_cell(row.metrics);
  if (column.metric == "end_phase_seconds") {
    const auto found = row.metrics.find("end_phase_seconds");
    return found == row.metrics.end() ? "-" : format_nanoseconds(found->second.median * 1e9);
  }
  return median_cell(row.metrics, std::string(column.metric));
}

// This engine's figure against the first one's: "x0.42", or "-" when either has none.
std::string ratio_cell(const std::map<std::string, Aggregate>& metrics,
                       const std::map<std::string, Aggregate>* first, const std::string& metric) {
  if (first == nullptr) return "-";
  const auto ours = metrics.find(metric);
  const auto theirs = first->find(metric);
  if (ours == metrics.end() || theirs == first->end() || theirs->second.median <= 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "x%.2f", ours->second.median / theirs->second.median);
  return text;
}

// One row per operation shown (several for a mix phase: the phase's figures on the first).
void add_phase_rows(Rows& rows, const PhaseKey& phase, const RowContext& row,
                    const std::map<std::string, Aggregate>* first,
                    std::span<const Column> columns) {
  const std::vector<std::string> ops = latency_ops(phase.op, row.metrics);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const std::string& op = ops[i];
    rows.push_back({i == 0 ? phase.name : "", op == phase.op ? op : phase.op + " (" + op + ")",
                    i == 0 ? row.engine.name : ""});
    for (const Column& column : columns)
      rows.back().push_back(i == 0 || column.per_op ? column_cell(column, op, row) : "");
    rows.back().push_back(i == 0 ? ratio_cell(row.metrics, first, row.rate) : "");
  }
}

// The run table's cells; the ratio column (ops/s, or instructions in a counted run) only when
// there are two engines or more.
Rows run_rows(const Report& report) {
  std::vector<EngineResult> engines = report.engines;
  for (EngineResult& engine : engines) aggregate(engine);  // medians of what is there now
  const bool counted = report.context.meter == kMeterInstructions;
  const std::span<const Column> columns =
      counted ? std::span<const Column>(kCountedColumns) : std::span<const Column>(kTimedColumns);
  const std::string rate = counted ? "instructions" : "ops_per_sec";
  const bool ratios = engines.size() >= 2;
  Rows rows = {{"phase", "op", "engine"}};
  for (const Column& column : columns) rows[0].emplace_back(column.header);
  rows[0].push_back(std::string(counted ? "instr vs " : "vs ") + engines.front().name);
  for (const PhaseKey& phase : phases_in_order(engines)) {
    const auto first_phase = engines[0].aggregates.find(phase.name);
    const auto* first = first_phase == engines[0].aggregates.end() ? nullptr : &first_phase->second;
    for (const EngineResult& engine : engines) {
      const auto found = engine.aggregates.find(phase.name);
      if (found == engine.aggregates.end()) continue;
      add_phase_rows(rows, phase, {report, engine, found->second, rate}, first, columns);
    }
  }
  if (!ratios)
    for (auto& row : rows) row.pop_back();
  return rows;
}

constexpr std::string_view kRunAlign = "lllrrrrrrr";

// Under the table: what the marks mean, and what each engine guarantees.
std::string run_notes(const Report& report, bool markdown) {
  const std::string bullet = markdown ? "- " : "  ";
  std::string text;
  if (report.context.meter != kMeterInstructions) {
    char resolution[96];
    std::snprintf(resolution, sizeof resolution, "%.1f ns", report.context.clock_resolution_ns);
    text += bullet + "cv: spread of ops/s over the repetitions (stddev / mean); ! marks a noisy " +
            "one (above 10%). ~ marks a latency under 10 clock steps (one step: " + resolution +
            "), mostly quantisation.\n";
  }
  for (const EngineResult& engine : report.engines) {
    if (engine.guarantees.atomicity.empty()) continue;
    text +=
        bullet + engine.name +
        (!engine.engine.empty() && engine.engine != engine.name ? " (" + engine.engine + ")" : "") +
        ": crash atomicity " + engine.guarantees.atomicity + "; durable " +
        engine.guarantees.durability + "\n";
  }
  return text.empty() ? "" : (markdown ? "\n" : "") + text;
}

}  // namespace

std::string format_count(double value) { return scaled(value, {"", "k", "M", "G", "T"}, ""); }

std::string format_nanoseconds(double nanoseconds) {
  return scaled(nanoseconds, {"ns", "us", "ms", "s"}, " ");
}

std::string format_latency(double nanoseconds, double resolution_ns) {
  constexpr double kResolutionSteps = 10;  // under this many steps: mostly quantisation
  const bool coarse = nanoseconds < kResolutionSteps * resolution_ns;
  return (coarse ? "~" : "") + format_nanoseconds(nanoseconds);
}

std::string format_metric(std::string_view metric, double value) {
  return metric.ends_with("_ns") ? format_nanoseconds(value) : format_count(value);
}

std::string text_table(const Rows& rows, std::string_view align) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string padding(widths[c] - cells[c].size(), ' ');
      const bool right = c < align.size() && align[c] == 'r';
      text += (c == 0 ? "" : "  ") + (right ? padding + cells[c] : cells[c] + padding);
    }
    text.erase(text.find_last_not_of(' ') + 1);
    return text + "\n";
  };
  std::string text;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    text += line(rows[r]);
    if (r > 0) continue;
    std::vector<std::string> rule;
    for (std::size_t width : widths) rule.emplace_back(width, '-');
    text += line(rule);
  }
  return text;
}

std::string markdown_table(const Rows& rows, std::string_view align) {
  std::string text;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    text += "|";
    for (const std::string& cell : rows[r]) text += " " + escape_markdown(cell) + " |";
    text += "\n";
    if (r > 0) continue;
    text += "|";
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      text += c < align.size() && align[c] == 'r' ? "---:|" : ":---|";
    }
    text += "\n";
  }
  return text;
}

std::string render_run_table(const Report& report) {
  return text_table(run_rows(report), kRunAlign) + run_notes(report, false);
}

std::string render_run_markdown(const Report& report) {
  return markdown_table(run_rows(report), kRunAlign) + run_notes(report, true);
}

}  // namespace heapstore::report
