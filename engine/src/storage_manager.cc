// StorageManager operations. Locking rules are in storage_manager_impl.h; the catalog and
// recovery are in store_open.cc.
#include "heapstore/storage_manager.h"

#include <cstdio>

#include "heapstore/error.h"
#include "storage_manager_impl.h"

namespace heapstore {
namespace {

[[noreturn]] void throw_no_value(const ValueId& id) {
  throw Error(ErrorCode::kNotFound, "no value at " + to_string(id));
}

void check_size(std::string_view value) {
  if (value.size() > StorageManager::kMaxValueSize)
    throw Error(ErrorCode::kInvalidArgument, "value of " + std::to_string(value.size()) +
                                                 " bytes is larger than the maximum of " +
                                                 std::to_string(StorageManager::kMaxValueSize) +
                                                 " bytes");
}

auto read_fetch(BufferPool& pool) {
  return [&pool](HeapFile& file, PageNo page_no) { return pool.fetch_read(file, page_no); };
}
auto write_fetch(BufferPool& pool) {
  return [&pool](HeapFile& file, PageNo page_no) { return pool.fetch_write(file, page_no); };
}

// Pins the page of value `id` (read or write guard) and returns the guard and the value's size;
// Error(kNotFound) when the page or slot holds no value.
template <typename Guard, typename Fetch>
std::pair<Guard, std::size_t> pin_value(Container& c, const ValueId& id, Fetch fetch) {
  if (id.page >= c.file->page_count()) throw_no_value(id);
  Guard guard = fetch(*c.file, id.page);
  std::optional<std::string_view> value = guard.page().get_value(id.slot);
  if (!value) throw_no_value(id);
  return {std::move(guard), value->size()};
}

// Records the free space of the page `guard` holds (if any) in the free-space map (F1).
void record_free(Container& c, const WritePageGuard& guard) {
  if (guard.holds_page()) c.file->free_space_map().set(guard.page_no(), free_of(guard.page()));
}

// Records the page's new free space and unpins it.
void retire(Container& c, WritePageGuard& guard) {
  record_free(c, guard);
  guard.release();
}

}  // namespace

// --- Impl: finding and locking containers -----------------------------------------------------

void StorageManager::Impl::check_open() const {
  if (closed.load(std::memory_order_acquire))
    throw Error(ErrorCode::kInvalidArgument, "store " + dir + " is closed");
}

Container* StorageManager::Impl::find(ContainerId id) const {
  struct LastFound {
    const Impl* store = nullptr;
    std::uint64_t generation = 0;
    ContainerId id = 0;
    Container* container = nullptr;
  };
  thread_local LastFound last;
  check_open();
  std::uint64_t now = generation.load(std::memory_order_acquire);
  if (last.store == this && last.generation == now && last.id == id) return last.container;
  std::shared_lock lock(map_mutex);
  auto it = containers.find(id);
  if (it == containers.end())
    throw Error(ErrorCode::kNotFound, "no container " + std::to_string(id) + " in " + dir);
  last = {this, now, id, it->second.get()};
  return last.container;
}

void StorageManager::Impl::containers_changed() {
  static std::atomic<std::uint64_t> generations{0};
  generation.store(generations.fetch_add(1) + 1, std::memory_order_release);
  keep_cursors = pool.frame_count() >= 8 * std::max<std::size_t>(1, containers.size());
}

// Records the cursor page's free space; unpins it unless cursors are kept.
void StorageManager::Impl::settle_cursor(Container& c) {
  record_free(c, c.cursor);
  if (!keep_cursors.load(std::memory_order_relaxed)) c.cursor.release();
}

template <typename Locked>
static Locked lock_found(Container* c, ContainerId id) {
  Locked locked{c, {}};
  locked.lock = decltype(locked.lock)(c->mutex);
  if (locked.container->removed)  // removed while we waited
    throw Error(ErrorCode::kNotFound, "no container " + std::to_string(id));
  return locked;
}

ExclusiveContainer StorageManager::Impl::exclusive(ContainerId id) {
  return lock_found<ExclusiveContainer>(find(id), id);
}

SharedContainer StorageManager::Impl::shared(ContainerId id) {
  return lock_found<SharedContainer>(find(id), id);
}

// Locks every container and releases its cursor, for operations on all pages at once.
std::vector<ExclusiveContainer> StorageManager::Impl::lock_all() {
  check_open();
  std::vector<std::pair<ContainerId, Container*>> all;
  {
    std::shared_lock lock(map_mutex);
    for (const auto& [id, c] : containers) all.emplace_back(id, c.get());  // ascending ids
  }
  std::vector<ExclusiveContainer> locked;
  for (auto [id, c] : all) {
    locked.push_back(lock_found<ExclusiveContainer>(c, id));
    c->cursor.release();
  }
  return locked;
}

// Adds `value` to the page `guard` holds if it fits, else to a page the free-space map offers,
// else to a new page; `guard` ends holding the page that took it.
ValueId StorageManager::Impl::add(Container& c, std::string_view value, WritePageGuard& guard) {
  const SlotId slot = place(c, value, guard);
  c.live_values += 1;
  c.live_bytes += value.size();
  return make_value_id(c.file->id(), guard.page_no(), slot);
}

// add()'s search for a page, returning the slot from each branch: a std::optional<SlotId> kept
// across the branches lived on the stack, and GCC 12 read it back with a load wider than its
// store, a store-forwarding stall in every insert.
SlotId StorageManager::Impl::place(Container& c, std::string_view value, WritePageGuard& guard) {
  HeapFile& file = *c.file;
  if (guard.holds_page())
    if (auto slot = guard.page().add_value(value)) return *slot;
  retire(c, guard);
  if (auto page_no = file.free_space_map().find(value.size())) {
    guard = pool.fetch_write(file, *page_no);
    if (auto slot = guard.page().add_value(value)) return *slot;
    retire(c, guard);
  }
  PageNo page_no = file.allocate_page();
  file.free_space_map().append(free_of(Page()));  // consistent even if create_page throws
  guard = pool.create_page(file, page_no);
  return guard.page().add_value(value).value();  // callers checked the size: an empty page fits
}

void StorageManager::Impl::remove_locked(ContainerId id) {
  std::shared_ptr<Container> c;
  {
    std::unique_lock lock(map_mutex);
    auto it = containers.find(id);
    if (it == containers.end())
      throw Error(ErrorCode::kNotFound, "no container " + std::to_string(id) + " in " + dir);
    c = it->second;
    graveyard.push_back(std::move(it->second));
    containers.erase(it);
    containers_changed();
  }
  {
    std::lock_guard lock(catalog_mutex);  // the catalog forgets it before its file goes
    std::erase(catalog_ids, id);
    write_ids_catalog();
  }
  std::unique_lock lock(c->mutex);
  c->removed = true;
  c->cursor.release();
  pool.discard(*c->file);
  retired_page_reads += c->file->page_reads();
  retired_page_writes += c->file->page_writes();
  fs.remove(c->file->path());
  c->file.reset();  // closes it; nothing reaches a removed container's file
}

// --- StorageManager ---------------------------------------------------------------------------

StorageManager::StorageManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<StorageManager> StorageManager::open(const std::string& dir,
                                                     const Options& options) {
  auto impl = std::make_unique<Impl>(dir, options);
  impl->load();
  return std::unique_ptr<StorageManager>(new StorageManager(std::move(impl)));
}

StorageManager::~StorageManager() {
  try {
    close();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "heapstore: closing %s failed: %s\n", impl_->dir.c_str(), e.what());
  }
}

