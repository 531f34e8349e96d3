#include "memory_file_system.h"

#include <algorithm>
#include <cstring>

#include "heapstore/error.h"

namespace heapstore::fuzz {
namespace {

[[noreturn]] void throw_io(const std::string& what, const std::string& path) {
  throw Error(ErrorCode::kIOError, what + " " + path + ": No such file or directory");
}

class MemoryFile final : public File {
 public:
  MemoryFile(std::shared_ptr<MemoryFileSystem::Inode> inode, std::string path)
      : inode_(std::move(inode)), path_(std::move(path)) {}

  std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) override {
    std::lock_guard lock(inode_->mutex);
    const auto& bytes = inode_->bytes;
    if (offset >= bytes.size()) return 0;
    std::size_t n = std::min<std::uint64_t>(out.size(), bytes.size() - offset);
    std::memcpy(out.data(), bytes.data() + offset, n);
    return n;
  }

  void write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    std::lock_guard lock(inode_->mutex);
    auto& bytes = inode_->bytes;
    if (offset + data.size() > bytes.size()) bytes.resize(offset + data.size());
    if (!data.empty()) std::memcpy(bytes.data() + offset, data.data(), data.size());
  }

  std::uint64_t size() override {
    std::lock_guard lock(inode_->mutex);
    return inode_->bytes.size();
  }

  void truncate(std::uint64_t length) override {
    std::lock_guard lock(inode_->mutex);
    inode_->bytes.resize(length);
  }

  void sync() override {}
  const std::string& path() const override { return path_; }

 private:
  std::shared_ptr<MemoryFileSystem::Inode> inode_;
  std::string path_;
};

}  // namespace

std::string MemoryFileSystem::parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool MemoryFileSystem::is_directory(const std::string& path) const {
  return path == "." || path == "/" || directories_.contains(path);
}

std::unique_ptr<MemoryFileSystem> MemoryFileSystem::clone() const {
  auto copy = std::make_unique<MemoryFileSystem>();
  std::lock_guard lock(mutex_);
  copy->directories_ = directories_;
  for (const auto& [path, inode] : files_) {
    auto twin = std::make_shared<Inode>();
    std::lock_guard inode_lock(inode->mutex);
    twin->bytes = inode->bytes;
    copy->files_.emplace(path, std::move(twin));
  }
  return copy;
}

std::optional<std::vector<std::byte>> MemoryFileSystem::contents(const std::string& path) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  std::lock_guard inode_lock(it->second->mutex);
  return it->second->bytes;
}

bool MemoryFileSystem::resize(const std::string& path, std::size_t length) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(path);
  if (it == files_.end()) return false;
  std::lock_guard inode_lock(it->second->mutex);
  it->second->bytes.resize(length);
  return true;
}

std::unique_ptr<File> MemoryFileSystem::open(const std::string& path, bool create) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    // As open(2): creating needs the directory, and a directory is not a file.
    if (!create || !is_directory(parent_of(path)) || directories_.contains(path))
      throw_io("open", path);
    it = files_.emplace(path, std::make_shared<Inode>()).first;
  }
  return std::make_unique<MemoryFile>(it->second, path);
}

bool MemoryFileSystem::exists(const std::string& path) {
  std::lock_guard lock(mutex_);
  return files_.contains(path) || is_directory(path);
}

void MemoryFileSystem::remove(const std::string& path) {
  std::lock_guard lock(mutex_);
  files_.erase(path);
}

void MemoryFileSystem::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  auto it = files_.find(from);
  if (it == files_.end() || !is_directory(parent_of(to))) throw_io("rename", from);
  auto inode = it->second;
  files_.erase(it);
  files_[to] = std::move(inode);
}

void MemoryFileSystem::create_directories(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (files_.contains(path))
    throw Error(ErrorCode::kIOError, "use directory " + path + ": Not a directory");
  for (std::string dir = path; !dir.empty() && dir != "." && dir != "/"; dir = parent_of(dir))
    directories_.insert(dir);
}

std::vector<std::string> MemoryFileSystem::list(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (!is_directory(path)) throw_io("list", path);
  std::vector<std::string> names;
  auto add_children = [&](const std::string& entry) {
    if (entry != path && parent_of(entry) == path)
      names.push_back(entry.substr(entry.find_last_of('/') + 1));
  };
  for (const auto& [file, inode] : files_) add_children(file);
  for (const std::string& dir : directories_) add_children(dir);
  return names;
}

void MemoryFileSystem::sync_directory(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (!is_directory(path)) throw_io("sync directory", path);
}

namespace {
// Removes its path from the set of locked paths when destroyed; guarded by the owner's mutex.
class MemoryFileLock final : public FileLock {
 public:
  MemoryFileLock(std::mutex& mutex, std::shared_ptr<std::set<std::string>> locked, std::string path)
      : mutex_(mutex), locked_(std::move(locked)), path_(std::move(path)) {}
  ~MemoryFileLock() override {
    std::lock_guard lock(mutex_);
    locked_->erase(path_);
  }

 private:
  std::mutex& mutex_;
  std::shared_ptr<std::set<std::string>> locked_;
  std::string path_;
};
}  // namespace

std::unique_ptr<FileLock> MemoryFileSystem::lock(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (!locked_->insert(path).second) throw_io("lock (held elsewhere)", path);
  return std::make_unique<MemoryFileLock>(mutex_, locked_, path);
}

}  // namespace heapstore::fuzz
