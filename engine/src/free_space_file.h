// The free-space file of a container, `c<id>.fsm`: its free-space map as of a checkpoint, kept
// apart from the catalog so that opening a store reads no per-page data, and a container's map is
// read only when first needed (format.md, "Free-space file"). Internal.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "heapstore/file.h"
#include "heapstore/ids.h"

namespace heapstore::free_space_file {

// "c<id>.fsm"; and the id back from such a name.
std::string name(ContainerId id);
std::optional<ContainerId> parse_name(std::string_view name);

// Replaces the free-space file of container `id` in `dir` with `entries`, stamped with the
// checkpoint `seq` it belongs to: a temp file, fsync, rename (the fsync only when `sync`; the
// caller syncs the directory). Throws Error(kIOError).
void write(FileSystem& fs, const std::string& dir, ContainerId id, std::uint64_t seq,
           std::span<const std::uint16_t> entries, bool sync);

// The entries of container `id`'s free-space file when it is whole, was written for checkpoint
// `seq` and holds `pages` entries; nothing when it is missing, damaged or of another checkpoint
// (the map is then rebuilt from the pages: it is derived data). Throws Error(kIOError) only when
// an existing file cannot be read.
std::optional<std::vector<std::uint16_t>> read(FileSystem& fs, const std::string& dir,
                                               ContainerId id, std::uint64_t seq, PageNo pages);

}  // namespace heapstore::free_space_file
