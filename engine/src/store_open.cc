// Opening a store: the clean path reads only the catalog; the unclean path rebuilds page counts,
// free space and live counts from the container files (format.md, "Catalog", "Crash behaviour").
#include <algorithm>

#include "heapstore/error.h"
#include "storage_manager_impl.h"

namespace heapstore {

StorageManager::Impl::Impl(const std::string& directory, const Options& opts)
    : dir(directory),
      options(opts),
      fs(opts.file_system != nullptr ? *opts.file_system : default_file_system()),
      pool(opts.buffer_pool_frames) {
  fs.create_directories(dir);
  pool.set_before_write_back([this] { mark_catalog_dirty(); });
}

std::unique_ptr<File> StorageManager::Impl::open_container_file(ContainerId id, bool create) {
  std::string path = dir + "/" + catalog::container_file(id);
  if (!create && !fs.exists(path))
    throw Error(ErrorCode::kCorruption,
                "container " + std::to_string(id) + ": file " + path + " is missing");
  return fs.open(path, create);
}

void StorageManager::Impl::load() {
  std::optional<catalog::Catalog> found = catalog::read(fs, dir);
  std::vector<ContainerId> ids;
  if (found) {
    for (const auto& entry : found->containers) ids.push_back(entry.id);
  } else {  // never opened, or the catalog was removed to force a rebuild
    for (const std::string& name : fs.list(dir))
      if (auto id = catalog::parse_container_file(name)) ids.push_back(*id);
    std::sort(ids.begin(), ids.end());
  }
  catalog_ids = ids;
  load_containers(found, ids);
  containers_changed();
}

void StorageManager::Impl::load_containers(const std::optional<catalog::Catalog>& found,
                                           const std::vector<ContainerId>& ids) {
  if (found && found->clean) {
    for (const auto& entry : found->containers) attach(entry);
    if (std::all_of(containers.begin(), containers.end(), [](const auto& c) {
          return c.second->file->bytes_on_disk() ==
                 std::uint64_t{c.second->file->page_count()} * kPageSize;
        })) {
      catalog_clean = true;
      return;
    }
    containers.clear();  // the files changed behind the catalog's back: trust the files
  }
  rebuild(ids);
}

void StorageManager::Impl::attach(const catalog::ContainerEntry& entry) {
  auto file = std::make_unique<HeapFile>(entry.id, open_container_file(entry.id, false),
                                         static_cast<PageNo>(entry.free_space.size()));
  for (std::uint16_t free : entry.free_space) file->free_space_map().append(free);
  auto container = std::make_shared<Container>(std::move(file));
  container->live_values = entry.live_values;
  container->live_bytes = entry.live_bytes;
  containers.emplace(entry.id, std::move(container));
}

// Reads every page once; a damaged page stops the open with an error naming it.
void StorageManager::Impl::rebuild(const std::vector<ContainerId>& ids) {
  Page page;
  for (ContainerId id : ids) {
    std::unique_ptr<File> raw = open_container_file(id, false);
    PageNo pages = HeapFile::pages_in(*raw);
    // A partly written last page was never flushed (H3): cut it off, or it would make every
    // later open rebuild, and resurface as a damaged page once the file grows past it.
    if (raw->size() != std::uint64_t{pages} * kPageSize)
      raw->truncate(std::uint64_t{pages} * kPageSize);
    auto file = std::make_unique<HeapFile>(id, std::move(raw), pages);
    auto container = std::make_shared<Container>(std::move(file));
    for (PageNo p = 0; p < pages; ++p) {
      container->file->read_page(p, page);
      container->file->free_space_map().append(free_of(page));
      container->live_values += page.value_count();
      container->live_bytes += kPageSize - page.header_size() - page.free_space();
    }
    containers.emplace(id, std::move(container));
  }
  write_catalog(clean_catalog());  // the files and the catalog agree again
  catalog_clean = true;
}

catalog::Catalog StorageManager::Impl::clean_catalog() const {
  catalog::Catalog result{.clean = true, .containers = {}};
  for (const auto& [id, c] : containers)
    result.containers.push_back({.id = id,
                                 .live_values = c->live_values,
                                 .live_bytes = c->live_bytes,
                                 .free_space = c->file->free_space_map().entries()});
  return result;
}

void StorageManager::Impl::write_catalog(const catalog::Catalog& catalog) {
  catalog::write(fs, dir, catalog, options.sync);
}

// The first page write after a flush makes the catalog stale: say so on disk before it happens,
// keeping only the container ids, so that an unclean stop leads to a rebuild.
void StorageManager::Impl::mark_catalog_dirty() {
  if (!catalog_clean.load(std::memory_order_acquire)) return;
  std::lock_guard lock(catalog_mutex);
  if (!catalog_clean.load(std::memory_order_relaxed)) return;
  write_ids_catalog();
}

void StorageManager::Impl::write_ids_catalog() {
  catalog::Catalog ids_only;
  for (ContainerId id : catalog_ids) {
    ids_only.containers.emplace_back();
    ids_only.containers.back().id = id;
  }
  write_catalog(ids_only);
  catalog_clean.store(false, std::memory_order_release);
}

}  // namespace heapstore
