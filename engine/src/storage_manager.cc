// StorageManager operations. Locking rules are in storage_manager_impl.h; opening, checkpoints
// and the catalog are in store_open.cc, replaying the log in recovery.cc.
#include "heapstore/storage_manager.h"

#include <algorithm>
#include <cstdio>

#include "free_space_file.h"
#include "heapstore/error.h"
#include "storage_manager_impl.h"

namespace heapstore {
namespace {

static_assert(StorageManager::kMaxValueSize == Page::kMaxValueSize);

void check_size(std::string_view value) {
  if (value.size() > StorageManager::kMaxValueSize)
    throw Error(ErrorCode::kInvalidArgument, "value of " + std::to_string(value.size()) +
                                                 " bytes is larger than the maximum of " +
                                                 std::to_string(StorageManager::kMaxValueSize) +
                                                 " bytes");
}

[[noreturn]] void throw_no_container(ContainerId id, const std::string& dir) {
  throw Error(ErrorCode::kNotFound, "no container " + std::to_string(id) + " in " + dir);
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
  if (it == containers.end()) throw_no_container(id, dir);
  last = {this, now, id, it->second.get()};
  return last.container;
}

// Whether inserts keep a cursor pinned (only while that pins at most 1/8 of the frames), and how
// many pages a batch may pin: both follow the number of containers sharing the pool.
void StorageManager::Impl::containers_changed() {
  static std::atomic<std::uint64_t> generations{0};
  generation.store(generations.fetch_add(1) + 1, std::memory_order_release);
  std::size_t share = pool.frame_count() / (8 * std::max<std::size_t>(1, containers.size()));
  for (auto& [id, c] : containers) {
    c->heap->set_keep_cursor(share >= 1);
    c->heap->set_pin_limit(pool.frame_count() / 8);
  }
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

// Locks every container, in ascending ids, and unpins its cursor, for work on all pages at once.
std::vector<ExclusiveContainer> StorageManager::Impl::lock_all() {
  std::vector<std::pair<ContainerId, Container*>> all;
  {
    std::shared_lock lock(map_mutex);
    for (const auto& [id, c] : containers) all.emplace_back(id, c.get());
  }
  std::vector<ExclusiveContainer> locked;
  for (auto [id, c] : all) {
    locked.push_back(lock_found<ExclusiveContainer>(c, id));
    c->heap->release_cursor();
  }
  return locked;
}

// Logs a create or remove and makes it durable before it takes effect. The log is written out
// first, so a failure there changes nothing; a failure once the operation is appended leaves the
// store fail-stop, since the operation can no longer be taken back (log_format.md, L6).
void StorageManager::Impl::log_structure_change(OpWriter& op) {
  log.throw_if_failed();
  log.flush();
  auto bytes = op.bytes();
  Lsn lsn = log.append(bytes);
  try {
    log.make_durable(lsn + bytes.size());
  } catch (const Error& e) {
    log.fail(std::string("logging a container change failed: ") + e.what());
    throw;
  }
}

void StorageManager::Impl::remove_locked(ContainerId id) {
  std::shared_ptr<Container> c;
  {
    std::shared_lock lock(map_mutex);
    auto it = containers.find(id);
    if (it == containers.end()) throw_no_container(id, dir);
    c = it->second;
  }
  OpWriter op;
  op.remove_container(id);
  log_structure_change(op);
  {
    std::unique_lock lock(map_mutex);
    graveyard.push_back(c);
    containers.erase(id);
    containers_changed();
  }
  std::unique_lock lock(c->mutex);
  c->removed = true;
  c->heap->release_cursor();
  pool.discard(c->heap->file());
  retired_page_reads += c->heap->file().page_reads();
  retired_page_writes += c->heap->file().page_writes();
  std::string path = c->heap->file().path();
  c->heap.reset();  // closes the file; nothing reaches a removed container's heap
  try {
    fs.remove(path);
    const std::string map = dir + "/" + free_space_file::name(id);
    if (fs.exists(map)) fs.remove(map);
  } catch (const Error&) {
    // The removal is logged and durable; opening removes files left behind (remove_strays).
  }
}

// --- StorageManager ---------------------------------------------------------------------------

StorageManager::StorageManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<StorageManager> StorageManager::open(const std::string& dir,
                                                     const Options& options) {
  if (options.buffer_pool_frames < 2)
    throw Error(ErrorCode::kInvalidArgument,
                "a store needs at least 2 buffer-pool frames (a moving update pins two pages)");
  auto impl = std::make_unique<Impl>(dir, options);
  impl->open();
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
  impl_->log.throw_if_failed();
  auto heap = impl_->make_heap(id, true);
  OpWriter op;
  op.create_container(id);
  try {
    impl_->log_structure_change(op);
  } catch (...) {
    std::string path = heap->file().path();
    heap.reset();
    impl_->fs.remove(path);
    throw;
  }
  std::unique_lock lock(impl_->map_mutex);
  impl_->add_container(std::move(heap));
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

// After a change, holding no lock: with Durability::kEveryOperation the change (and any made
// meanwhile by other threads: one sync for all) becomes durable before the call returns.
static void after_change(StorageManager::Impl& impl) {
  if (impl.options.durability == Durability::kEveryOperation) {
    try {
      impl.log.flush();
    } catch (const Error& e) {
      impl.log.fail(std::string("making a change durable failed: ") + e.what());
      throw;
    }
  }
  impl.maybe_checkpoint();
}

// Makes `change` (a heap call under its container's lock), counted as in flight for group commit
// meanwhile, then after_change; returns what `change` returns.
template <typename Change>
static auto make_change(StorageManager::Impl& impl, Change&& change) {
  auto result = [&] {
    Log::InFlight in_flight(impl.log);
    return change();
  }();
  after_change(impl);
  return result;
}

ValueId StorageManager::insert_value(ContainerId c, std::string_view value) {
  check_size(value);
  return make_change(*impl_, [&] { return impl_->exclusive(c).heap().insert(value); });
}

std::vector<ValueId> StorageManager::insert_values(ContainerId c,
                                                   std::span<const std::string_view> values) {
  for (std::string_view value : values) check_size(value);
  return make_change(*impl_, [&] { return impl_->exclusive(c).heap().insert_many(values); });
}

std::string StorageManager::get_value(ValueId id) {
  std::string out;
  get_value(id, out);
  return out;
}

void StorageManager::get_value(ValueId id, std::string& out) {
  impl_->shared(id.container).heap().get(id, out);
}

ValueId StorageManager::update_value(ValueId id, std::string_view value) {
  check_size(value);
  // In its own page under the shared lock (other pages' changes run meanwhile); a value that
  // must move takes the container alone.
  return make_change(*impl_, [&] {
    if (impl_->shared(id.container).heap().update_in_place(id, value)) return id;
    return impl_->exclusive(id.container).heap().update(id, value);
  });
}

void StorageManager::delete_value(ValueId id) {
  make_change(*impl_, [&] {
    impl_->shared(id.container).heap().erase(id);
    return true;
  });
}

void StorageManager::reset() {
  impl_->check_open();
  std::lock_guard structure(impl_->structure_mutex);
  for (ContainerId id : containers()) impl_->remove_locked(id);
}

void StorageManager::clear_cache() {
  impl_->check_open();
  std::lock_guard structure(impl_->structure_mutex);
  impl_->checkpoint_locked();
  auto locked = impl_->lock_all();
  impl_->pool.clear();
}

void StorageManager::flush() {
  impl_->check_open();
  impl_->log.flush();
}

void StorageManager::checkpoint() {
  impl_->check_open();
  std::lock_guard structure(impl_->structure_mutex);
  impl_->checkpoint_locked();
}

void StorageManager::close() {
  if (!impl_ || impl_->closed.load()) return;
  std::lock_guard structure(impl_->structure_mutex);
  if (impl_->closed.load()) return;
  try {
    if (!impl_->log.failed()) impl_->checkpoint_locked();  // after a failed sync: write nothing
  } catch (...) {
    impl_->release();  // closed all the same: the log has everything, and reopening recovers
    throw;
  }
  impl_->release();
}

void StorageManager::Impl::release() {
  std::unique_lock lock(map_mutex);
  closed = true;
  for (auto& [id, c] : containers) {
    std::unique_lock container_lock(c->mutex);
    c->heap->release_cursor();
  }
  containers.clear();
  containers_changed();
  log.close_file();
  dir_lock.reset();
}

Stats StorageManager::stats() const {
  impl_->check_open();
  Stats s;
  s.page_reads = impl_->retired_page_reads;
  s.page_writes = impl_->retired_page_writes;
  s.buffer_hits = impl_->pool.hits();
  s.buffer_misses = impl_->pool.misses();
  s.evictions = impl_->pool.evictions();
  s.log_bytes = impl_->log.bytes_written();
  s.bytes_on_disk = impl_->log.file_bytes();
  s.log_syncs = impl_->log.syncs();
  s.checkpoints = impl_->checkpoints;
  std::shared_lock map_lock(impl_->map_mutex);
  for (const auto& [id, c] : impl_->containers) {
    std::shared_lock lock(c->mutex);
    HeapFile& file = c->heap->file();
    s.page_reads += file.page_reads();
    s.page_writes += file.page_writes();
    s.bytes_on_disk += file.bytes_on_disk();
    s.live_values += c->heap->live_values();
    s.live_value_bytes += c->heap->live_bytes();
  }
  return s;
}

// --- Scan: a page copied at a time, no lock held between calls --------------------------------

struct Scan::State {
  StorageManager::Impl* impl = nullptr;
  ContainerId container = 0;
  PageNo next_page = 0;      // the page to copy when the current one is exhausted
  PageNo read_ahead_to = 0;  // pages before it were read ahead (or tried)
  bool has_page = false;
  bool valid = false;
  Page page;  // the current page's copy
  Page::Iterator it;

  // From the current position, finds the next live value or the end.
  void settle() {
    while (!has_page || it == page.end()) {
      auto locked = impl->shared(container);
      next_page = locked.heap().skip_empty_pages(next_page);
      if (next_page >= read_ahead_to) read_ahead_to = locked.heap().read_ahead(next_page);
      has_page = locked.heap().copy_page(next_page, page);
      if (!has_page) {
        valid = false;
        return;
      }
      ++next_page;
      it = page.begin();
    }
    valid = true;
  }
};

Scan::Scan(std::unique_ptr<State> state) : state_(std::move(state)) { state_->settle(); }
Scan::Scan(Scan&&) noexcept = default;
Scan& Scan::operator=(Scan&&) noexcept = default;
Scan::~Scan() = default;

bool Scan::valid() const { return state_->valid; }
ValueId Scan::id() const {
  return make_value_id(state_->container, state_->next_page - 1, state_->it->slot);
}
std::string_view Scan::value() const { return state_->it->value; }
void Scan::next() {
  ++state_->it;
  state_->settle();
}

Scan StorageManager::scan(ContainerId c) {
  impl_->shared(c);  // Error(kNotFound) now rather than at the first page
  auto state = std::make_unique<Scan::State>();
  state->impl = impl_.get();
  state->container = c;
  return Scan(std::move(state));
}

void StorageManager::scan(ContainerId c,
                          const std::function<bool(ValueId, std::string_view)>& visit) {
  for (Scan s = scan(c); s.valid(); s.next())
    if (!visit(s.id(), s.value())) return;
}

}  // namespace heapstore
