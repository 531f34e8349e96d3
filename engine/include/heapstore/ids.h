// Identifiers shared by every layer of heapstore and the page-size constant.
#pragma once

#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace heapstore {

// Size of a page in memory and on disk. Page i of a container sits at byte offset i * kPageSize
// of that container's file (engine/doc/format.md, "Heap file").
inline constexpr std::size_t kPageSize = 4096;

using ContainerId = std::uint32_t;  // chosen by the caller of create_container
using PageNo = std::uint32_t;       // index of a page inside its container's file
using SlotId = std::uint16_t;       // index of a slot inside its page's slot directory

// Names one value until it is deleted. Ordered by container, then page, then slot: the order in
// which a scan yields values.
struct ValueId {
  ContainerId container = 0;
  PageNo page = 0;
  SlotId slot = 0;

  friend auto operator<=>(const ValueId&, const ValueId&) = default;
};

// ValueId{container, page, slot}, for hot paths. Assembled from two 64-bit words: GCC 12 builds
// a ValueId made field by field on the stack and reloads it with a load wider than its stores,
// which store forwarding cannot serve; that stall cost an insert a tenth of its time and made
// each random get wait for the previous one.
inline ValueId make_value_id(ContainerId container, PageNo page, SlotId slot) {
  static_assert(std::endian::native == std::endian::little && sizeof(ValueId) == 12 &&
                offsetof(ValueId, page) == 4 && offsetof(ValueId, slot) == 8);
  const std::uint64_t words[2] = {container | (std::uint64_t{page} << 32), slot};
  ValueId id;
  std::memcpy(&id, words, sizeof id);
  return id;
}

// "container C page P slot S", the spelling used in every error message.
std::string to_string(const ValueId& id);
// "container C page P", the same for a page.
std::string page_name(ContainerId container, PageNo page);

}  // namespace heapstore
