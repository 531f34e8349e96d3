// Recovery: replays the log written since the last checkpoint (log_format.md, "Recovery").
// Every page changed since the checkpoint is rebuilt from the log (its first change there is an
// empty page or a full image, L4), so what a crash left in its place on disk (a torn write, a
// page the disk never got) does not matter; a page the log does not rebuild must be whole on
// disk, or the store is reported as Corruption naming it.
#include <set>

#include "heapstore/error.h"
#include "storage_manager_impl.h"

namespace heapstore {
namespace {

[[noreturn]] void corrupt(Lsn lsn, const std::string& what) {
  throw Error(ErrorCode::kCorruption, "log operation at LSN " + std::to_string(lsn) + ": " + what);
}

// Replays operations into the pool and the container map of one store.
class Replayer {
 public:
  explicit Replayer(StorageManager::Impl& store) : store_(store) {
    for (auto& [id, c] : store_.containers) note_disk_pages(*c->heap);
  }

  void apply(Lsn lsn, const Op& op) {
    auto it = store_.containers.find(op.container);
    bool exists = it != store_.containers.end();
    if (op.type == OpType::kCreateContainer) {
      if (exists) corrupt(lsn, "container " + std::to_string(op.container) + " created twice");
      store_.add_container(store_.make_heap(op.container, true));
      disk_pages_[op.container] = 0;
      return;
    }
    if (!exists) corrupt(lsn, "no container " + std::to_string(op.container));
    Heap& heap = *it->second->heap;
    if (op.type == OpType::kRemoveContainer) {
      std::string path = heap.file().path();
      store_.pool.discard(heap.file());
      store_.containers.erase(it);
      store_.fs.remove(path);
      return;
    }
    for (const Change& change : op.changes) apply_change(lsn, heap, change);
  }

  // Each page the catalog or the log gives a container but its file lacks was rebuilt (C3, L7).
  void check_complete() const {
    for (const auto& [id, c] : store_.containers) {
      PageNo on_disk = disk_pages_.at(id);
      for (PageNo p = on_disk; p < c->heap->file().page_count(); ++p)
        if (!restored_.contains({id, p}))
          throw Error(ErrorCode::kCorruption,
                      page_name(id, p) + " is missing: " + c->heap->file().path() + " holds " +
                          std::to_string(on_disk) + " whole pages, the catalog and the log " +
                          std::to_string(c->heap->file().page_count()) +
                          ", and the log does not rebuild it");
    }
  }

 private:
  // Whole pages on disk, as far as the catalog's count: pages past it are not part of the store
  // unless the log rebuilds them, and a file longer than that is cut back (H3).
  void note_disk_pages(Heap& heap) {
    std::uint64_t size = heap.file().bytes_on_disk();
    PageNo count = heap.file().page_count();
    disk_pages_[heap.id()] = static_cast<PageNo>(std::min<std::uint64_t>(size / kPageSize, count));
  }

  void apply_change(Lsn lsn, Heap& heap, const Change& change) {
    HeapFile& file = heap.file();
    const PageNo p = change.page;
    if (p >= file.page_count()) file.set_page_count(p + 1);
    const bool rebuild = change.kind == ChangeKind::kInit || change.kind == ChangeKind::kImage;
    if (!rebuild && !restored_.contains({heap.id(), p}))
      corrupt(lsn, page_name(heap.id(), p) +
                       " is changed before the log rebuilds it (no image since the checkpoint)");
    WritePageGuard guard =
        rebuild ? store_.pool.create_page(file, p) : store_.pool.fetch_write(file, p);
    Page& page = guard.page();
    bool ok = true;
    switch (change.kind) {
      case ChangeKind::kInit:
        page = Page();
        break;
      case ChangeKind::kImage:
        restore_image(change, lsn, page);
        break;
      case ChangeKind::kAdd:
        ok = page.add_value(change.value) == std::optional<SlotId>(change.slot);
        break;
      case ChangeKind::kUpdate:
        ok = page.update_value(change.slot, change.value) == UpdateResult::kUpdated;
        break;
      case ChangeKind::kDelete:
        ok = page.delete_value(change.slot);
        break;
    }
    if (!ok)
      corrupt(lsn, "replaying a change to " + page_name(heap.id(), p) + " slot " +
                       std::to_string(change.slot) + " does not give what was logged");
    page.set_lsn(lsn);
    restored_.insert({heap.id(), p});
  }

  StorageManager::Impl& store_;
  std::map<ContainerId, PageNo> disk_pages_;
  std::set<std::pair<ContainerId, PageNo>> restored_;
};

}  // namespace

bool StorageManager::Impl::recover(const catalog::Catalog& catalog) {
  std::string path = dir + "/" + log_file_name(catalog.log_seq);
  LogContents found = read_log_file(fs, path, catalog.log_seq, catalog.redo_lsn);
  if (found.valid_bytes == 0) {  // missing, or never synced: it holds nothing
    log.start_file(catalog.log_seq, catalog.redo_lsn);
    return false;
  }
  // Appends go after the valid frames; a torn frame after them is cut off first, and the pool
  // may write replayed pages back at once, since their log is durable.
  log.resume_file(catalog.log_seq, catalog.redo_lsn + found.ops.size(), found.valid_bytes);
  Replayer replayer(*this);
  decode_ops(found.ops, catalog.redo_lsn, [&](Lsn lsn, const Op& op) { replayer.apply(lsn, op); });
  replayer.check_complete();
  return !found.ops.empty();
}

}  // namespace heapstore
