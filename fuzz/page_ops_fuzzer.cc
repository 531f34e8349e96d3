// page_ops_fuzzer: the input is a sequence of add, get, update, delete and encode/decode steps on
// one Page, checked after every step against a std::map model (PageModel, fuzz_support.h):
// P1-P7 through validate(), exact free space (P5), lowest-free-slot reuse (P6), trimmed slot
// directory (P7), accept-if-fits for adds and updates, failed calls leave the page unchanged,
// deletes move nothing, and encode/decode round trips (P8).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  heapstore::fuzz::PageModel model{heapstore::Page()};
  model.run(in, 4096);
  return 0;
}
