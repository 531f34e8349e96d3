// A heapstore::FileSystem kept entirely in memory, for the fuzzers: no disk I/O, and the state
// survives a store's close and reopen within one input. A file's bytes live in an inode shared by
// its open Files, so (as with POSIX) a removed or renamed-over file stays readable through handles
// opened before. Paths are plain strings; "a/b" lies in directory "a".
//
// It models a disk that keeps every completed write: clone() is the disk as a crash at that moment
// would leave it (every write_at done so far, none torn), which is what the fuzzers reopen to
// simulate an unclean stop. Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "heapstore/file.h"

namespace heapstore::fuzz {

class MemoryFileSystem final : public FileSystem {
 public:
  MemoryFileSystem() = default;
  MemoryFileSystem(const MemoryFileSystem&) = delete;
  MemoryFileSystem& operator=(const MemoryFileSystem&) = delete;

  // A deep copy of every directory and file: the disk as a crash now would leave it.
  std::unique_ptr<MemoryFileSystem> clone() const;

  // The bytes of file `path`, or nothing when there is no such file.
  std::optional<std::vector<std::byte>> contents(const std::string& path) const;
  // Sets the length of file `path` (zero-filled when growing); false when there is no such file.
  bool resize(const std::string& path, std::size_t length);

  std::unique_ptr<File> open(const std::string& path, bool create) override;
  bool exists(const std::string& path) override;
  void remove(const std::string& path) override;
  void rename(const std::string& from, const std::string& to) override;
  void create_directories(const std::string& path) override;
  std::vector<std::string> list(const std::string& path) override;
  void sync_directory(const std::string& path) override;
  // A lock held in this file system (not across clones): a second lock of `path` throws.
  std::unique_ptr<FileLock> lock(const std::string& path) override;

  // The bytes of one file, shared by the Files open on it.
  struct Inode {
    std::mutex mutex;
    std::vector<std::byte> bytes;  // guarded by mutex
  };

 private:
  static std::string parent_of(const std::string& path);
  bool is_directory(const std::string& path) const;  // caller holds mutex_; "." and "/" exist

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Inode>> files_;  // guarded by mutex_
  std::set<std::string> directories_;                    // guarded by mutex_
  std::shared_ptr<std::set<std::string>> locked_ = std::make_shared<std::set<std::string>>();
};

}  // namespace heapstore::fuzz