void StorageManager::create_container(ContainerId id) {
  impl_->check_open();
  std::lock_guard structure(impl_->structure_mutex);
  if (has_container(id)) return;
  auto file = impl_->open_container_file(id, true);
  file->truncate(0);  // a file left by an interrupted create or remove is stale
  auto container = std::make_shared<Container>(std::make_unique<HeapFile>(id, std::move(file), 0));
  {
    std::lock_guard lock(impl_->catalog_mutex);
    impl_->catalog_ids.insert(
        std::upper_bound(impl_->catalog_ids.begin(), impl_->catalog_ids.end(), id), id);
    impl_->write_ids_catalog();
  }
  std::unique_lock lock(impl_->map_mutex);
  impl_->containers.emplace(id, std::move(container));
  impl_->containers_changed();
}

void StorageManager::remove_container(ContainerId id) {
  impl_->check_open();
  std::lock_guard structure(impl_->structure_mutex);
  impl_->remove_locked(id);
}

bool StorageManager::has_container(ContainerId id) const {
  impl_->check_open();
  std::shared_lock lock(impl_->map_mutex);
  return impl_->containers.contains(id);
}

std::vector<ContainerId> StorageManager::containers() const {
  impl_->check_open();
  std::shared_lock lock(impl_->map_mutex);
  std::vector<ContainerId> ids;
  for (const auto& entry : impl_->containers) ids.push_back(entry.first);
  return ids;
}

ValueId StorageManager::insert_value(ContainerId c, std::string_view value) {
  check_size(value);
  auto locked = impl_->exclusive(c);
  ValueId id = impl_->add(*locked.container, value, locked->cursor);
  impl_->settle_cursor(*locked.container);
  return id;
}

std::vector<ValueId> StorageManager::insert_values(ContainerId c,
                                                   std::span<const std::string_view> values) {
  for (std::string_view value : values) check_size(value);
  auto locked = impl_->exclusive(c);
  std::vector<ValueId> ids;
  ids.reserve(values.size());
  for (std::string_view value : values)  // the cursor stays on one page while values fit
    ids.push_back(impl_->add(*locked.container, value, locked->cursor));
  impl_->settle_cursor(*locked.container);
  return ids;
}

