// The storage manager: containers of values in one directory, persisted so that a closed store
// opens again with everything in it (engine/doc/format.md, "Catalog" and "Crash behaviour").
//
// Thread-safe: any number of threads may call one storage manager at once. Calls on different
// containers run in parallel; calls on one container are serialised (readers share).
// Every failure throws heapstore::Error with a code and a message naming what and where.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "heapstore/buffer_pool.h"
#include "heapstore/ids.h"
#include "heapstore/options.h"
#include "heapstore/page.h"
#include "heapstore/stats.h"

namespace heapstore {

// A pass over one container's values: page by page, in ascending slot order within a page.
// Holds the container's shared lock, so while it lives other threads cannot change that
// container, and the thread that owns it must not change it either (it would deadlock).
//
//   for (auto scan = store->scan(c); scan.valid(); scan.next()) use(scan.id(), scan.value());
class Scan {
 public:
  Scan(Scan&&) noexcept = default;
  Scan& operator=(Scan&&) noexcept = default;

  // Whether id() and value() name a value; false once the container is exhausted.
  bool valid() const { return valid_; }
  // The current value's id and bytes; the view lives until next() or the Scan's end.
  ValueId id() const { return make_value_id(file_->id(), guard_.page_no(), it_->slot); }
  std::string_view value() const { return it_->value; }
  // Moves to the next value. Throws what a page read throws (kIOError, kCorruption).
  void next();

 private:
  friend class StorageManager;
  Scan(std::shared_lock<std::shared_mutex> lock, BufferPool& pool, HeapFile& file);
  void settle();  // from the current position, finds the next live value or the end

  std::shared_lock<std::shared_mutex> lock_;
  BufferPool* pool_;
  HeapFile* file_;
  ReadPageGuard guard_;
  PageNo next_page_ = 0;  // the page to fetch when guard_'s page is exhausted
  Page::Iterator it_;
  bool valid_ = false;
};

class StorageManager {
 public:
  static constexpr std::size_t kMaxValueSize = Page::kMaxValueSize;

  // Opens the store in `dir`, creating the directory when missing. After a clean close it reads
  // only the catalog, no data page; after an unclean stop it rebuilds page counts and free space
  // from the container files. Throws Error(kCorruption) naming the file (and page) on damage,
  // Error(kIOError) when the directory cannot be used.
  static std::unique_ptr<StorageManager> open(const std::string& dir, const Options& options = {});

  // Closes cleanly (as close()); an error is reported on stderr, since a destructor cannot throw.
  ~StorageManager();
  StorageManager(const StorageManager&) = delete;
  StorageManager& operator=(const StorageManager&) = delete;

  // Creates container `id` with an empty file; a no-op when it exists. Durable on return.
  void create_container(ContainerId id);
  // Removes container `id` and its file. Error(kNotFound) when there is none. Durable on return.
  void remove_container(ContainerId id);
  // Whether container `id` exists; the ids of all containers, ascending.
  bool has_container(ContainerId id) const;
  std::vector<ContainerId> containers() const;

  // Stores `value` in container `c` and returns its id. Error(kNotFound) for an unknown container,
  // Error(kInvalidArgument) for a value over kMaxValueSize bytes.
  ValueId insert_value(ContainerId c, std::string_view value);
  // Stores many values at once, cheaper per value; ids come back in the order of `values`.
  // Either all are stored or, on an error before any is stored, none.
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
  // Writes back and drops every cached page, so the next reads come from disk.
  void clear_cache();
  // Puts every dirty page and the catalog on disk, fsynced (unless Options::sync is false).
  void flush();
  // Flushes, marks the catalog clean and releases the store; any later call throws
  // Error(kInvalidArgument). Closing twice is a no-op.
  void close();

  // A snapshot of the counters.
  Stats stats() const;

  struct Impl;  // engine/src/storage_manager.cc

 private:
  explicit StorageManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace heapstore
