// Reading a store without changing it: the checks behind `heapstore check` and the per-page
// summaries behind `heapstore inspect`. Nothing here writes to the store or opens it for use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "heapstore/file.h"
#include "heapstore/ids.h"
#include "heapstore/page.h"

namespace heapstore {

struct CheckReport {
  std::vector<std::string> problems;  // one line each, naming container, page and slot
  std::vector<std::string> notes;     // not damage: e.g. the store was not closed cleanly
  std::uint64_t containers = 0;
  std::uint64_t pages = 0;  // pages read
};

// Checks the catalog (format.md C1-C4), every page of every container (P1-P8, H1-H3) and the
// agreement of the catalog's free space and counts with the pages (F1). Never throws for
// damage, whatever the bytes; throws Error(kNotFound) when `dir` holds no store at all and
// Error(kIOError) when it cannot be read. `fs` defaults to the POSIX file system.
CheckReport check_store(const std::string& dir, FileSystem* fs = nullptr);

// One page as found on disk, for inspection.
struct PageSummary {
  PageNo page = 0;
  bool never_written = false;                 // past the end of the file or all zero bytes (H2)
  std::optional<std::string> problem;         // why it fails Page::verify, if it does
  std::optional<std::uint16_t> catalog_free;  // the catalog's free-space entry, when clean
  Page image;                                 // the bytes as read (an empty page if never written)
};

// The container's pages as on disk, without verifying them first (a damaged page is returned
// with its problem). `page`: only that page. Throws Error(kNotFound) for an unknown container
// or page, Error(kCorruption) when the catalog cannot be read.
std::vector<PageSummary> inspect_container(const std::string& dir, ContainerId container,
                                           std::optional<PageNo> page = std::nullopt,
                                           FileSystem* fs = nullptr);

}  // namespace heapstore
