// The state behind StorageManager, shared by storage_manager.cc (operations) and store_open.cc
// (open, recovery and the catalog). Internal to src/.
//
// Lock order, outermost first: structure_mutex, map_mutex, a container's mutex (ascending ids
// when several), the buffer pool's mutex, catalog_mutex. Nothing holding a later one takes an
// earlier one.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "catalog.h"
#include "heapstore/buffer_pool.h"
#include "heapstore/heap_file.h"
#include "heapstore/options.h"
#include "heapstore/storage_manager.h"

namespace heapstore {

// The free-space-map entry of a page (format.md, F1).
inline std::uint16_t free_of(const Page& page) {
  return static_cast<std::uint16_t>(page.max_insert_size());
}

// A container lives as long as the store, even once removed (then in the graveyard, with
// `removed` set), so that a pointer found without the map's lock never dangles.
struct Container {
  explicit Container(std::unique_ptr<HeapFile> heap_file) : file(std::move(heap_file)) {}

  std::unique_ptr<HeapFile> file;
  std::shared_mutex mutex;        // shared: reads and scans; exclusive: changes
  bool removed = false;           // guarded by mutex; set by remove_container
  std::uint64_t live_values = 0;  // guarded by mutex
  std::uint64_t live_bytes = 0;   // guarded by mutex
  // The page that took the last insert, kept pinned between inserts (when the pool is large
  // enough, see Impl::keep_cursors) so a run of inserts skips the pool. Guarded by mutex;
  // released whenever pages are flushed or dropped, since a flushed page is no longer dirty.
  WritePageGuard cursor;
};

// A container found by id and locked.
template <typename Lock>
struct LockedContainer {
  Container* container;
  Lock lock;
  Container* operator->() const { return container; }
};
using ExclusiveContainer = LockedContainer<std::unique_lock<std::shared_mutex>>;
using SharedContainer = LockedContainer<std::shared_lock<std::shared_mutex>>;

struct StorageManager::Impl {
  Impl(const std::string& dir, const Options& options);

  // store_open.cc
  void load();  // reads the catalog, or rebuilds from the container files
  void load_containers(const std::optional<catalog::Catalog>& found,
                       const std::vector<ContainerId>& ids);
  void attach(const catalog::ContainerEntry& entry);
  void rebuild(const std::vector<ContainerId>& ids);
  std::unique_ptr<File> open_container_file(ContainerId id, bool create);
  catalog::Catalog clean_catalog() const;  // caller holds every container's lock
  void write_catalog(const catalog::Catalog& catalog);
  void mark_catalog_dirty();  // before a page write; takes catalog_mutex
  void write_ids_catalog();   // writes catalog_ids only, not clean; caller holds catalog_mutex

  // storage_manager.cc
  void check_open() const;
  Container* find(ContainerId id) const;
  ExclusiveContainer exclusive(ContainerId id);
  SharedContainer shared(ContainerId id);
  std::vector<ExclusiveContainer> lock_all();
  ValueId add(Container& c, std::string_view value, WritePageGuard& guard);
  SlotId place(Container& c, std::string_view value, WritePageGuard& guard);  // add()'s search
  void remove_locked(ContainerId id);
  void containers_changed();  // after the map changed; caller holds map_mutex exclusively
  void settle_cursor(Container& c);

  const std::string dir;
  const Options options;
  FileSystem& fs;
  BufferPool pool;

  std::mutex structure_mutex;  // serialises create, remove, reset, flush, clear_cache, close
  mutable std::shared_mutex map_mutex;
  std::map<ContainerId, std::shared_ptr<Container>> containers;  // guarded by map_mutex
  std::vector<std::shared_ptr<Container>> graveyard;             // guarded by map_mutex
  // Changes (to a value unique across stores) whenever the map does; lets find() trust a
  // per-thread cache of its last answer without taking map_mutex.
  std::atomic<std::uint64_t> generation{0};
  // Whether inserts keep a cursor pinned: only while that pins at most 1/8 of the frames.
  std::atomic<bool> keep_cursors{false};

  std::mutex catalog_mutex;
  std::atomic<bool> catalog_clean{false};  // the catalog on disk matches the files
  std::vector<ContainerId> catalog_ids;    // guarded by catalog_mutex

  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> retired_page_reads{0};   // of removed containers
  std::atomic<std::uint64_t> retired_page_writes{0};  // of removed containers
};

}  // namespace heapstore
