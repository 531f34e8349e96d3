// The one door through which the engine touches the disk. Every read, write, sync, rename and
// removal goes through FileSystem and File, so tests can inject faults (short writes, EIO, ENOSPC,
// torn pages) without mocking the engine. All calls throw heapstore::Error(kIOError) naming the
// path on failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace heapstore {

// An open file. Positional reads and writes may be called from several threads at once.
class File {
 public:
  virtual ~File() = default;

  // Reads up to out.size() bytes at `offset`; returns how many were read (fewer only at the end
  // of the file).
  virtual std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) = 0;

  // Writes all of `data` at `offset`, extending the file when needed; a short write is an error.
  virtual void write_at(std::uint64_t offset, std::span<const std::byte> data) = 0;

  // Reads into `pieces`, one after another, from `offset`; returns how many bytes were read in
  // all (fewer only at the end of the file). One system call where the file system has one
  // (preadv); by default, read_at for each piece.
  virtual std::size_t read_scattered(std::uint64_t offset,
                                     std::span<const std::span<std::byte>> pieces);

  // Writes all of `pieces`, one after another, from `offset`: one system call where the file
  // system has one (pwritev); by default, write_at for each piece. On failure any prefix may have
  // been written, as with a short write.
  virtual void write_gathered(std::uint64_t offset,
                              std::span<const std::span<const std::byte>> pieces);

  // Current length in bytes.
  virtual std::uint64_t size() = 0;

  // Sets the length to `length` bytes (zero-filled when growing).
  virtual void truncate(std::uint64_t length) = 0;

  // Makes every completed write durable (fsync).
  virtual void sync() = 0;

  // The path the file was opened with, for messages.
  virtual const std::string& path() const = 0;
};

// An exclusive lock on a store, held for the object's lifetime (FileSystem::lock).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens `path` for reading and writing, creating it when `create` is true and it is missing.
  virtual std::unique_ptr<File> open(const std::string& path, bool create) = 0;

  // Whether `path` exists.
  virtual bool exists(const std::string& path) = 0;

  // Removes the file `path`; a missing file is not an error.
  virtual void remove(const std::string& path) = 0;

  // Renames `from` over `to` atomically (rename(2)).
  virtual void rename(const std::string& from, const std::string& to) = 0;

  // Creates the directory `path` and its missing parents; an existing directory is fine.
  virtual void create_directories(const std::string& path) = 0;

  // Names (not paths) of the entries of directory `path`, in no particular order.
  virtual std::vector<std::string> list(const std::string& path) = 0;

  // fsyncs the directory `path`, making renames and removals inside it durable.
  virtual void sync_directory(const std::string& path) = 0;

  // Takes an exclusive lock on `path` (creating the file when missing) until the returned object
  // is destroyed. Throws Error(kIOError) saying the file is locked when another holder (another
  // process, or another open of the same store) has it; the lock never waits.
  virtual std::unique_ptr<FileLock> lock(const std::string& path) = 0;
};

// The POSIX file system (open/pread/pwrite/fsync). Lives for the whole program.
FileSystem& default_file_system();

}  // namespace heapstore
