// page_decode_fuzzer: the first 4096 bytes of the input (zero-padded) are an untrusted page image.
// Page::decode must throw Error(kCorruption) naming the page, or give a page that validate()s
// (P1-P7) and encodes back to the same bytes (all but the checksum, which fuzzing builds do not
// check, P8); re-sealing is stable. HeapFile::read_page of the same bytes (a file of that length)
// must agree with Page::verify(Check::kBounds), the check a page read into the buffer pool gets
// (in release builds everything but P4's overlap test), reading an all-zero or missing page as an
// empty page (H2); a page it accepts that decode rejects must still take every page operation
// without reading or writing outside the page (exercise_bounds_only). Any bytes after the first
// 4096 drive page operations on the decoded page, checked as in page_ops_fuzzer. And every input
// also damages one field of a valid page (check_one_damaged_field).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "fuzz_support.h"
#include "heap_file.h"
#include "heapstore/error.h"

namespace {

using namespace heapstore;
using namespace heapstore::fuzz;
using Image = std::array<std::byte, kPageSize>;

constexpr PageNo kPageNo = 0;

Image copy_of(std::span<const std::byte, kPageSize> bytes) {
  Image image;
  std::copy(bytes.begin(), bytes.end(), image.begin());
  return image;
}

std::optional<Page> decode(const Image& image) {
  try {
    return Page::decode(image, kPageNo);
  } catch (const Error& e) {
    HS_FUZZ_CHECK(e.code() == ErrorCode::kCorruption, e.what());
    HS_FUZZ_CHECK(std::string_view(e.what()).starts_with("page 0: "), e.what());
    return std::nullopt;
  }
}

// encode(decode(image)) == image but for the checksum; a second round gives the same bytes.
void check_round_trip(Page page, const Image& image) {
  if (auto problem = page.validate()) fail("decode accepted an invalid page: " + *problem);
  Image sealed = copy_of(page.encode(kPageNo));
  HS_FUZZ_CHECK(std::equal(sealed.begin() + 4, sealed.end(), image.begin() + 4),
                "encode(decode(image)) changed bytes 4..4095");
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  HS_FUZZ_CHECK(sealed == image, "decode accepted a checksum that encode does not write (P8)");
#endif
  std::optional<Page> again = decode(sealed);
  HS_FUZZ_CHECK(again.has_value(), "a sealed page does not decode");
  HS_FUZZ_CHECK(copy_of(again->encode(kPageNo)) == sealed, "re-sealing is not stable");
}

// A page that passes check_bounds() but not validate() (overlapping values, P4): every value
// reads inside the page, and updates, inserts (with compaction) and deletes keep it within
// bounds. AddressSanitizer reports any access outside the page.
void exercise_bounds_only(Page page) {
  std::size_t total = 0;
  for (auto [slot, value] : page) total += value.size();
  HS_FUZZ_CHECK(total <= kPageSize, "values of a bounds-checked page exceed the page");
  for (std::size_t i = 0; i < page.slot_count(); ++i) {
    auto slot = static_cast<SlotId>(i);
    if (auto value = page.get_value(slot))
      page.update_value(slot, make_value(value->size() + 1, static_cast<std::uint32_t>(i)));
    if (auto problem = page.check_bounds()) fail("an update broke the bounds: " + *problem);
  }
  while (page.add_value(make_value(page.max_insert_size() / 2 + 1, 7))) {
    if (auto problem = page.check_bounds()) fail("an insert broke the bounds: " + *problem);
  }
  for (std::size_t i = page.slot_count(); i > 0; --i) page.delete_value(static_cast<SlotId>(i - 1));
  if (auto problem = page.check_bounds()) fail("deletes broke the bounds: " + *problem);
}

// HeapFile::read_page over a file holding the input's first `length` bytes.
void check_heap_file_read(const Image& image, std::size_t length, const std::optional<Page>& page) {
  MemoryFileSystem fs;
  auto file = fs.open("c3.heap", true);
  file->write_at(0, std::span(image).first(length));
  HeapFile heap(3, std::move(file), 1);
  Page out;
  bool zero =
      std::all_of(image.begin(), image.end(), [](std::byte b) { return b == std::byte{0}; });
  Page as_read;
  std::copy(image.begin(), image.end(), as_read.raw().begin());
  const bool accepted = !as_read.verify(kPageNo, Page::Check::kBounds);
  HS_FUZZ_CHECK(accepted || !page, "decode accepted a page the bounds check rejects");
  try {
    heap.read_page(kPageNo, out);
  } catch (const Error& e) {
    HS_FUZZ_CHECK(!accepted && !zero && e.code() == ErrorCode::kCorruption, e.what());
    HS_FUZZ_CHECK(std::string_view(e.what()).starts_with("container 3 page 0"), e.what());
    return;
  }
  if (zero) {
    HS_FUZZ_CHECK(copy_of(out.raw()) == copy_of(Page().raw()), "a zero page is not empty (H2)");
    return;
  }
  HS_FUZZ_CHECK(accepted && copy_of(out.raw()) == image, "read_page and verify(kBounds) disagree");
  if (!page) exercise_bounds_only(out);
}

// Random bytes are rarely a valid page, so decoding's checks beyond the first failing one go
// untested. So also: a valid page built from the input, one header field or slot entry then
// overwritten with an input-chosen value and the checksum sealed again. Decode must reject it as
// Corruption or accept a page that validates and round-trips; never read outside the page.
void check_one_damaged_field(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Page page;
  const int values = in.ConsumeIntegralInRange(0, 60);
  for (int i = 0; i < values; ++i)
    page.add_value(make_value(in.ConsumeIntegralInRange<std::size_t>(0, 200), i));
  for (int i = in.ConsumeIntegralInRange(0, 10); i > 0; --i)
    page.delete_value(in.ConsumeIntegralInRange<SlotId>(0, static_cast<SlotId>(values)));
  const std::size_t fields = (page.header_size() + 4 - 4) / 2;  // u16s from byte 4 to one slot past
  const std::size_t offset = 4 + 2 * in.ConsumeIntegralInRange<std::size_t>(0, fields - 1);
  Page damaged = page;
  const auto value = in.ConsumeIntegral<std::uint16_t>();
  std::memcpy(damaged.raw().data() + offset, &value, sizeof value);
  Image image = copy_of(damaged.encode(kPageNo));  // sealed: P8 holds, the structure may not
  if (std::optional<Page> decoded = decode(image)) check_round_trip(*decoded, image);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Image image{};
  std::size_t length = std::min(size, kPageSize);
  if (length > 0) std::memcpy(image.data(), data, length);
  check_one_damaged_field(data, size);
  std::optional<Page> page = decode(image);
  check_heap_file_read(image, length, page);
  if (!page) return 0;
  check_round_trip(*page, image);
  if (size > kPageSize) {
    FuzzedDataProvider in(data + kPageSize, size - kPageSize);
    PageModel(*page).run(in, 256);
  }
  return 0;
}
