// A heapstore::FileSystem kept in memory, shared by the engine tests, the properties and the
// fuzzers: no disk I/O, its state outlives a store's close and reopen, and it models what a crash,
// a failed fsync and a full disk do to the files. Paths are plain strings; "a/b" lies in directory
// "a"; "." and "/" always exist. A file's bytes live in an inode shared by the Files open on it,
// so (as with POSIX) a removed or renamed-over file stays usable through handles opened before.
//
// The crash model. Each file has what reads see now and what is durable. File::sync() (fdatasync)
// makes the file's current bytes durable, except writes a failed sync lost (fail_sync). A name
// change (a file created, removed, or renamed over another) becomes durable at sync_directory() of
// its directory (of both directories, for a rename between two). Directories themselves are
// durable as soon as create_directories() returns. crash(seed) is the disk a crash now would leave;
// crash_after(n) stops the "process" after n more mutating calls, which are: File::write_at,
// File::truncate, File::sync, open() that creates a file, remove, rename and sync_directory.
//
//   MemoryFileSystem probe;
//   run_workload(probe);                              // once, to count its mutating calls
//   for (std::uint64_t n = 0; n <= probe.mutating_calls(); ++n) {
//     MemoryFileSystem fs;
//     fs.crash_after(n);
//     try { run_workload(fs); } catch (const Error&) {}  // throws at the crash point
//     for (std::uint64_t seed = 0; seed < 16; ++seed) check_recovery(*fs.crash(seed));
//   }
//
// Thread-safe: one mutex guards every file and name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "heapstore/file.h"

namespace heapstore::testing {

class MemoryFileSystem final : public FileSystem {
 public:
  MemoryFileSystem();
  ~MemoryFileSystem() override;
  MemoryFileSystem(const MemoryFileSystem&) = delete;
  MemoryFileSystem& operator=(const MemoryFileSystem&) = delete;

  // --- Crashes and faults ----------------------------------------------------------------------

  // A new file system holding the disk as a crash now would leave it: every directory; the durable
  // names, plus each group of name changes not yet durable kept or reverted as a whole (a group:
  // the changes that name one inode, such as both sides of a rename); in each file, every durable
  // byte plus a subset of the writes and truncates made since its last sync, applied in their
  // order, of which one kept write may be torn (only a prefix of any length reached the disk).
  // `seed` chooses; seed 0 reverts every undurable name change and drops every unsynced change
  // (nothing torn). The same seed after the same calls gives the same disk. Everything in the new
  // file system is durable; locks, the crash point, armed faults and the capacity are not carried.
  std::unique_ptr<MemoryFileSystem> crash(std::uint64_t seed) const;

  // A new file system holding every directory and file as reads see them now, all durable: the
  // disk a crash would leave had every change just been synced. Nothing else is carried.
  std::unique_ptr<MemoryFileSystem> clone() const;

  // Sets the crash point: after `n` more mutating calls, every further one (and every
  // create_directories, which is not counted) does nothing and throws Error(kIOError, "...
  // (simulated crash)"); reads still work. The refused call is not torn itself; crash(seed) may
  // tear any unsynced write made before it.
  void crash_after(std::uint64_t n);
  // How many mutating calls were made so far, including failed and refused ones.
  std::uint64_t mutating_calls() const;

  // Makes the next `times` syncs of files whose path contains `path_part` fail as fsync does on
  // Linux: File::sync() throws Error(kIOError) and the file's writes since its last sync are lost
  // to the disk for good (reads still see them; neither a crash nor a later successful sync, which
  // makes only writes after the failure durable, brings them back). Replaces what was armed before;
  // `times` <= 0 disarms.
  void fail_sync(std::string path_part, int times = 1);

  // Limits the sum of all file lengths to `bytes` (nothing: no limit). A write that would go past
  // it writes the part that fits (a short write), then throws Error(kIOError, "... No space left on
  // device"). Overwrites within a file always fit; truncate() never fails for space (sparse).
  void set_capacity(std::optional<std::uint64_t> bytes);

  // --- Inspection (not counted, never refused) -------------------------------------------------

  // The bytes of file `path` as reads see them, or nothing when there is no such file.
  std::optional<std::vector<std::byte>> contents(const std::string& path) const;
  // Sets the length of file `path` (zero-filled when growing) as if the disk changed under it:
  // reads and the durable image both; unsynced changes stay unsynced. False when there is no such
  // file.
  bool resize(const std::string& path, std::size_t length);

  // --- FileSystem (file.h); failures throw Error(kIOError) naming the path ---------------------

  // Opens `path`; creating it needs its directory to exist, and a directory is not a file.
  std::unique_ptr<File> open(const std::string& path, bool create) override;
  bool exists(const std::string& path) override;
  // Removes the name `path` (a missing one is fine); open Files keep the bytes.
  void remove(const std::string& path) override;
  // Moves the file `from` to `to` (replacing any file there); `to`'s directory must exist.
  void rename(const std::string& from, const std::string& to) override;
  // Creates `path` and its missing parents; throws when `path` is a file.
  void create_directories(const std::string& path) override;
  std::vector<std::string> list(const std::string& path) override;
  // Makes the name changes inside directory `path` durable.
  void sync_directory(const std::string& path) override;
  // A lock held in this file system (not carried by crash or clone): a second lock of `path`
  // throws until the first FileLock is destroyed.
  std::unique_ptr<FileLock> lock(const std::string& path) override;

 private:
  struct State;    // every file, name, lock and fault; shared with open Files and held locks
  class OpenFile;  // a File on an inode
  class HeldLock;  // releases its path when destroyed
  std::shared_ptr<State> state_;
};

}  // namespace heapstore::testing
