// What the harness remembers of one live value: where the engine keeps it and enough to
// regenerate its bytes (fill_value). Internal to the runner.
//
// A run keeps one Key per live value and a random get reads one from anywhere in that array, so
// its size is part of what the harness adds to the engine's time: every byte makes the array
// take more cache and more page faults (a raw loop keeping 32-byte rather than 12-byte ids ran
// inserts 20% slower in harness_overhead). Hence 16 bytes:
//
//   where_  bits  0-47  the engine's handle (EngineAdapter promises it fits in 48 bits)
//           bits 48-57  container (a spec allows at most 1024)
//   what_   bits  0-30  id: unique in a repetition; seeds the bytes (2^31 values of 16 bytes
//                       are 32 GiB of keys: more than a run can hold anyway)
//           bits 31-51  size in bytes (at most kMaxValueBytes, 1 MiB)
//           bits 52-63  version modulo 4096, bumped by each update
//
// The version wraps, so a value updated exactly 4096 times since the one an engine wrongly
// returns would go unnoticed when the sizes also match; any other stale value is caught.
#pragma once

#include <cstdint>

#include "engine_adapter.h"
#include "heapstore/storage_manager.h"
#include "spec.h"

namespace heapstore::workload {

class Key {
 public:
  static constexpr Handle kMaxHandle = (Handle{1} << 48) - 1;
  static constexpr std::uint64_t kMaxId = (std::uint64_t{1} << 31) - 1;
  static constexpr std::uint32_t kMaxSize = (1u << 21) - 1;
  static constexpr std::uint32_t kVersions = 4096;

  Key() = default;
  // Version 0 of value `id`, not yet stored (handle 0). The caller keeps container, id and size
  // within the limits above.
  Key(std::uint32_t container, std::uint64_t id, std::uint32_t size)
      : where_(std::uint64_t{container} << 48), what_(id | (std::uint64_t{size} << kSizeShift)) {}

  Handle handle() const { return where_ & kMaxHandle; }
  std::uint32_t container() const { return static_cast<std::uint32_t>(where_ >> 48); }
  std::uint64_t id() const { return what_ & kMaxId; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(what_ >> kSizeShift) & kMaxSize; }
  std::uint32_t version() const { return static_cast<std::uint32_t>(what_ >> 52); }
  std::uint32_t next_version() const { return (version() + 1) % kVersions; }

  // Records where the engine stored the value. Throws std::runtime_error for a handle over 48
  // bits (an engine breaking its adapter's promise), never silently truncating it.
  void set_handle(Handle handle) {
    if (handle > kMaxHandle) [[unlikely]]
      throw_handle_too_large(handle);
    where_ = (where_ & ~kMaxHandle) | handle;
  }

  // After an update to `size` bytes of version next_version(), now at `handle`.
  void set_updated(Handle handle, std::uint32_t size) {
    what_ = id() | (std::uint64_t{size} << kSizeShift) | (std::uint64_t{next_version()} << 52);
    set_handle(handle);
  }

 private:
  [[noreturn, gnu::cold]] static void throw_handle_too_large(Handle handle);
  static constexpr int kSizeShift = 31;

  std::uint64_t where_ = 0;
  std::uint64_t what_ = 0;
};
static_assert(sizeof(Key) == 16);
static_assert(kMaxContainers <= 1024, "containers 0 to 1023 fit in 10 bits");
static_assert(kMaxValueBytes <= Key::kMaxSize, "sizes fit in 21 bits");

}  // namespace heapstore::workload
