// Opening a store (the lock, the catalog, recovery, cleaning up after an interrupted create or
// remove) and checkpoints (format.md, "Catalog"; log_format.md, "Checkpoints").
#include <algorithm>

#include "free_space_file.h"
#include "heapstore/error.h"
#include "storage_manager_impl.h"

namespace heapstore {

StorageManager::Impl::Impl(const std::string& directory, const Options& opts)
    : dir(directory),
      options(opts),
      fs(opts.file_system != nullptr ? *opts.file_system : default_file_system()),
      pool(opts.buffer_pool_frames),
      log(fs, dir, opts.durability) {
  pool.set_before_write_back([this](std::uint64_t lsn_end) { log.make_durable(lsn_end); });
}

std::unique_ptr<Heap> StorageManager::Impl::make_heap(ContainerId id, bool create) {
  std::string path = dir + "/" + catalog::container_file(id);
  // A catalog's container whose file is gone (removed by a logged remove, or lost) opens empty:
  // recovery then finds each of its pages missing unless the log removes or rebuilds it (L7).
  create = create || !fs.exists(path);
  auto file = fs.open(path, create);
  if (create) file->truncate(0);  // a file left by an interrupted create or remove is stale
  return std::make_unique<Heap>(std::make_unique<HeapFile>(id, std::move(file), 0), pool, log);
}

// Where container `e`'s free-space map comes from when first needed (F4): inline in a version 2
// catalog (read at once then, and saved to its file at the next checkpoint), else its file.
Heap::SavedFreeSpace StorageManager::Impl::saved_free_space(const catalog::ContainerEntry& e) {
  if (!e.inline_free_space.empty())
    return [entries = e.inline_free_space] { return std::optional(entries); };
  return [this, id = e.id, seq = e.free_space_seq, pages = e.pages] {
    return free_space_file::read(fs, dir, id, seq, pages);
  };
}

void StorageManager::Impl::add_container(std::unique_ptr<Heap> heap) {
  ContainerId id = heap->id();
  containers.emplace(id, std::make_shared<Container>(std::move(heap)));
}

void StorageManager::Impl::open() {
  fs.create_directories(dir);
  dir_lock = fs.lock(dir + "/LOCK");
  std::optional<catalog::Catalog> found = catalog::read(fs, dir);
  if (!found) {
    for (const std::string& name : fs.list(dir))
      if (catalog::parse_container_file(name) || parse_log_file_name(name))
        throw Error(
            ErrorCode::kCorruption,
            "store " + dir + " has no " + std::string(catalog::kFileName) + " but holds " + name);
    catalog::Catalog fresh;
    catalog::write(fs, dir, fresh, options.durability != Durability::kNone);
    log.start_file(fresh.log_seq, fresh.redo_lsn);
    containers_changed();
    return;
  }
  for (const catalog::ContainerEntry& e : found->containers) {
    auto heap = make_heap(e.id, false);
    heap->load(e.pages, e.live_values, e.live_bytes, e.free_space_seq, saved_free_space(e));
    if (!e.inline_free_space.empty()) heap->free_space_unsaved();  // saved to its file next
    add_container(std::move(heap));
  }
  log.set_redo_lsn(found->redo_lsn);
  const bool replayed = recover(*found);  // replayed pages stay dirty: opening writes nothing
  for (auto& [id, c] : containers) {
    c->heap->file().cut_to_page_count();  // bytes past the pages are not the store's (H3)
    if (replayed) c->heap->rebuild();
  }
  containers_changed();
  remove_strays();
}

// Removes what an interrupted create, remove or checkpoint left: container files no container
// owns, log files other than the current one, a catalog's temp file. Other names are not ours.
void StorageManager::Impl::remove_strays() {
  std::uint64_t current = log.file_seq();
  for (const std::string& name : fs.list(dir)) {
    bool stray = name == std::string(catalog::kFileName) + ".tmp" || name.ends_with(".fsm.tmp");
    if (auto id = catalog::parse_container_file(name)) stray = !containers.contains(*id);
    if (auto id = free_space_file::parse_name(name)) stray = !containers.contains(*id);
    if (auto seq = parse_log_file_name(name)) stray = *seq != current;
    if (stray) fs.remove(dir + "/" + name);
  }
}

// The catalog of a checkpoint whose log is wal.<log_seq>; the containers in `saved` had their
// free-space maps saved for it.
catalog::Catalog StorageManager::Impl::catalog_now(std::uint64_t log_seq, Lsn redo,
                                                   const std::set<ContainerId>& saved) const {
  catalog::Catalog result{.log_seq = log_seq, .redo_lsn = redo, .containers = {}};
  for (const auto& [id, c] : containers)
    result.containers.push_back(
        {.id = id,
         .pages = c->heap->file().page_count(),
         .live_values = c->heap->live_values(),
         .live_bytes = c->heap->live_bytes(),
         .free_space_seq = saved.contains(id) ? log_seq : c->heap->free_space_seq(),
         .inline_free_space = {}});
  return result;
}

// Saves the free-space maps that changed since they were last saved, for checkpoint `seq` (F4);
// returns their containers.
std::set<ContainerId> StorageManager::Impl::save_free_space(std::vector<ExclusiveContainer>& all,
                                                            std::uint64_t seq, bool sync) {
  std::set<ContainerId> saved;
  for (auto& c : all) {
    if (auto entries = c.heap().free_space_to_save()) {
      free_space_file::write(fs, dir, c.heap().id(), seq, *entries, sync);
      saved.insert(c.heap().id());
    }
  }
  return saved;
}

// Every dirty page out (the log first, L2), the files synced, then the catalog names the new
// redo point and a new log file, and the old log goes (log_format.md, "Checkpoints"). A failure
// writing pages changes nothing recovery relies on; a failed sync, or any failure once the catalog
// is being replaced, makes the store fail-stop (L6): reopening recovers from the log, and needs
// no free space to do so.
void StorageManager::Impl::checkpoint_locked() {
  log.throw_if_failed();
  auto locked = lock_all();
  log.flush();
  for (auto& c : locked) c.heap().trim_empty_tail();
  pool.flush_all();
  const bool sync = options.durability != Durability::kNone;
  std::uint64_t old_seq = log.file_seq();
  Lsn redo = log.end_lsn();
  // A map saved here is named only by the new catalog: until that replaces the old one, the old
  // catalog finds a map of another checkpoint and rebuilds it from the pages (F4).
  const std::set<ContainerId> saved = save_free_space(locked, old_seq + 1, sync);
  try {
    if (sync) {
      for (auto& c : locked) c.heap().file().sync();
      fs.sync_directory(dir);  // the files' names too, before a catalog names them
    }
  } catch (const Error& e) {
    log.fail(std::string("checkpoint: ") + e.what());
    throw;
  }
  // The old log is reused for the new one (L9) unless a large batch made it much longer than
  // checkpoints keep it: then it is removed, giving its space back.
  const bool reuse = log.file_bytes() <= 2 * options.checkpoint_log_bytes;
  try {
    catalog::write(fs, dir, catalog_now(old_seq + 1, redo, saved), sync);
    log.start_file(old_seq + 1, redo, reuse ? std::optional(old_seq) : std::nullopt);
  } catch (const Error& e) {
    log.fail(std::string("checkpoint: ") + e.what());
    throw;
  }
  log.set_redo_lsn(redo);
  checkpoints.fetch_add(1, std::memory_order_relaxed);
  for (auto& c : locked)
    if (saved.contains(c.heap().id())) c.heap().free_space_saved(old_seq + 1);
  // The catalog no longer counts the empty pages trimmed above: their space goes back to the file
  // system. A failure, or a crash before this, leaves them for the next open to cut (H3, H4).
  for (auto& c : locked) {
    try {
      c.heap().file().cut_to_page_count();
    } catch (const Error&) {
    }
  }
  if (reuse) return;
  try {
    fs.remove(dir + "/" + log_file_name(old_seq));
  } catch (const Error&) {
    // A log file left behind is removed when the store is next opened (remove_strays).
  }
}

void StorageManager::Impl::maybe_checkpoint() {
  if (log.file_bytes() < options.checkpoint_log_bytes) return;
  std::unique_lock structure(structure_mutex, std::try_to_lock);
  if (!structure.owns_lock() || closed.load() || log.file_bytes() < options.checkpoint_log_bytes)
    return;
  try {
    checkpoint_locked();
  } catch (const Error&) {
    // The change that got here succeeded; a checkpoint that failed is tried again after the
    // next change, and a fail-stop failure is reported by that change.
  }
}

}  // namespace heapstore
