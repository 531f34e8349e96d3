// Options of a storage manager, fixed when the store is opened.
#pragma once

#include <cstddef>
#include <cstdint>

namespace heapstore {

class FileSystem;

// What a change survives once its call returns (engine/doc/format.md, "Crash behaviour"). Every
// change is logged before any page it touches reaches disk, whatever the durability; this chooses
// when the log is fsynced.
enum class Durability {
  kNone,            // never fsynced: survives a crash of the process, not of the machine
  kAtFlush,         // flush() and close() make everything before them durable (the default)
  kEveryOperation,  // each change is durable when its call returns; concurrent calls share a sync
};

struct Options {
  // Number of 4 KiB buffer-pool frames shared by all containers (default 64 MiB). At least 2.
  std::size_t buffer_pool_frames = 16384;

  // Where every file operation goes. nullptr means the POSIX file system (default_file_system());
  // tests pass a fault-injecting one. Not owned; must outlive the storage manager.
  FileSystem* file_system = nullptr;

  Durability durability = Durability::kAtFlush;

  // A checkpoint (dirty pages written back, the log restarted) is taken once the log file holds
  // this many bytes, so that the log never grows without bound and recovery stays short.
  std::uint64_t checkpoint_log_bytes = std::uint64_t{64} << 20;
};

}  // namespace heapstore
