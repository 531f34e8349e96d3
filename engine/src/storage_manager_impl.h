// The state behind StorageManager, shared by storage_manager.cc (operations), store_open.cc
// (opening, checkpoints, the catalog) and recovery.cc (replaying the log). Internal.
//
// Lock order, outermost first: structure_mutex, map_mutex, a container's mutex (ascending ids
// when several), a page latch, the heap's free-space mutex, the buffer pool's eviction mutex then
// a shard mutex, the log's io then append mutex (format.md, "Concurrency"). No public call returns
// holding any of them (a Scan holds none between calls), so callers cannot make a cycle.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "buffer_pool.h"
#include "catalog.h"
#include "heap.h"
#include "heapstore/options.h"
#include "heapstore/storage_manager.h"
#include "log.h"
#include "shared_mutex.h"

namespace heapstore {

// A container lives as long as the store, even once removed (then in the graveyard, with
// `removed` set), so that a pointer found without the map's lock never dangles.
struct Container {
  explicit Container(std::unique_ptr<Heap> h) : heap(std::move(h)) {}

  std::unique_ptr<Heap> heap;
  SharedMutex mutex;     // shared: Heap's shared calls; exclusive: the rest (heap.h)
  bool removed = false;  // guarded by mutex; set by remove_container
};

// A container found by id and locked.
template <typename Lock>
struct LockedContainer {
  Container* container;
  Lock lock;
  Heap& heap() const { return *container->heap; }
};
using ExclusiveContainer = LockedContainer<std::unique_lock<SharedMutex>>;
using SharedContainer = LockedContainer<std::shared_lock<SharedMutex>>;

struct StorageManager::Impl {
  Impl(const std::string& dir, const Options& options);

  // store_open.cc
  void open();  // locks the directory, reads the catalog, recovers, cleans up
  std::unique_ptr<Heap> make_heap(ContainerId id, bool create);
  void add_container(std::unique_ptr<Heap> heap);  // caller holds map_mutex or is opening
  void checkpoint_locked();                        // caller holds structure_mutex
  void maybe_checkpoint();                         // after a change, holding no lock
  catalog::Catalog catalog_now(std::uint64_t log_seq, Lsn redo,
                               const std::set<ContainerId>& saved) const;
  std::set<ContainerId> save_free_space(std::vector<ExclusiveContainer>& all, std::uint64_t seq,
                                        bool sync);
  Heap::SavedFreeSpace saved_free_space(const catalog::ContainerEntry& e);
  void remove_strays();  // files of the directory that are neither the catalog's nor the log's

  // recovery.cc: replays the log after the catalog's checkpoint; returns whether it replayed any
  // operation (then the counts are rebuilt from the pages and a checkpoint is taken).
  bool recover(const catalog::Catalog& catalog);

  // storage_manager.cc
  void check_open() const;
  Container* find(ContainerId id) const;
  ExclusiveContainer exclusive(ContainerId id);
  SharedContainer shared(ContainerId id);
  std::vector<ExclusiveContainer> lock_all();
  void remove_locked(ContainerId id);
  void containers_changed();  // after the map changed; caller holds map_mutex exclusively
  void log_structure_change(OpWriter& op);  // create/remove: logged, durable on return
  void release();  // closes: drops containers and the log file, unlocks the directory

  const std::string dir;
  const Options options;
  FileSystem& fs;
  std::unique_ptr<FileLock> dir_lock;
  BufferPool pool;
  Log log;

  std::mutex structure_mutex;  // serialises create, remove, reset, checkpoint, clear_cache, close
  mutable std::shared_mutex map_mutex;
  std::map<ContainerId, std::shared_ptr<Container>> containers;  // guarded by map_mutex
  std::vector<std::shared_ptr<Container>> graveyard;             // guarded by map_mutex
  // Changes (to a value unique across stores) whenever the map does; lets find() trust a
  // per-thread cache of its last answer without taking map_mutex.
  std::atomic<std::uint64_t> generation{0};

  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> checkpoints{0};
  std::atomic<std::uint64_t> retired_page_reads{0};   // of removed containers
  std::atomic<std::uint64_t> retired_page_writes{0};  // of removed containers
};

}  // namespace heapstore
