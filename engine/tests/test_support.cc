#include "test_support.h"

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "heapstore/error.h"

namespace heapstore {
void PrintTo(const ValueId& id, std::ostream* os) { *os << to_string(id); }
}  // namespace heapstore

namespace heapstore::testing {

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
  pattern += "/heapstore-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string test_value(std::size_t size, std::uint64_t seed) {
  std::string value(size, '\0');
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (char& c : value) {  // xorshift64
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    c = static_cast<char>(state >> 56);
  }
  return value;
}

::testing::AssertionResult contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << '"' << text << "\" does not contain \"" << part << '"';
}

void ValueModel::put(ValueId id, std::string value) {
  auto [it, inserted] = values_.try_emplace(id);
  if (!inserted) bytes_ -= it->second.size();
  bytes_ += value.size();
  it->second = std::move(value);
}

void ValueModel::move(ValueId from, ValueId to, std::string value) {
  erase(from);
  put(to, std::move(value));
}

void ValueModel::erase(ValueId id) {
  auto it = values_.find(id);
  if (it == values_.end()) return;
  bytes_ -= it->second.size();
  values_.erase(it);
}

void ValueModel::erase_container(ContainerId c) {
  for (const auto& [id, value] : in(c)) erase(id);
}

const std::string* ValueModel::find(ValueId id) const {
  auto it = values_.find(id);
  return it == values_.end() ? nullptr : &it->second;
}

ValueId ValueModel::pick(std::mt19937_64& rng) const {
  std::uniform_int_distribution<std::size_t> index(0, values_.size() - 1);
  return std::next(values_.begin(), static_cast<std::ptrdiff_t>(index(rng)))->first;
}

ValueModel::Values ValueModel::in(ContainerId c) const {
  Values out;
  for (auto it = values_.lower_bound(ValueId{c, 0, 0}); it != values_.end(); ++it) {
    if (it->first.container != c) break;
    out.emplace_back(it->first, it->second);
  }
  return out;
}

ValueModel::Values scan_all(StorageManager& store, ContainerId c) {
  ValueModel::Values out;
  for (auto scan = store.scan(c); scan.valid(); scan.next()) {
    out.emplace_back(scan.id(), std::string(scan.value()));
  }
  return out;
}

::testing::AssertionResult matches(StorageManager& store, const ValueModel& model, ContainerId c) {
  const ValueModel::Values expected = model.in(c);
  const ValueModel::Values actual = scan_all(store, c);
  for (std::size_t i = 0; i < std::max(expected.size(), actual.size()); ++i) {
    if (i == actual.size()) {
      return ::testing::AssertionFailure() << "scan ends before " << to_string(expected[i].first);
    }
    if (i == expected.size() || actual[i].first != expected[i].first) {
      return ::testing::AssertionFailure()
             << "scan yields " << to_string(actual[i].first) << " where the model has "
             << (i == expected.size() ? "no more values" : to_string(expected[i].first));
    }
    if (actual[i].second != expected[i].second) {
      return ::testing::AssertionFailure()
             << "scan yields wrong bytes for " << to_string(actual[i].first) << " ("
             << actual[i].second.size() << " bytes, expected " << expected[i].second.size() << ")";
    }
  }
  for (const auto& [id, value] : expected) {
    if (store.get_value(id) != value) {
      return ::testing::AssertionFailure() << "get_value returns wrong bytes for " << to_string(id);
    }
  }
  return ::testing::AssertionSuccess();
}

namespace {

using Fault = FaultyFileSystem::Fault;

std::string describe(Fault fault) {
  switch (fault) {
    case Fault::kEio:
      return "Input/output error (EIO)";
    case Fault::kNoSpace:
    case Fault::kShortWrite:
      return "No space left on device (ENOSPC)";
    case Fault::kTornPage:
      return "torn page write, Input/output error (EIO)";
  }
  return "unknown fault";
}

Error injected(Fault fault, const std::string& call, const std::string& path) {
  return Error(ErrorCode::kIOError,
               "injected fault: " + call + " " + path + ": " + describe(fault));
}

// How many bytes of a faulted write of `size` bytes still reach the file.
std::size_t bytes_written_before(Fault fault, std::size_t size) {
  switch (fault) {
    case Fault::kShortWrite:
      return size / 2;
    case Fault::kTornPage:
      return std::min(FaultyFileSystem::kTornBytes, size);
    default:
      return 0;
  }
}

}  // namespace

// The real file, with every read, write and sync first asking the file system for a fault.
class FaultyFile : public File {
 public:
  FaultyFile(std::unique_ptr<File> real, FaultyFileSystem& fs) : real_(std::move(real)), fs_(fs) {}

