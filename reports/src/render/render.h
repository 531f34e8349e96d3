// What a person reads after a run: per phase, each engine's throughput and latency side by side,
// with the ratio to the first engine when there are two or more.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report.h"

namespace heapstore::report {

// A fixed-width text table: phase, engine, ops/s with its spread over repetitions (cv, "!" when
// above 10%), MB/s, p50 and p99 (of the phase's operation; a mix phase has a row per operation;
// "~" marks a latency within 10 clock steps), and "x1.00" ratios of ops/s against the first
// engine. Medians over repetitions. Under it, what the marks mean and each engine's guarantees.
std::string render_run_table(const Report& report);

// The same as a Markdown table, for job summaries.
std::string render_run_markdown(const Report& report);

// Building blocks, shared with the comparison renderers of compare.h and the HTML ones of
// html.h.

// A phase as the renderers list it.
struct PhaseKey {
  std::string name;
  std::string op;  // of the first engine and repetition that has the phase
};
// Phases in the order they first appear, over all engines and repetitions.
std::vector<PhaseKey> phases_in_order(const std::vector<EngineResult>& engines);

// Counts and rates in steps of 1000 with at most one decimal: "42", "45.3", "845k", "12.3M".
std::string format_count(double value);
// Durations: "850 ns", "1.2 us", "3.4 ms", "1.5 s".
std::string format_nanoseconds(double nanoseconds);
// A latency: format_nanoseconds, marked "~" ("~20 ns") when under 10 steps of the clock that
// timed it (`resolution_ns`; 0 when unknown), where the figure is mostly quantisation.
std::string format_latency(double nanoseconds, double resolution_ns);
// format_nanoseconds for metrics named "*_ns", else format_count.
std::string format_metric(std::string_view metric, double value);

// Tables of cells whose first row is the header; `align` has one letter per column, 'l' or
// 'r'. text_table pads every column to its widest cell, two spaces apart, and rules the
// header; markdown_table writes a GitHub-flavoured table with '|' in cells escaped.
using Rows = std::vector<std::vector<std::string>>;
std::string text_table(const Rows& rows, std::string_view align);
std::string markdown_table(const Rows& rows, std::string_view align);

}  // namespace heapstore::report
