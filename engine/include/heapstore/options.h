// Options of a storage manager, fixed when the store is opened.
#pragma once

#include <cstddef>

namespace heapstore {

class FileSystem;

struct Options {
  // Number of 4 KiB buffer-pool frames shared by all containers (default 64 MiB). At least 1.
  std::size_t buffer_pool_frames = 16384;

  // Where every file operation goes. nullptr means the POSIX file system (default_file_system());
  // tests pass a fault-injecting one. Not owned; must outlive the storage manager.
  FileSystem* file_system = nullptr;

  // When false, flush() and close() skip fsync: faster, but a power loss may lose flushed data.
  bool sync = true;
};

}  // namespace heapstore
