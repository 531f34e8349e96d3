// PageTable: the buffer pool's map from a page key ((container << 32) | page) to the frame that
// holds it. Open addressing with linear probing in a power-of-two array, kept at most half full,
// and backward-shift deletion (no tombstones), so a lookup is one hash and, nearly always, one or
// two adjacent slots: a cheaper hit than std::unordered_map's division and node chase. Internal.
//
// Not thread-safe: the buffer pool keeps one per shard, under that shard's mutex.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace heapstore {

class PageTable {
 public:
  static constexpr std::uint64_t kNoKey = UINT64_MAX;  // never a page's key (no page UINT32_MAX)
  static constexpr std::uint32_t kNone = UINT32_MAX;   // "no frame"

  // Room for `expected` entries before the first growth.
  explicit PageTable(std::size_t expected = 8) { reset(std::bit_ceil(2 * expected + 2)); }

  // The frame stored for `key`, or kNone.
  std::uint32_t find(std::uint64_t key) const {
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].frame;
      if (slots_[i].key == kNoKey) return kNone;
    }
  }

  // Stores `frame` for `key`, which must not be present (and must not be kNoKey).
  void insert(std::uint64_t key, std::uint32_t frame) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    std::size_t i = home(key);
    while (slots_[i].key != kNoKey) i = (i + 1) & mask_;
    slots_[i] = {key, frame};
    ++size_;
  }

  // Removes `key`; false when it is not present. Later entries of the probe run slide back into
  // the hole, so every entry stays reachable from its home slot without tombstones.
  bool erase(std::uint64_t key) {
    std::size_t hole = home(key);
    while (slots_[hole].key != key) {
      if (slots_[hole].key == kNoKey) return false;
      hole = (hole + 1) & mask_;
    }
    for (std::size_t i = (hole + 1) & mask_; slots_[i].key != kNoKey; i = (i + 1) & mask_) {
      // An entry may move back to the hole only if its home is not in (hole, i] cyclically.
      if (((i - home(slots_[i].key)) & mask_) >= ((i - hole) & mask_)) {
        slots_[hole] = slots_[i];
        hole = i;
      }
    }
    slots_[hole] = {kNoKey, kNone};
    --size_;
    return true;
  }

  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t key;
    std::uint32_t frame;
  };

  // Fibonacci hashing: consecutive pages of a file land on spread-out slots.
  std::size_t home(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void reset(std::size_t capacity) {
    slots_.assign(capacity, Slot{kNoKey, kNone});
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    size_ = 0;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    reset(old.size() * 2);
    for (const Slot& s : old)
      if (s.key != kNoKey) insert(s.key, s.frame);
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace heapstore
