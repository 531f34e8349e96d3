// Counters a storage manager keeps; a snapshot is returned by StorageManager::stats().
#pragma once

#include <cstdint>

namespace heapstore {

struct Stats {
  std::uint64_t page_reads = 0;        // pages read from container files
  std::uint64_t page_writes = 0;       // pages written to container files
  std::uint64_t buffer_hits = 0;       // page requests served from a frame
  std::uint64_t buffer_misses = 0;     // page requests that had to read or create a page
  std::uint64_t evictions = 0;         // frames reused for another page
  std::uint64_t bytes_on_disk = 0;     // container files and the log (the catalog excluded)
  std::uint64_t live_values = 0;       // values stored now
  std::uint64_t live_value_bytes = 0;  // sum of the lengths of the values stored now
  std::uint64_t log_bytes = 0;         // bytes written to the write-ahead log
  std::uint64_t log_syncs = 0;         // fsyncs of the log
  std::uint64_t checkpoints = 0;       // checkpoints taken since the store was opened
};

}  // namespace heapstore
