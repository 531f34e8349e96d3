// The catalog: the last checkpoint (where recovery starts in the log) and the containers as of
// it, with page counts, live-value counts and which free-space file holds each one's map
// (format.md, "Catalog"). Internal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "heapstore/file.h"
#include "heapstore/ids.h"

namespace heapstore::catalog {

inline constexpr std::string_view kFileName = "CATALOG";

struct ContainerEntry {
  ContainerId id = 0;
  PageNo pages = 0;
  std::uint64_t live_values = 0;
  std::uint64_t live_bytes = 0;
  // The checkpoint (its log_seq) whose free-space file holds the container's map; 0 for none.
  std::uint64_t free_space_seq = 0;
  // The map itself, only from a catalog of version 2, which held it inline.
  std::vector<std::uint16_t> inline_free_space;
};

struct Catalog {
  std::uint64_t log_seq = 1;   // the log file written since the checkpoint, wal.<log_seq>
  std::uint64_t redo_lsn = 0;  // LSN of that log's first operation: where recovery starts
  std::vector<ContainerEntry> containers;  // ascending ids, as of redo_lsn
};

// Replaces the catalog of `dir` atomically: a temp file, fsync, rename, fsync of the directory
// (the fsyncs only when `sync`). Throws Error(kIOError).
void write(FileSystem& fs, const std::string& dir, const Catalog& catalog, bool sync);

// The catalog of `dir`, or nothing when it has none. Throws Error(kCorruption) naming the file
// when it is damaged in any way.
std::optional<Catalog> read(FileSystem& fs, const std::string& dir);

// "c<id>.heap", the name of container `id`'s file; and the id back from such a name.
std::string container_file(ContainerId id);
std::optional<ContainerId> parse_container_file(std::string_view name);
// The id of a name "c<id><suffix>" written as container files are, or nothing.
std::optional<ContainerId> parse_container_name(std::string_view name, std::string_view suffix);

}  // namespace heapstore::catalog
