// The context block of a report: what tool, build and machine produced it.
#pragma once

#include <string>

#include "report.h"

namespace heapstore::workload {

// "0.1.0 (commit 2b2c6ac0, GCC 12.2.0, Release)": what `heapstore --version` prints.
std::string tool_version();

// Reads the machine (CPU model, cores, memory, kernel, the filesystem holding `data_dir`) and the
// build (version, commit, compiler, flags, build type) and the time now. Never throws: what
// cannot be read is "unknown".
report::Context collect_context(const std::string& data_dir, const std::string& command_line);

}  // namespace heapstore::workload
