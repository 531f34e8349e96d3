// Support shared by the engine tests: a temporary directory that cleans up after itself, a file
// system that injects faults (EIO, ENOSPC, short writes, torn pages) into single calls, and a
// std::map model of a store's values to check the engine against.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "heapstore/error.h"
#include "heapstore/file.h"
#include "heapstore/ids.h"
#include "heapstore/storage_manager.h"

namespace heapstore {
// Lets GoogleTest print ids in failures as "container C page P slot S".
void PrintTo(const ValueId& id, std::ostream* os);
}  // namespace heapstore

namespace heapstore::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Names of the entries of directory `dir`, sorted.
std::vector<std::string> files_in(const std::string& dir);

// Deterministic pseudo-random bytes (zero bytes included) of length `size`; different seeds give
// different values, so a value read back under the wrong id is caught.
std::string test_value(std::size_t size, std::uint64_t seed);

// What a call threw: the heapstore::Error's code as spelled in messages ("NotFound", ...) and its
// message. `code` is "none" when the call returned and "other" for any other exception.
struct Thrown {
  std::string code;
  std::string message;
};

template <typename Call>
Thrown thrown_by(Call&& call) {
  try {
    std::forward<Call>(call)();
  } catch (const Error& e) {
    return {std::string(to_string(e.code())), e.what()};
  } catch (const std::exception& e) {
    return {"other", e.what()};
  }
  return {"none", ""};
}

// Success when `text` contains `part`; the failure quotes both.
::testing::AssertionResult contains(std::string_view text, std::string_view part);

// The values a store should hold, in ValueId order (which is scan order).
class ValueModel {
 public:
  using Values = std::vector<std::pair<ValueId, std::string>>;

  // Records that `id` holds `value` now (a new value, or an update that kept its id).
  void put(ValueId id, std::string value);
  // Records an update that moved the value from `from` to `to`.
  void move(ValueId from, ValueId to, std::string value);
  void erase(ValueId id);
  // Forgets every value of container `c`.
  void erase_container(ContainerId c);

  // The value `id` holds; the model must have it.
  const std::string& value(ValueId id) const { return values_.at(id); }
  // The value `id` holds, or nullptr when it holds none.
  const std::string* find(ValueId id) const;
  // A live id chosen by `rng`; the model must not be empty.
  ValueId pick(std::mt19937_64& rng) const;
  bool empty() const { return values_.empty(); }
  std::size_t size() const { return values_.size(); }
  // Sum of the lengths of all values.
  std::size_t bytes() const { return bytes_; }
  // The values of container `c`, in scan order.
  Values in(ContainerId c) const;

 private:
  std::map<ValueId, std::string> values_;
  std::size_t bytes_ = 0;
};

// Whether container `c` of `store` holds exactly the model's values: a scan yields the model's
// ids and bytes in order, and get_value returns each. The failure names the first difference.
::testing::AssertionResult matches(StorageManager& store, const ValueModel& model, ContainerId c);

// Every value of container `c` in scan order.
ValueModel::Values scan_all(StorageManager& store, ContainerId c);

// Forwards to default_file_system() and fails chosen calls with Error(kIOError). Files it opens
// wrap the real file, so a fault armed after a file was opened still applies to its next call.
// Thread-safe: counters and faults are guarded by one mutex.
//
//   FaultyFileSystem fs;
//   fs.fail(FaultyFileSystem::Op::kWrite, FaultyFileSystem::Fault::kNoSpace);  // next write
//   fs.fail(FaultyFileSystem::Op::kSync, FaultyFileSystem::Fault::kEio, FaultyFileSystem::kEvery);
class FaultyFileSystem : public FileSystem {
 public:
  FaultyFileSystem();

  enum class Op { kRead, kWrite, kSync, kRename };
  enum class Fault {
    kEio,         // the call does nothing and throws, as for EIO
    kNoSpace,     // the call does nothing and throws, as for ENOSPC
    kShortWrite,  // writes: the first half of the bytes reach the file, then it throws (ENOSPC)
    kTornPage,    // writes: the first 512 bytes reach the file, then it throws (EIO)
  };
  static constexpr std::uint64_t kEvery = 0;
  static constexpr std::size_t kTornBytes = 512;

  // Makes the `nth` call of `op` from now on (1: the next one) fail with `fault`, or every call
  // when `nth` is kEvery; only calls on paths containing `path_part` count (rename: the target).
  // Replaces the fault armed for `op` before. kShortWrite and kTornPage apply to writes only
  // (elsewhere they act as kEio).
  void fail(Op op, Fault fault = Fault::kEio, std::uint64_t nth = 1, std::string path_part = "");
  // Disarms every fault; calls go through again.
  void heal();

  // Makes reads of paths containing `path_part` (and only those at byte `offset`, when given)
  // wait from now on until release_reads(), to show what other threads can do while one waits for
  // the disk; wait_for_held_read() returns once a read is waiting.
  void hold_reads(std::string path_part, std::optional<std::uint64_t> offset = std::nullopt);
  void release_reads();
  void wait_for_held_read();

  // Calls of `op` made so far (failed ones included), and how many faults were injected.
  std::uint64_t calls(Op op) const;
  std::uint64_t faults_injected() const;

  std::unique_ptr<File> open(const std::string& path, bool create) override;
  bool exists(const std::string& path) override;
  void remove(const std::string& path) override;
  void rename(const std::string& from, const std::string& to) override;
  void create_directories(const std::string& path) override;
  std::vector<std::string> list(const std::string& path) override;
  void sync_directory(const std::string& path) override;
  std::unique_ptr<FileLock> lock(const std::string& path) override;

 private:
  friend class FaultyFile;
  struct Armed {
    bool active = false;
    Fault fault = Fault::kEio;
    std::uint64_t nth = 0;      // which matching call fails, or kEvery
    std::string path_part;      // calls on other paths do not match
    std::uint64_t matched = 0;  // matching calls since armed
  };

  // Counts a call of `op` on `path` and returns the fault to inject into it, if any.
  std::optional<Fault> count(Op op, const std::string& path);

  // A read at `offset` of `path` waits here while such reads are held.
  void hold_if_chosen(const std::string& path, std::uint64_t offset);

  mutable std::mutex mutex_;
  std::condition_variable held_changed_;
  std::optional<std::string> held_path_part_;  // reads of matching paths wait while set
  std::optional<std::uint64_t> held_offset_;   // ... at this offset, if set
  int reads_held_ = 0;                         // reads waiting now
  std::array<std::uint64_t, 4> calls_{};
  std::array<Armed, 4> armed_{};
  std::uint64_t faults_injected_ = 0;
  FileSystem& real_;
};

}  // namespace heapstore::testing
