// The key layout the key-value peers (LMDB, RocksDB, LevelDB, WiredTiger) share, so that each
// stores a container as one key range and they all hold the same bytes:
//
//   bytes 0-3   container, big-endian
//   bytes 4-11  handle, big-endian: 1, 2, 3... per container, assigned at insert
//
// Big-endian so that each engine's default bytewise order is (container, handle) order: a
// container's values are contiguous and a scan reads one range, in insertion order.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine_adapter.h"
#include "spec.h"

namespace heapstore::workload {

inline constexpr std::size_t kRangeKeyBytes = 12;
inline constexpr std::size_t kContainerPrefixBytes = 4;

// One value's key. A plain array: making one costs no allocation.
class RangeKey {
 public:
  RangeKey(std::uint32_t container, Handle handle) {
    for (int i = 0; i < 4; ++i) bytes_[i] = static_cast<char>(container >> (24 - 8 * i));
    for (int i = 0; i < 8; ++i) bytes_[4 + i] = static_cast<char>(handle >> (56 - 8 * i));
  }
  // Lives as long as this key.
  std::string_view view() const { return {bytes_.data(), bytes_.size()}; }
  const char* data() const { return bytes_.data(); }
  static constexpr std::size_t size() { return kRangeKeyBytes; }

 private:
  std::array<char, kRangeKeyBytes> bytes_;
};

// The first key of `container`'s range (handle 0, which no value has).
inline RangeKey first_key(std::uint32_t container) { return RangeKey(container, 0); }

// True when `key` lies in `container`'s range: scans stop at the first key that does not.
inline bool in_container(std::string_view key, std::uint32_t container) {
  return key.size() == kRangeKeyBytes &&
         key.substr(0, kContainerPrefixBytes) ==
             first_key(container).view().substr(0, kContainerPrefixBytes);
}

// Each container's last handle. Thread-safe without a lock: one atomic per container, and a
// spec has at most kMaxContainers, numbered from 0.
class HandleCounters {
 public:
  // Reserves `count` consecutive handles of `container` and returns the first. Throws
  // std::invalid_argument for a container past kMaxContainers and std::runtime_error when the
  // handles would pass 48 bits (what the runner can keep, see key.h).
  Handle reserve(std::uint32_t container, std::uint64_t count = 1) {
    if (container >= last_.size())
      throw std::invalid_argument("container " + std::to_string(container) + " is past " +
                                  std::to_string(last_.size() - 1));
    Handle first = last_[container].fetch_add(count, std::memory_order_relaxed) + 1;
    if (first + count - 1 > kMaxHandle)
      throw std::runtime_error("container " + std::to_string(container) +
                               " has used every 48-bit handle");
    return first;
  }

 private:
  static constexpr Handle kMaxHandle = (Handle{1} << 48) - 1;
  std::array<std::atomic<Handle>, kMaxContainers> last_{};  // 0: none assigned yet
};

}  // namespace heapstore::workload
