#include "memory_file_system.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <string_view>
#include <unordered_set>

#include "heapstore/error.h"
#include "memory_inode.h"

namespace heapstore::testing {
namespace {

[[noreturn]] void throw_io(const std::string& what, const std::string& path) {
  throw Error(ErrorCode::kIOError, what + " " + path + ": No such file or directory");
}

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Whether parent_of(path) == dir, without building the parent's string (sync_directory and list
// ask this of every name).
bool parent_is(std::string_view path, std::string_view dir) {
  auto slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return dir == ".";
  return slash == 0 ? dir == "/" : path.substr(0, slash) == dir;
}

using Names = std::map<std::string, std::shared_ptr<MemoryInode>>;

const MemoryInode* inode_of(const Names& names, const std::string& path) {
  auto it = names.find(path);
  return it == names.end() ? nullptr : it->second.get();
}

}  // namespace

struct MemoryFileSystem::State {
  std::mutex mutex;
  // Everything below is guarded by mutex.
  Names names;          // the files as reads see them
  Names durable_names;  // the files as of each directory's last sync
  std::set<std::string> directories;
  std::set<std::string> locked;
  std::uint64_t calls = 0;                // mutating calls made
  std::optional<std::uint64_t> crash_at;  // calls past this many are refused
  std::string sync_fault_part;            // syncs of paths containing this fail ...
  int sync_faults = 0;                    // ... this many more times
  std::optional<std::uint64_t> capacity;  // bytes, the sum of all file lengths

  bool is_directory(const std::string& path) const {
    return path == "." || path == "/" || directories.contains(path);
  }
  bool crashed() const { return crash_at && calls >= *crash_at; }

  // Counts a mutating call on `path`; throws instead once the crash point is passed.
  void enter(const std::string& what, const std::string& path) {
    ++calls;
    if (crash_at && calls > *crash_at) {
      throw Error(ErrorCode::kIOError,
                  what + " " + path + ": Input/output error (simulated crash)");
    }
  }

  // Whether this sync of `path` is to fail (fail_sync); uses up one failure.
  bool take_sync_fault(const std::string& path) {
    if (sync_faults <= 0 || path.find(sync_fault_part) == std::string::npos) return false;
    --sync_faults;
    return true;
  }

  // How many bytes `file` may still grow by under the capacity (nothing: no limit).
  std::optional<std::uint64_t> room_for(const MemoryInode& file) const {
    if (!capacity) return std::nullopt;
    std::unordered_set<const MemoryInode*> counted = {&file};  // an open, removed file counts
    std::uint64_t used = file.bytes().size();
    for (const auto& [path, inode] : names) {
      if (counted.insert(inode.get()).second) used += inode->bytes().size();
    }
    return used < *capacity ? *capacity - used : 0;
  }

  std::vector<std::vector<std::string>> change_groups() const;
  Names surviving_names(std::mt19937_64* rng) const;
};

// --- Files and locks ---------------------------------------------------------------------------

class MemoryFileSystem::OpenFile final : public File {
 public:
  OpenFile(std::shared_ptr<State> state, std::shared_ptr<MemoryInode> inode, std::string path)
      : state_(std::move(state)), inode_(std::move(inode)), path_(std::move(path)) {}

  std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) override {
    std::lock_guard lock(state_->mutex);
    const auto& bytes = inode_->bytes();
    if (offset >= bytes.size()) return 0;
    std::size_t n = std::min<std::uint64_t>(out.size(), bytes.size() - offset);
    std::memcpy(out.data(), bytes.data() + offset, n);
    return n;
  }

  void write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    std::lock_guard lock(state_->mutex);
    state_->enter("write", path_);
    std::uint64_t length = inode_->bytes().size();
    std::size_t fits = data.size();
    std::optional<std::uint64_t> room = state_->room_for(*inode_);
    if (room && offset + data.size() > length + *room) {
      fits = offset < length + *room ? length + *room - offset : 0;
    }
    inode_->write(offset, data.first(fits));
    if (fits < data.size()) {
      throw Error(ErrorCode::kIOError, "write " + path_ + ": No space left on device (wrote " +
                                           std::to_string(fits) + " of " +
                                           std::to_string(data.size()) + " bytes)");
    }
  }

  std::uint64_t size() override {
    std::lock_guard lock(state_->mutex);
    return inode_->bytes().size();
  }

  void truncate(std::uint64_t length) override {
    std::lock_guard lock(state_->mutex);
    state_->enter("truncate", path_);
    inode_->truncate(length);
  }

  void sync() override {
    std::lock_guard lock(state_->mutex);
    state_->enter("sync", path_);
    if (state_->take_sync_fault(path_)) {
      inode_->lose_unsynced();
      throw Error(ErrorCode::kIOError, "sync " + path_ + ": Input/output error (injected)");
    }
    inode_->sync();
  }

  const std::string& path() const override { return path_; }

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<MemoryInode> inode_;
  std::string path_;
};

