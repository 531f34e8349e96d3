#include "checksum.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace heapstore {

std::uint32_t page_checksum(std::span<const std::byte, kPageSize> page, PageNo page_no) {
  return static_cast<std::uint32_t>(XXH3_64bits_withSeed(page.data() + 4, kPageSize - 4, page_no));
}

std::uint64_t bytes_checksum(std::span<const std::byte> bytes, std::uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

}  // namespace heapstore
