// XXH3-64 compiled with -mavx2 (engine/CMakeLists.txt), called by checksum.cc only on a CPU that
// has AVX2.
#include "checksum.h"

#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX2
#include <xxhash.h>

namespace heapstore {

std::uint64_t xxh3_avx2(const void* data, std::size_t size, std::uint64_t seed) {
  return XXH3_64bits_withSeed(data, size, seed);
}

}  // namespace heapstore
