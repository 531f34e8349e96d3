// What a person reads after a run: per phase, each engine's throughput and latency side by side,
// with the ratio to the first engine when there are two or more.
#pragma once

#include <string>

#include "report.h"

namespace heapstore::report {

// A fixed-width text table: phase, engine, ops/s, MB/s, p50, p99 (of the phase's main
// operation), and "x1.00" ratios of ops/s against the first engine. Medians over repetitions.
std::string render_run_table(const Report& report);

// The same as a Markdown table, for job summaries.
std::string render_run_markdown(const Report& report);

}  // namespace heapstore::report
