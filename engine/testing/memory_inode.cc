#include "memory_inode.h"

#include <cstring>

namespace heapstore::testing {

void MemoryInode::apply(Bytes& bytes, const Change& change, std::size_t prefix) {
  if (change.is_truncate) {
    bytes.resize(change.offset);
    return;
  }
  if (prefix == 0) return;
  if (change.offset + prefix > bytes.size()) bytes.resize(change.offset + prefix);
  std::memcpy(bytes.data() + change.offset, change.data.data(), prefix);
}

void MemoryInode::write(std::uint64_t offset, std::span<const std::byte> data) {
  if (data.empty()) return;
  Change change{false, offset, Bytes(data.begin(), data.end())};
  apply(bytes_, change, data.size());
  unsynced_.push_back(std::move(change));
}

void MemoryInode::truncate(std::uint64_t length) {
  Change change{true, length, {}};
  apply(bytes_, change, 0);
  unsynced_.push_back(std::move(change));
}

void MemoryInode::sync() {
  for (const Change& change : unsynced_) apply(durable_, change, change.data.size());
  unsynced_.clear();
}

void MemoryInode::lose_unsynced() { unsynced_.clear(); }

void MemoryInode::resize_on_disk(std::uint64_t length) {
  bytes_.resize(length);
  durable_.resize(length);
}

MemoryInode::Bytes MemoryInode::crash_image(std::mt19937_64* rng) const {
  Bytes image = durable_;
  if (rng == nullptr) return image;
  // The OS writes pages back in any order: each change independently reached the disk or not.
  std::vector<bool> kept(unsynced_.size());
  std::vector<std::size_t> kept_writes;
  for (std::size_t i = 0; i < unsynced_.size(); ++i) {
    kept[i] = ((*rng)() & 1) != 0;
    if (kept[i] && !unsynced_[i].is_truncate) kept_writes.push_back(i);
  }
  std::size_t torn = unsynced_.size();  // none
  std::size_t torn_prefix = 0;
  if (!kept_writes.empty() && ((*rng)() & 1) != 0) {
    torn = kept_writes[(*rng)() % kept_writes.size()];
    torn_prefix = (*rng)() % unsynced_[torn].data.size();
  }
  for (std::size_t i = 0; i < unsynced_.size(); ++i) {
    if (kept[i]) apply(image, unsynced_[i], i == torn ? torn_prefix : unsynced_[i].data.size());
  }
  return image;
}

}  // namespace heapstore::testing
