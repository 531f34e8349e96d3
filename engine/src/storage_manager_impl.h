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

struct Container {
  explicit Container(std::unique_ptr<HeapFile> heap_file) : file(std::move(heap_file)) {}

  std::unique_ptr<HeapFile> file;
  std::shared_mutex mutex;        // shared: reads and scans; exclusive: changes
  bool removed = false;           // guarded by mutex; set by remove_container
  std::uint64_t live_values = 0;  // guarded by mutex
  std::uint64_t live_bytes = 0;   // guarded by mutex
};

// A container found by id and locked; the shared_ptr keeps it alive while locked.
template <typename Lock>
struct LockedContainer {
  std::shared_ptr<Container> container;
  Lock lock;
  Container* operator->() const { return container.get(); }
};
using ExclusiveContainer = LockedContainer<std::unique_lock<std::shared_mutex>>;
using SharedContainer = LockedContainer<std::shared_lock<std::shared_mutex>>;

struct StorageManager::Impl {
  Impl(const std::string& dir, const Options& options);

  // store_open.cc
  void load();  // reads the catalog, or rebuilds from the container files
  void attach(const catalog::ContainerEntry& entry);
  void rebuild(const std::vector<ContainerId>& ids);
  std::unique_ptr<File> open_container_file(ContainerId id, bool create);
  catalog::Catalog clean_catalog() const;  // caller holds every container's lock
  void write_catalog(const catalog::Catalog& catalog);
  void mark_catalog_dirty();  // before a page write; takes catalog_mutex
  void write_ids_catalog();   // writes catalog_ids only, not clean; caller holds catalog_mutex

  // storage_manager.cc
  void check_open() const;
  std::shared_ptr<Container> find(ContainerId id) const;
  ExclusiveContainer exclusive(ContainerId id);
  SharedContainer shared(ContainerId id);
  std::vector<ExclusiveContainer> lock_all();
  ValueId add(Container& c, std::string_view value, WritePageGuard& guard);
  void remove_locked(ContainerId id);

  const std::string dir;
  const Options options;
  FileSystem& fs;
  BufferPool pool;

  std::mutex structure_mutex;  // serialises create, remove, reset, flush, clear_cache, close
  mutable std::shared_mutex map_mutex;
  std::map<ContainerId, std::shared_ptr<Container>> containers;  // guarded by map_mutex

  std::mutex catalog_mutex;
  std::atomic<bool> catalog_clean{false};  // the catalog on disk matches the files
  std::vector<ContainerId> catalog_ids;    // guarded by catalog_mutex

  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> retired_page_reads{0};   // of removed containers
  std::atomic<std::uint64_t> retired_page_writes{0};  // of removed containers
};

}  // namespace heapstore