class MemoryFileSystem::HeldLock final : public FileLock {
 public:
  HeldLock(std::shared_ptr<State> state, std::string path)
      : state_(std::move(state)), path_(std::move(path)) {}
  ~HeldLock() override {
    std::lock_guard lock(state_->mutex);
    state_->locked.erase(path_);
  }

 private:
  std::shared_ptr<State> state_;
  std::string path_;
};

// --- Crashes and faults ------------------------------------------------------------------------

// The paths whose name differs from its durable one, in groups linked by an inode they name now
// or durably (both sides of a rename), so that a crash keeps or reverts a group as a whole.
std::vector<std::vector<std::string>> MemoryFileSystem::State::change_groups() const {
  std::vector<std::string> paths;
  for (const auto& [path, inode] : names) {
    if (inode_of(durable_names, path) != inode.get()) paths.push_back(path);
  }
  for (const auto& [path, inode] : durable_names) {
    if (!names.contains(path)) paths.push_back(path);
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::size_t> parent(paths.size());  // a union-find forest over `paths`
  std::iota(parent.begin(), parent.end(), 0);
  auto root = [&](std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::map<const MemoryInode*, std::size_t> named_by;  // an inode -> the first path naming it
  for (std::size_t i = 0; i < paths.size(); ++i) {
    for (const MemoryInode* inode :
         {inode_of(names, paths[i]), inode_of(durable_names, paths[i])}) {
      if (inode == nullptr) continue;
      auto [it, first] = named_by.emplace(inode, i);
      if (!first) parent[root(i)] = root(it->second);
    }
  }
  std::map<std::size_t, std::vector<std::string>> groups;
  for (std::size_t i = 0; i < paths.size(); ++i) groups[root(i)].push_back(paths[i]);
  std::vector<std::vector<std::string>> result;
  for (auto& [first, group] : groups) result.push_back(std::move(group));
  return result;
}

// The names a crash leaves: the durable ones, and each group of undurable changes kept as a whole
// when `rng` says so (none without it).
Names MemoryFileSystem::State::surviving_names(std::mt19937_64* rng) const {
  Names result = durable_names;
  if (rng == nullptr) return result;
  for (const auto& group : change_groups()) {
    if (((*rng)() & 1) == 0) continue;
    for (const std::string& path : group) {
      auto it = names.find(path);
      if (it == names.end()) {
        result.erase(path);
      } else {
        result[path] = it->second;
      }
    }
  }
  return result;
}

std::unique_ptr<MemoryFileSystem> MemoryFileSystem::crash(std::uint64_t seed) const {
  std::lock_guard lock(state_->mutex);
  std::mt19937_64 rng(seed);
  std::mt19937_64* choose = seed == 0 ? nullptr : &rng;
  auto disk = std::make_unique<MemoryFileSystem>();
  disk->state_->directories = state_->directories;
  std::map<const MemoryInode*, std::shared_ptr<MemoryInode>> copies;  // two names, one inode
  for (const auto& [path, inode] : state_->surviving_names(choose)) {
    auto& copy = copies[inode.get()];
    if (!copy) copy = std::make_shared<MemoryInode>(inode->crash_image(choose));
    disk->state_->names.emplace(path, copy);
  }
  disk->state_->durable_names = disk->state_->names;
  return disk;
}

std::unique_ptr<MemoryFileSystem> MemoryFileSystem::clone() const {
  std::lock_guard lock(state_->mutex);
  auto disk = std::make_unique<MemoryFileSystem>();
  disk->state_->directories = state_->directories;
  std::map<const MemoryInode*, std::shared_ptr<MemoryInode>> copies;
  for (const auto& [path, inode] : state_->names) {
    auto& copy = copies[inode.get()];
    if (!copy) copy = std::make_shared<MemoryInode>(inode->bytes());
    disk->state_->names.emplace(path, copy);
  }
  disk->state_->durable_names = disk->state_->names;
  return disk;
}

void MemoryFileSystem::crash_after(std::uint64_t n) {
  std::lock_guard lock(state_->mutex);
  state_->crash_at = state_->calls + n;
}

std::uint64_t MemoryFileSystem::mutating_calls() const {
  std::lock_guard lock(state_->mutex);
  return state_->calls;
}

void MemoryFileSystem::fail_sync(std::string path_part, int times) {
  std::lock_guard lock(state_->mutex);
  state_->sync_fault_part = std::move(path_part);
  state_->sync_faults = times;
}

void MemoryFileSystem::set_capacity(std::optional<std::uint64_t> bytes) {
  std::lock_guard lock(state_->mutex);
  state_->capacity = bytes;
}

// --- Inspection --------------------------------------------------------------------------------

MemoryFileSystem::MemoryFileSystem() : state_(std::make_shared<State>()) {}
MemoryFileSystem::~MemoryFileSystem() = default;

std::optional<std::vector<std::byte>> MemoryFileSystem::contents(const std::string& path) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->names.find(path);
  if (it == state_->names.end()) return std::nullopt;
  return it->second->bytes();
}

bool MemoryFileSystem::resize(const std::string& path, std::size_t length) {
  std::lock_guard lock(state_->mutex);
  auto it = state_->names.find(path);
  if (it == state_->names.end()) return false;
  it->second->resize_on_disk(length);
  return true;
}

// --- FileSystem --------------------------------------------------------------------------------

std::unique_ptr<File> MemoryFileSystem::open(const std::string& path, bool create) {
  std::lock_guard lock(state_->mutex);
  auto it = state_->names.find(path);
  if (it == state_->names.end()) {
    // As open(2): creating needs the directory, and a directory is not a file.
    if (!create || !state_->is_directory(parent_of(path)) || state_->directories.contains(path))
      throw_io("open", path);
    state_->enter("create", path);
    it = state_->names.emplace(path, std::make_shared<MemoryInode>()).first;
  }
  return std::make_unique<OpenFile>(state_, it->second, path);
}

bool MemoryFileSystem::exists(const std::string& path) {
  std::lock_guard lock(state_->mutex);
  return state_->names.contains(path) || state_->is_directory(path);
}

void MemoryFileSystem::remove(const std::string& path) {
  std::lock_guard lock(state_->mutex);
  state_->enter("remove", path);
  state_->names.erase(path);
}

void MemoryFileSystem::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(state_->mutex);
  state_->enter("rename", from);
  auto it = state_->names.find(from);
  if (it == state_->names.end() || !state_->is_directory(parent_of(to))) throw_io("rename", from);
  auto inode = it->second;
  state_->names.erase(it);
  state_->names[to] = std::move(inode);
}

