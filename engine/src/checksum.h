// The page checksum (format.md, "Checksum"): low 32 bits of XXH3-64 over bytes 4..4095 of the
// page, seeded with the page number so that a page written at the wrong offset fails the check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "heapstore/ids.h"

namespace heapstore {

std::uint32_t page_checksum(std::span<const std::byte, kPageSize> page, PageNo page_no);

// XXH3-64 of `bytes` (seeded with `seed`), for the catalog's trailer and the log's frames.
std::uint64_t bytes_checksum(std::span<const std::byte> bytes, std::uint64_t seed = 0);

#ifdef HEAPSTORE_XXH3_AVX2
// XXH3-64 with AVX2 instructions (checksum_avx2.cc): call only where the CPU has AVX2.
std::uint64_t xxh3_avx2(const void* data, std::size_t size, std::uint64_t seed);
#endif

}  // namespace heapstore
