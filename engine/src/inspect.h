// The per-page view of a store behind `heapstore inspect`: pages as found on disk, valid or not.
// Internal (tools link heapstore::engine_internal); reads only, never writes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "heapstore/file.h"
#include "heapstore/ids.h"
#include "page.h"

namespace heapstore {

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