std::string StorageManager::get_value(ValueId id) {
  std::string out;
  get_value(id, out);
  return out;
}

void StorageManager::get_value(ValueId id, std::string& out) {
  auto locked = impl_->shared(id.container);
  auto [guard, size] = pin_value<ReadPageGuard>(*locked.container, id, read_fetch(impl_->pool));
  out.assign(*guard.page().get_value(id.slot));
}

ValueId StorageManager::update_value(ValueId id, std::string_view value) {
  check_size(value);
  auto locked = impl_->exclusive(id.container);
  Container& c = *locked.container;
  auto [guard, old_size] = pin_value<WritePageGuard>(c, id, write_fetch(impl_->pool));
  if (guard.page().update_value(id.slot, value) == UpdateResult::kUpdated) {
    c.live_bytes = c.live_bytes - old_size + value.size();
    retire(c, guard);
    return id;
  }
  // It no longer fits its page: store it elsewhere first, then delete the old copy.
  guard.release();
  WritePageGuard other;
  ValueId moved = impl_->add(c, value, other);
  retire(c, other);
  guard = impl_->pool.fetch_write(*c.file, id.page);
  guard.page().delete_value(id.slot);
  retire(c, guard);
  c.live_values -= 1;
  c.live_bytes -= old_size;
  return moved;
}

void StorageManager::delete_value(ValueId id) {
  auto locked = impl_->exclusive(id.container);
  Container& c = *locked.container;
  auto [guard, old_size] = pin_value<WritePageGuard>(c, id, write_fetch(impl_->pool));
  c.live_values -= 1;
  c.live_bytes -= old_size;
  guard.page().delete_value(id.slot);
  retire(c, guard);
}

Scan StorageManager::scan(ContainerId c) {
  auto locked = impl_->shared(c);
  HeapFile& file = *locked->file;
  return Scan(std::move(locked.lock), impl_->pool, file);
}

void StorageManager::scan(ContainerId c,
                          const std::function<bool(ValueId, std::string_view)>& visit) {
  for (Scan s = scan(c); s.valid(); s.next())
    if (!visit(s.id(), s.value())) return;
}

void StorageManager::reset() {
  impl_->check_open();
  std::lock_guard structure(impl_->structure_mutex);
  for (ContainerId id : containers()) impl_->remove_locked(id);
}

void StorageManager::clear_cache() {
  impl_->check_open();
  std::lock_guard structure(impl_->structure_mutex);
  auto locked = impl_->lock_all();
  impl_->pool.clear();
}

void StorageManager::flush() {
  impl_->check_open();
  std::lock_guard structure(impl_->structure_mutex);
  auto locked = impl_->lock_all();
  impl_->pool.flush_all();
  if (impl_->options.sync)
    for (auto& c : locked) c->file->sync();
  std::lock_guard lock(impl_->catalog_mutex);
  impl_->write_catalog(impl_->clean_catalog());
  impl_->catalog_clean = true;
}

void StorageManager::close() {
  if (!impl_ || impl_->closed.load()) return;
  flush();
  std::lock_guard structure(impl_->structure_mutex);
  std::unique_lock lock(impl_->map_mutex);
  impl_->closed = true;
  impl_->pool.clear();
  impl_->containers.clear();
  impl_->containers_changed();
}

Stats StorageManager::stats() const {
  impl_->check_open();
  Stats s;
  s.page_reads = impl_->retired_page_reads;
  s.page_writes = impl_->retired_page_writes;
  s.buffer_hits = impl_->pool.hits();
  s.buffer_misses = impl_->pool.misses();
  s.evictions = impl_->pool.evictions();
  std::shared_lock map_lock(impl_->map_mutex);
  for (const auto& [id, c] : impl_->containers) {
    std::shared_lock lock(c->mutex);
    s.page_reads += c->file->page_reads();
    s.page_writes += c->file->page_writes();
    s.bytes_on_disk += c->file->bytes_on_disk();
    s.live_values += c->live_values;
    s.live_value_bytes += c->live_bytes;
  }
  return s;
}

// --- Scan -------------------------------------------------------------------------------------

Scan::Scan(std::shared_lock<std::shared_mutex> lock, BufferPool& pool, HeapFile& file)
    : lock_(std::move(lock)), pool_(&pool), file_(&file) {
  settle();
}

void Scan::next() {
  ++it_;
  settle();
}

void Scan::settle() {
  while (!guard_.holds_page() || it_ == guard_.page().end()) {
    guard_.release();
    if (next_page_ >= file_->page_count()) {
      valid_ = false;
      return;
    }
    guard_ = pool_->fetch_read(*file_, next_page_++);
    it_ = guard_.page().begin();
  }
  valid_ = true;
}

}  // namespace heapstore