  std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) override {
    fs_.hold_if_chosen(path(), offset);
    if (auto fault = fs_.count(FaultyFileSystem::Op::kRead, path())) {
      throw injected(*fault, "read at offset " + std::to_string(offset) + " of", path());
    }
    return real_->read_at(offset, out);
  }

  // One call, as the real file makes one.
  std::size_t read_scattered(std::uint64_t offset,
                             std::span<const std::span<std::byte>> pieces) override {
    fs_.hold_if_chosen(path(), offset);
    if (auto fault = fs_.count(FaultyFileSystem::Op::kRead, path())) {
      throw injected(*fault, "read at offset " + std::to_string(offset) + " of", path());
    }
    return real_->read_scattered(offset, pieces);
  }

  // One call; a fault applies to the pieces as one run of bytes, as in write_at.
  void write_gathered(std::uint64_t offset,
                      std::span<const std::span<const std::byte>> pieces) override {
    auto fault = fs_.count(FaultyFileSystem::Op::kWrite, path());
    if (!fault) return real_->write_gathered(offset, pieces);
    std::vector<std::byte> data;
    for (std::span<const std::byte> piece : pieces)
      data.insert(data.end(), piece.begin(), piece.end());
    write_with_fault(offset, data, *fault);
  }

  void write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    auto fault = fs_.count(FaultyFileSystem::Op::kWrite, path());
    if (!fault) return real_->write_at(offset, data);
    write_with_fault(offset, data, *fault);
  }

  // Writes what `fault` lets through of `data`, then throws it.
  [[noreturn]] void write_with_fault(std::uint64_t offset, std::span<const std::byte> data,
                                     FaultyFileSystem::Fault fault) {
    if (std::size_t partial = bytes_written_before(fault, data.size()); partial > 0) {
      real_->write_at(offset, data.first(partial));
    }
    throw injected(fault,
                   "write of " + std::to_string(data.size()) + " bytes at offset " +
                       std::to_string(offset) + " to",
                   path());
  }

  std::uint64_t size() override { return real_->size(); }
  void truncate(std::uint64_t length) override { real_->truncate(length); }

  void sync() override {
    if (auto fault = fs_.count(FaultyFileSystem::Op::kSync, path()))
      throw injected(*fault, "fsync", path());
    real_->sync();
  }

  const std::string& path() const override { return real_->path(); }

 private:
  std::unique_ptr<File> real_;
  FaultyFileSystem& fs_;
};

FaultyFileSystem::FaultyFileSystem() : real_(default_file_system()) {}

void FaultyFileSystem::hold_reads(std::string path_part, std::optional<std::uint64_t> offset) {
  std::lock_guard lock(mutex_);
  held_path_part_ = std::move(path_part);
  held_offset_ = offset;
}

void FaultyFileSystem::release_reads() {
  std::lock_guard lock(mutex_);
  held_path_part_.reset();
  held_changed_.notify_all();
}

void FaultyFileSystem::wait_for_held_read() {
  std::unique_lock lock(mutex_);
  held_changed_.wait(lock, [&] { return reads_held_ > 0; });
}

void FaultyFileSystem::hold_if_chosen(const std::string& path, std::uint64_t offset) {
  std::unique_lock lock(mutex_);
  if (!held_path_part_ || path.find(*held_path_part_) == std::string::npos) return;
  if (held_offset_ && *held_offset_ != offset) return;
  ++reads_held_;
  held_changed_.notify_all();
  held_changed_.wait(lock, [&] { return !held_path_part_; });
  --reads_held_;
}

void FaultyFileSystem::fail(Op op, Fault fault, std::uint64_t nth, std::string path_part) {
  std::lock_guard lock(mutex_);
  armed_[static_cast<std::size_t>(op)] = {true, fault, nth, std::move(path_part), 0};
}

void FaultyFileSystem::heal() {
  std::lock_guard lock(mutex_);
  armed_ = {};
}

std::uint64_t FaultyFileSystem::calls(Op op) const {
  std::lock_guard lock(mutex_);
  return calls_[static_cast<std::size_t>(op)];
}

std::uint64_t FaultyFileSystem::faults_injected() const {
  std::lock_guard lock(mutex_);
  return faults_injected_;
}

std::optional<FaultyFileSystem::Fault> FaultyFileSystem::count(Op op, const std::string& path) {
  std::lock_guard lock(mutex_);
  auto i = static_cast<std::size_t>(op);
  ++calls_[i];
  Armed& armed = armed_[i];
  if (!armed.active || path.find(armed.path_part) == std::string::npos) return std::nullopt;
  ++armed.matched;
  if (armed.nth != kEvery && armed.nth != armed.matched) return std::nullopt;
  ++faults_injected_;
  return armed.fault;
}

std::unique_ptr<File> FaultyFileSystem::open(const std::string& path, bool create) {
  return std::make_unique<FaultyFile>(real_.open(path, create), *this);
}

bool FaultyFileSystem::exists(const std::string& path) { return real_.exists(path); }

void FaultyFileSystem::remove(const std::string& path) { real_.remove(path); }

void FaultyFileSystem::rename(const std::string& from, const std::string& to) {
  if (auto fault = count(Op::kRename, to)) throw injected(*fault, "rename " + from + " to", to);
  real_.rename(from, to);
}

void FaultyFileSystem::create_directories(const std::string& path) {
  real_.create_directories(path);
}

std::vector<std::string> FaultyFileSystem::list(const std::string& path) {
  return real_.list(path);
}

void FaultyFileSystem::sync_directory(const std::string& path) { real_.sync_directory(path); }

std::unique_ptr<FileLock> FaultyFileSystem::lock(const std::string& path) {
  return real_.lock(path);
}

}  // namespace heapstore::testing
