// The storage manager: containers of values in one directory, persisted so that a closed store
// opens again with everything in it, and logged ahead so that a crash loses nothing durable
// (engine/doc/format.md, engine/doc/log_format.md).
//
// Thread-safe: any number of threads may call one storage manager at once. Calls on different
// containers run in parallel; calls on one container are serialised (readers share). No call
// returns holding a lock, so no order of calls can deadlock.
// Every failure throws heapstore::Error with a code and a message naming what and where.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "heapstore/ids.h"
#include "heapstore/options.h"
#include "heapstore/stats.h"

namespace heapstore {

// A pass over one container's values: page by page, in ascending slot order within a page.
// Holds no lock between calls: each page is copied when the scan reaches it, so every value seen
// is as it was at that moment, and the scanning thread (or any other) may change the container
// meanwhile, e.g. delete the value just seen. A change to a page not yet reached is seen; one to
// a page already passed is not.
//
//   for (auto scan = store->scan(c); scan.valid(); scan.next()) use(scan.id(), scan.value());
class Scan {
 public:
  Scan(Scan&&) noexcept;
  Scan& operator=(Scan&&) noexcept;
  ~Scan();

  // Whether id() and value() name a value; false once the container is exhausted.
  bool valid() const;
  // The current value's id and bytes; the view lives until next() or the Scan's end.
  ValueId id() const;
  std::string_view value() const;
  // Moves to the next value. Throws what a page read throws (kIOError, kCorruption), and
  // Error(kNotFound) when the container was removed meanwhile.
  void next();

  struct State;  // engine/src/storage_manager.cc

 private:
  friend class StorageManager;
  explicit Scan(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class StorageManager {
 public:
  // The largest value: a page of 4096 bytes minus its 26-byte header and one 4-byte slot entry.
  static constexpr std::size_t kMaxValueSize = 4066;

  // Opens the store in `dir`, creating the directory when missing, and locks it (one open at a
  // time: a second open, from any process, throws Error(kIOError) saying it is locked). After a
  // clean close it reads the catalog and no data page; after a crash it replays the write-ahead
  // log from the last checkpoint, repairing torn pages, and finishes or undoes an interrupted
  // create or remove (engine/doc/log_format.md, "Recovery"). Throws Error(kCorruption) naming the
  // file (and page) on damage the log cannot repair, Error(kIOError) when the directory cannot be
  // used, Error(kInvalidArgument) for fewer than 2 buffer-pool frames.
  static std::unique_ptr<StorageManager> open(const std::string& dir, const Options& options = {});

  // Closes cleanly (as close()); an error is reported on stderr, since a destructor cannot throw.
  // After a failed sync it closes without writing anything (reopening recovers from the log).
  ~StorageManager();
  StorageManager(const StorageManager&) = delete;
  StorageManager& operator=(const StorageManager&) = delete;

  // Every call that changes the store throws Error(kIOError) naming the first failure once an
  // fsync has failed (the store can no longer know what reached the disk); reopen to recover.
  // A call that throws has changed nothing, except insert_values as said there.

  // Creates container `id` with an empty file; a no-op when it exists. Durable on return
  // (unless Durability::kNone).
  void create_container(ContainerId id);
  // Removes container `id` and its file. Error(kNotFound) when there is none. Durable on return
  // (unless Durability::kNone).
  void remove_container(ContainerId id);
  // Whether container `id` exists; the ids of all containers, ascending.
  bool has_container(ContainerId id) const;
  std::vector<ContainerId> containers() const;

  // Stores `value` in container `c` and returns its id. Error(kNotFound) for an unknown container,
  // Error(kInvalidArgument) for a value over kMaxValueSize bytes.
  ValueId insert_value(ContainerId c, std::string_view value);
  // Stores many values at once, cheaper per value; ids come back in the order of `values`.
  // Either all are stored or, on an error before any is stored, none. Logged as one operation
  // (all or nothing after a crash) while its pages fit in an eighth of the pool; a larger batch
  // is logged in such pieces, in order.
  std::vector<ValueId> insert_values(ContainerId c, std::span<const std::string_view> values);

  // The bytes of value `id`. Error(kNotFound) when the container, page or slot holds no value.
  std::string get_value(ValueId id);
  // As get_value, into `out` (reusing its capacity).
  void get_value(ValueId id, std::string& out);

  // Replaces value `id` and returns its id, which changes only when the new value no longer fits
  // in its page and had to move to another. Errors as get_value and insert_value.
  ValueId update_value(ValueId id, std::string_view value);

  // Deletes value `id`. Error(kNotFound) when there is no such value.
  void delete_value(ValueId id);

  // A pass over container `c` (see Scan). Error(kNotFound) for an unknown container.
  Scan scan(ContainerId c);
  // Calls `visit` for each value of container `c` in scan order until it returns false.
  void scan(ContainerId c, const std::function<bool(ValueId, std::string_view)>& visit);

  // Removes every container and its file; the directory stays.
  void reset();
  // Takes a checkpoint and drops every cached page, so the next reads come from disk.
  void clear_cache();
  // Makes every change before it durable by writing and fsyncing the log (not the pages; see
  // Options::durability: with kNone the log is written, not fsynced).
  void flush();
  // Writes every dirty page back (adjacent pages in one write), fsyncs the container files,
  // records the checkpoint in the catalog and starts a new log, deleting the old one.
  void checkpoint();
  // Takes a checkpoint and releases the store and its lock; any later call throws
  // Error(kInvalidArgument). Closing twice is a no-op. When the checkpoint fails the store is
  // released all the same and the error thrown: the log holds every change, so reopening
  // recovers them.
  void close();

  // A snapshot of the counters.
  Stats stats() const;

  struct Impl;  // engine/src/storage_manager.cc

 private:
  explicit StorageManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace heapstore