void MemoryFileSystem::create_directories(const std::string& path) {
  std::lock_guard lock(state_->mutex);
  if (state_->crashed()) {
    throw Error(ErrorCode::kIOError, "mkdir " + path + ": Input/output error (simulated crash)");
  }
  if (state_->names.contains(path))
    throw Error(ErrorCode::kIOError, "use directory " + path + ": Not a directory");
  for (std::string dir = path; !dir.empty() && dir != "." && dir != "/"; dir = parent_of(dir))
    state_->directories.insert(dir);
}

std::vector<std::string> MemoryFileSystem::list(const std::string& path) {
  std::lock_guard lock(state_->mutex);
  if (!state_->is_directory(path)) throw_io("list", path);
  std::vector<std::string> names;
  auto add_children = [&](const std::string& entry) {
    if (entry != path && parent_is(entry, path))
      names.push_back(entry.substr(entry.find_last_of('/') + 1));
  };
  for (const auto& [file, inode] : state_->names) add_children(file);
  for (const std::string& dir : state_->directories) add_children(dir);
  return names;
}

void MemoryFileSystem::sync_directory(const std::string& path) {
  std::lock_guard lock(state_->mutex);
  state_->enter("sync directory", path);
  if (!state_->is_directory(path)) throw_io("sync directory", path);
  std::erase_if(state_->durable_names,
                [&](const auto& entry) { return parent_is(entry.first, path); });
  for (const auto& [file, inode] : state_->names) {
    if (parent_is(file, path)) state_->durable_names[file] = inode;
  }
}

std::unique_ptr<FileLock> MemoryFileSystem::lock(const std::string& path) {
  std::lock_guard lock(state_->mutex);
  if (!state_->locked.insert(path).second) {
    throw Error(ErrorCode::kIOError,
                "lock " + path + ": Resource temporarily unavailable (held elsewhere)");
  }
  return std::make_unique<HeldLock>(state_, path);
}

}  // namespace heapstore::testing
