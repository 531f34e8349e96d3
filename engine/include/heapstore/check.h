// Reading a store without changing it: the checks behind `heapstore check`. Nothing here writes
// to the store or opens it for use (engine/src/inspect.h has the per-page view for tools).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "heapstore/file.h"
#include "heapstore/ids.h"

namespace heapstore {

struct CheckReport {
  std::vector<std::string> problems;  // one line each, naming container, page and slot
  std::vector<std::string> notes;     // not damage: e.g. the store was not closed cleanly
  std::uint64_t containers = 0;
  std::uint64_t pages = 0;  // pages read
};

// Checks the catalog (format.md C1-C4), the log since the last checkpoint (log_format.md), every
// page of every container (P1-P8, H1-H3) and, when the log holds no change since the checkpoint,
// the agreement of the catalog's free space and counts with the pages (F1). Damage to a page the
// log rebuilds (a torn write) is a note, not a problem: opening the store repairs it. Never throws
// for damage, whatever the bytes; throws Error(kNotFound) when `dir` holds no store at all and
// Error(kIOError) when it cannot be read. `fs` defaults to the POSIX file system.
CheckReport check_store(const std::string& dir, FileSystem* fs = nullptr);

}  // namespace heapstore
