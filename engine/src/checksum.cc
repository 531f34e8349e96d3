// XXH3-64 for pages, frames and the catalog: compiled twice on x86-64, here for the baseline
// (SSE2) and in checksum_avx2.cc for AVX2, picked once at start-up. XXH3 gives the same hash
// whichever vector code computes it; AVX2 roughly doubles its speed on a log frame.
#include "checksum.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace heapstore {
namespace {

using Xxh3 = std::uint64_t (*)(const void* data, std::size_t size, std::uint64_t seed);

std::uint64_t xxh3_baseline(const void* data, std::size_t size, std::uint64_t seed) {
  return XXH3_64bits_withSeed(data, size, seed);
}

Xxh3 pick_xxh3() {
#ifdef HEAPSTORE_XXH3_AVX2
  __builtin_cpu_init();  // may run before the CPU model is set up (a static initialiser)
  if (__builtin_cpu_supports("avx2")) return xxh3_avx2;
#endif
  return xxh3_baseline;
}

std::uint64_t xxh3(const void* data, std::size_t size, std::uint64_t seed) {
  static const Xxh3 best = pick_xxh3();
  return best(data, size, seed);
}

}  // namespace

std::uint32_t page_checksum(std::span<const std::byte, kPageSize> page, PageNo page_no) {
  return static_cast<std::uint32_t>(xxh3(page.data() + 4, kPageSize - 4, page_no));
}

std::uint64_t bytes_checksum(std::span<const std::byte> bytes, std::uint64_t seed) {
  return xxh3(bytes.data(), bytes.size(), seed);
}

}  // namespace heapstore
