// Unit tests of heapstore::Page, the slotted page. Invariants P1..P8 are those numbered in
// engine/doc/format.md, "Page".
#include "page.h"

#include <gtest/gtest.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <new>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "heapstore/error.h"
#include "test_support.h"

namespace heapstore {
namespace {

using testing::contains;
using testing::test_value;
using testing::thrown_by;
using Image = std::array<std::byte, kPageSize>;
using Values = std::map<SlotId, std::string>;

// Header field offsets as engine/doc/format.md ("Page") lays them out, written down here rather
// than taken from page.cc so that a change of the layout shows up as a failing test.
constexpr std::size_t kMagicAt = 4;
constexpr std::size_t kVersionAt = 6;
constexpr std::size_t kLsnAt = 8;
constexpr std::size_t kSlotCountAt = 16;
constexpr std::size_t kValueStartAt = 18;
constexpr std::size_t kLiveCountAt = 20;
constexpr std::size_t kLiveBytesAt = 22;
constexpr std::size_t kFirstFreeAt = 24;
static_assert(kFirstFreeAt + 2 == Page::kHeaderSize, "the header ends after first_free");
// Slots a page can hold at most (P2): what remains after the header, in whole slot entries.
constexpr std::size_t kMaxSlots = (kPageSize - Page::kHeaderSize) / Page::kSlotSize;
constexpr std::size_t slot_at(std::size_t slot) {
  return Page::kHeaderSize + Page::kSlotSize * slot;
}

// The page's encoded image for `page_no`, copied out of the page.
Image snapshot(Page& page, PageNo page_no = 0) {
  Image image;
  std::ranges::copy(page.encode(page_no), image.begin());
  return image;
}

std::uint16_t get16(const Image& image, std::size_t at) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(image[at]) |
                                    std::to_integer<unsigned>(image[at + 1]) << 8);
}

void put16(Image& image, std::size_t at, std::uint16_t value) {
  image[at] = static_cast<std::byte>(value & 0xFF);
  image[at + 1] = static_cast<std::byte>(value >> 8);
}

std::uint64_t get64(const Image& image, std::size_t at) {
  std::uint64_t value = 0;
  for (std::size_t i = 8; i-- > 0;) value = value << 8 | std::to_integer<unsigned>(image[at + i]);
  return value;
}

// Rewrites the checksum as format.md defines it: low 32 bits of XXH3-64 of bytes 4..4095, seeded
// with the page number, little-endian at offset 0.
void reseal(Image& image, PageNo page_no) {
  const auto sum = static_cast<std::uint32_t>(
      XXH3_64bits_withSeed(image.data() + 4, kPageSize - 4, XXH64_hash_t{page_no}));
  put16(image, 0, static_cast<std::uint16_t>(sum & 0xFFFF));
  put16(image, 2, static_cast<std::uint16_t>(sum >> 16));
}

// A page whose bytes are `image`, loaded in place without any check.
Page load_raw(const Image& image) {
  Page page;
  std::ranges::copy(image, page.raw().begin());
  return page;
}

// Adds `count` values of `length` bytes to an empty page; they take slots 0..count-1.
Values add_values(Page& page, std::size_t count, std::size_t length) {
  Values values;
  for (std::size_t i = 0; i < count; ++i) {
    std::string value = test_value(length, i);
    EXPECT_EQ(page.add_value(value), std::optional(static_cast<SlotId>(i)));
    values[static_cast<SlotId>(i)] = std::move(value);
  }
  return values;
}

// Adds values of `length` bytes until the next one would not fit.
Values fill(Page& page, std::size_t length) {
  Values values;
  for (std::uint64_t seed = 100;; ++seed) {
    std::string value = test_value(length, seed);
    std::optional<SlotId> slot = page.add_value(value);
    if (!slot) return values;
    values[*slot] = std::move(value);
  }
}

std::size_t stored_bytes(const Values& values) {
  std::size_t sum = 0;
  for (const auto& [slot, value] : values) sum += value.size();
  return sum;
}

// Exact free space: kPageSize - header - sum of stored lengths, header = 26 + 4 * slot_count.
void expect_exact_free_space(const Page& page, std::size_t stored) {
  EXPECT_EQ(page.header_size(), Page::kHeaderSize + Page::kSlotSize * page.slot_count());
  EXPECT_EQ(page.free_space(), kPageSize - page.header_size() - stored);
}

// The page holds exactly `values`: by iteration (ascending slots) and by get_value; and it is
// valid.
void expect_values(const Page& page, const Values& values) {
  Values seen;
  std::optional<SlotId> previous;
  for (const Page::Entry& entry : page) {
    if (previous) {
      EXPECT_LT(*previous, entry.slot);
    }
    previous = entry.slot;
    seen[entry.slot] = std::string(entry.value);
  }
  EXPECT_EQ(seen, values);
  for (const auto& [slot, value] : values) EXPECT_EQ(page.get_value(slot), value) << slot;
  EXPECT_EQ(page.value_count(), values.size());
  expect_exact_free_space(page, stored_bytes(values));
  EXPECT_EQ(page.validate(), std::nullopt);
}

bool views_page(const Page& page, std::string_view value) {
  const auto begin = reinterpret_cast<std::uintptr_t>(page.raw().data());
  const auto at = reinterpret_cast<std::uintptr_t>(value.data());
  return at >= begin && at + value.size() <= begin + kPageSize;
}

TEST(Page, EmptyPageHasNoSlotsAndAllSpaceFree) {
  Page page;
  EXPECT_EQ(page.slot_count(), 0u);
  EXPECT_EQ(page.value_count(), 0u);
  EXPECT_EQ(page.header_size(), Page::kHeaderSize);
  EXPECT_EQ(page.free_space(), kPageSize - Page::kHeaderSize);
  EXPECT_EQ(page.max_insert_size(), Page::kMaxValueSize);
  EXPECT_TRUE(page.begin() == page.end());
  EXPECT_EQ(page.validate(), std::nullopt);
}

TEST(Page, SlotIdsStartAtZeroAndTheLowestFreeOneIsReusedFirst) {
  Page page;
  add_values(page, 5, 8);  // slots 0..4
  ASSERT_TRUE(page.delete_value(3));
  ASSERT_TRUE(page.delete_value(1));
  EXPECT_EQ(page.add_value("x"), SlotId{1});
  EXPECT_EQ(page.add_value("y"), SlotId{3});
  EXPECT_EQ(page.add_value("z"), SlotId{5});
}

TEST(Page, DeletingTheLastSlotsTrimsTheDirectory) {  // format.md invariant P7
  Page page;
  Values values = add_values(page, 4, 8);
  for (SlotId slot : {1, 3, 2}) {
    ASSERT_TRUE(page.delete_value(slot));
    values.erase(slot);
  }
  EXPECT_EQ(page.slot_count(), 1u);  // 3 trimmed, then 2 and the already deleted 1
  expect_values(page, values);
  EXPECT_EQ(page.add_value("next"), SlotId{1});
  ASSERT_TRUE(page.delete_value(0));
  ASSERT_TRUE(page.delete_value(1));
  EXPECT_EQ(page.slot_count(), 0u);
  EXPECT_EQ(page.free_space(), kPageSize - Page::kHeaderSize);
}

TEST(Page, FreeSpaceIsExactAfterEveryInsertAndDelete) {
  Page page;
  Values values;
  for (std::size_t length : {0, 1, 17, 300, 4, 1000, 0, 2}) {
    std::optional<SlotId> slot = page.add_value(test_value(length, length));
    ASSERT_TRUE(slot);
    values[*slot] = test_value(length, length);
    expect_values(page, values);
  }
  for (SlotId slot : {3, 0, 7, 5, 1, 2, 6, 4}) {
    ASSERT_TRUE(page.delete_value(slot));
    values.erase(slot);
    expect_values(page, values);
  }
}

TEST(Page, InsertThatNeedsCompactionIsAcceptedInTheLowestFreeSlot) {
  Page page;
  Values values = add_values(page, 8, 500);
  ASSERT_EQ(page.free_space(), 38u);  // 4096 - 26 - 8 * 4 - 8 * 500
  for (SlotId slot : {2, 5}) {
    ASSERT_TRUE(page.delete_value(slot));
    values.erase(slot);
  }
  // 1038 bytes are free but only 38 of them are contiguous: the page must compact.
  values[2] = test_value(980, 99);
  EXPECT_EQ(page.add_value(values[2]), SlotId{2});
  expect_values(page, values);
}

TEST(Page, AddValueMayViewThePagesOwnBytes) {
  Page page;
  Values values = add_values(page, 8, 500);
  ASSERT_TRUE(page.delete_value(2));
  ASSERT_TRUE(page.delete_value(5));
  values.erase(2);
  values.erase(5);
  values[2] = values[7];  // a copy of slot 7 made while compaction moves slot 7's bytes
  EXPECT_EQ(page.add_value(*page.get_value(7)), SlotId{2});
  expect_values(page, values);
}

TEST(Page, ValueOfExactlyMaxInsertSizeIsAcceptedAndOneByteMoreIsRejected) {
  Page page;
  Values values = fill(page, 100);
  ASSERT_EQ(page.max_insert_size(), page.free_space() - Page::kSlotSize);  // needs a new slot
  const Image before = snapshot(page);
  EXPECT_EQ(page.add_value(test_value(page.max_insert_size() + 1, 1)), std::nullopt);
  EXPECT_EQ(snapshot(page), before);
  const std::string last = test_value(page.max_insert_size(), 2);
  std::optional<SlotId> slot = page.add_value(last);
  ASSERT_TRUE(slot);
  values[*slot] = last;
  expect_values(page, values);
  EXPECT_EQ(page.free_space(), 0u);
}

TEST(Page, MaxInsertSizeCountsAReusableSlotAndScatteredBytes) {
  Page page;
  Values values = fill(page, 300);
  for (SlotId slot : {1, 4}) {
    ASSERT_TRUE(page.delete_value(slot));
    values.erase(slot);
  }
  ASSERT_EQ(page.max_insert_size(), page.free_space());  // slot 1 is reused, no entry needed
  EXPECT_EQ(page.add_value(test_value(page.max_insert_size() + 1, 1)), std::nullopt);
  values[1] = test_value(page.max_insert_size(), 2);
  EXPECT_EQ(page.add_value(values[1]), SlotId{1});
  expect_values(page, values);
  EXPECT_EQ(page.free_space(), 0u);
}

TEST(Page, EmptyValuesAreAcceptedAndEncodedAsOffset4096Length0) {  // format.md invariant P3
  Page page;
  ASSERT_EQ(page.add_value("a"), SlotId{0});
  ASSERT_EQ(page.add_value(""), SlotId{1});
  ASSERT_EQ(page.add_value("b"), SlotId{2});
  ASSERT_TRUE(page.delete_value(0));
  EXPECT_EQ(page.get_value(1), std::string_view());
  expect_values(page, {{1, ""}, {2, "b"}});
  const Image image = snapshot(page);
  EXPECT_EQ(get16(image, slot_at(0)), 0u);  // deleted: 0, 0
  EXPECT_EQ(get16(image, slot_at(0) + 2), 0u);
  EXPECT_EQ(get16(image, slot_at(1)), kPageSize);  // empty: 4096, 0
  EXPECT_EQ(get16(image, slot_at(1) + 2), 0u);
}

TEST(Page, MaxValueSizeFitsAnEmptyPageAndOneByteMoreNeverFits) {
  Page page;
  EXPECT_EQ(page.add_value(test_value(Page::kMaxValueSize + 1, 1)), std::nullopt);
  const std::string largest = test_value(Page::kMaxValueSize, 2);
  EXPECT_EQ(page.add_value(largest), SlotId{0});
  expect_values(page, {{0, largest}});
  EXPECT_EQ(page.free_space(), 0u);
}

TEST(Page, HoldsExactly290TenByteValues) {  // format.md, "Page": (4096 - 26) / 14
  Page page;
  EXPECT_EQ(fill(page, 10).size(), (kPageSize - Page::kHeaderSize) / (10 + Page::kSlotSize));
  EXPECT_EQ(page.value_count(), 290u);
}

TEST(Page, HoldsExactly1017EmptyValues) {  // format.md invariant P2: at most 1017 slots
  Page page;
  EXPECT_EQ(fill(page, 0).size(), kMaxSlots);
  EXPECT_EQ(page.slot_count(), 1017u);
  // 4070 bytes after the header are not a whole number of slot entries: 2 stay free, unusable.
  EXPECT_EQ(page.free_space(), 2u);
  EXPECT_FALSE(page.fits(0));
  EXPECT_EQ(page.max_insert_size(), 0u);
  EXPECT_EQ(page.validate(), std::nullopt);
  ASSERT_TRUE(page.delete_value(500));
  EXPECT_EQ(page.max_insert_size(), 2u);  // slot 500 is reused: the 2 bytes become usable
  EXPECT_EQ(page.add_value(""), SlotId{500});
  ASSERT_TRUE(page.delete_value(500));
  EXPECT_EQ(page.add_value(test_value(2, 1)), SlotId{500});
  EXPECT_EQ(page.free_space(), 0u);
  EXPECT_EQ(page.validate(), std::nullopt);
}

TEST(Page, DeleteDoesNotMoveOtherValues) {
  Page page;
  Values values = add_values(page, 6, 50);
  std::map<SlotId, const char*> where;
  for (const auto& [slot, value] : values) where[slot] = page.get_value(slot)->data();
  ASSERT_TRUE(page.delete_value(2));
  values.erase(2);
  for (const auto& [slot, value] : values) EXPECT_EQ(page.get_value(slot)->data(), where[slot]);
  expect_values(page, values);
}

TEST(Page, UpdateShrinksAndGrowsInPlaceKeepingTheSlot) {
  Page page;
  Values values = add_values(page, 3, 100);
  for (std::size_t length : {40, 250, 0, 100}) {
    values[1] = test_value(length, 7 + length);
    EXPECT_EQ(page.update_value(1, values[1]), UpdateResult::kUpdated);
    expect_values(page, values);
  }
}

TEST(Page, UpdateThatNeedsCompactionSucceeds) {
  Page page;
  Values values = add_values(page, 8, 500);
  ASSERT_TRUE(page.delete_value(5));
  values.erase(5);
  values[2] = test_value(1000, 3);  // 538 + 500 bytes are free, 38 of them contiguous
  EXPECT_EQ(page.update_value(2, values[2]), UpdateResult::kUpdated);
  expect_values(page, values);
}

TEST(Page, UpdateThatCannotFitReturnsNoRoomAndLeavesThePageUnchanged) {
  Page page;
  Values values = add_values(page, 8, 500);
  const std::size_t fits = 500 + page.free_space();
  const Image before = snapshot(page);
  EXPECT_EQ(page.update_value(2, test_value(fits + 1, 1)), UpdateResult::kNoRoom);
  EXPECT_EQ(snapshot(page), before);
  values[2] = test_value(fits, 2);
  EXPECT_EQ(page.update_value(2, values[2]), UpdateResult::kUpdated);
  expect_values(page, values);
  EXPECT_EQ(page.free_space(), 0u);
}

TEST(Page, DeletedAndNeverIssuedSlotsHaveNoValue) {
  Page page;
  add_values(page, 4, 20);
  ASSERT_TRUE(page.delete_value(1));
  ASSERT_TRUE(page.delete_value(3));  // trimmed: slot_count is 3 now
  const Image before = snapshot(page);
  for (SlotId slot : {1, 3, 4, 100, 0xFFFF}) {
    SCOPED_TRACE(slot);
    EXPECT_EQ(page.get_value(slot), std::nullopt);
    EXPECT_FALSE(page.delete_value(slot));
    EXPECT_EQ(page.update_value(slot, "new"), UpdateResult::kNoSuchSlot);
    EXPECT_EQ(snapshot(page), before);
  }
}

TEST(Page, IterationYieldsLiveValuesInAscendingSlotOrderViewingThePage) {
  Page page;
  Values values = add_values(page, 6, 30);
  ASSERT_TRUE(page.delete_value(0));
  ASSERT_TRUE(page.delete_value(3));
  values.erase(0);
  values.erase(3);
  values[4] = test_value(200, 4);  // now stored below the others
  ASSERT_EQ(page.update_value(4, values[4]), UpdateResult::kUpdated);
  std::vector<SlotId> slots;
  for (const Page::Entry& entry : page) {
    slots.push_back(entry.slot);
    EXPECT_TRUE(views_page(page, entry.value)) << "slot " << entry.slot << " was copied";
  }
  EXPECT_EQ(slots, (std::vector<SlotId>{1, 2, 4, 5}));
  expect_values(page, values);
}

// Builds a page in memory first filled with `garbage`, so bytes the page never wrote show up.
Image build_over_garbage(std::byte garbage, const std::function<void(Page&)>& build) {
  alignas(Page) std::array<std::byte, sizeof(Page)> memory;
  memory.fill(garbage);
  asm volatile("" : : "r"(memory.data()) : "memory");  // keep the fill before the constructor
  Page* page = new (memory.data()) Page();
  build(*page);
  return snapshot(*page, 3);
}

void some_operations(Page& page) {
  add_values(page, 6, 40);
  page.delete_value(1);
  page.delete_value(4);
  page.update_value(2, test_value(90, 1));
  page.add_value("");
}

TEST(Page, EncodeIsOneDeterministicPage) {
  Page page;
  EXPECT_EQ(page.encode(0).size(), kPageSize);
  EXPECT_EQ(build_over_garbage(std::byte{0x00}, some_operations),
            build_over_garbage(std::byte{0xA5}, some_operations));
}

TEST(Page, DecodeOfEncodeRoundTripsByteForByte) {
  Page page;
  some_operations(page);
  const Image image = snapshot(page, 9);
  Page decoded = Page::decode(image, 9);
  EXPECT_EQ(snapshot(decoded, 9), image);
  EXPECT_EQ(decoded.validate(), std::nullopt);
}

TEST(Page, DecodedPageKeepsItsSlotBookkeeping) {
  Page page;
  add_values(page, 5, 10);
  ASSERT_TRUE(page.delete_value(3));
  ASSERT_TRUE(page.delete_value(1));
  Page decoded = Page::decode(snapshot(page, 2), 2);
  for (SlotId expected : {1, 3, 5}) {
    EXPECT_EQ(page.add_value("v"), expected);
    EXPECT_EQ(decoded.add_value("v"), expected);
  }
}

TEST(Page, HeaderFieldsSitAtTheirDocumentedOffsets) {  // format.md, "Page": the header table
  Page page;
  add_values(page, 5, 10);
  ASSERT_TRUE(page.delete_value(3));
  page.set_lsn(0x1122334455667788);
  const Image image = snapshot(page, 4);
  const Page::Header header = page.header();
  EXPECT_EQ(get16(image, kMagicAt), 0x5048u);
  EXPECT_EQ(std::to_integer<char>(image[kMagicAt]), 'H');
  EXPECT_EQ(std::to_integer<char>(image[kMagicAt + 1]), 'P');
  EXPECT_EQ(get16(image, kVersionAt), Page::kFormatVersion);
  EXPECT_EQ(Page::kFormatVersion, 2u);
  EXPECT_EQ(get64(image, kLsnAt), 0x1122334455667788u);
  EXPECT_EQ(get16(image, kSlotCountAt), 5u);
  EXPECT_EQ(get16(image, kValueStartAt), kPageSize - 5 * 10);
  EXPECT_EQ(get16(image, kLiveCountAt), 4u);
  EXPECT_EQ(get16(image, kLiveBytesAt), 40u);
  EXPECT_EQ(get16(image, kFirstFreeAt), 3u);
  EXPECT_EQ(get16(image, slot_at(4)), kPageSize - 5 * 10);  // the last one added sits lowest
  EXPECT_EQ(get16(image, slot_at(4) + 2), 10u);
  EXPECT_EQ(header.magic, get16(image, kMagicAt));
  EXPECT_EQ(header.version, get16(image, kVersionAt));
  EXPECT_EQ(header.lsn, get64(image, kLsnAt));
  EXPECT_EQ(header.slot_count, get16(image, kSlotCountAt));
  EXPECT_EQ(header.value_start, get16(image, kValueStartAt));
  EXPECT_EQ(header.live_count, get16(image, kLiveCountAt));
  EXPECT_EQ(header.live_bytes, get16(image, kLiveBytesAt));
  EXPECT_EQ(header.first_free, get16(image, kFirstFreeAt));
}

TEST(Page, LsnStartsAtZeroAndRoundTripsThroughEncodeAndDecode) {
  Page page;
  EXPECT_EQ(page.lsn(), 0u);
  some_operations(page);
  Values values;
  for (const Page::Entry& entry : page) values[entry.slot] = std::string(entry.value);
  const std::size_t free = page.free_space();
  for (std::uint64_t lsn :
       {std::uint64_t{1}, std::uint64_t{0x0123456789ABCDEF}, ~std::uint64_t{0}}) {
    SCOPED_TRACE(lsn);
    page.set_lsn(lsn);
    EXPECT_EQ(page.lsn(), lsn);
    EXPECT_EQ(page.free_space(), free);  // the LSN is header, not value bytes
    const Image image = snapshot(page, 5);
    EXPECT_EQ(get64(image, kLsnAt), lsn);  // little-endian at offset 8
    Page decoded = Page::decode(image, 5);
    EXPECT_EQ(decoded.lsn(), lsn);
    expect_values(decoded, values);
    EXPECT_EQ(snapshot(decoded, 5), image);
  }
}

TEST(Page, ValueChangesKeepTheLsn) {  // only the heap sets it, after logging (log_format.md)
  Page page;
  page.set_lsn(77);
  some_operations(page);
  EXPECT_EQ(page.lsn(), 77u);
}

TEST(Page, ChecksumIsXxh3OfBytesFourOnSeededWithThePageNumber) {  // format.md invariant P8
  Page page;
  some_operations(page);
  for (PageNo page_no : {0u, 7u, 0xFFFFFFFFu}) {
    Image image = snapshot(page, page_no);
    Image resealed = image;
    reseal(resealed, page_no);
    EXPECT_EQ(resealed, image) << "page " << page_no;
  }
}

// The value decode(image, page_no) threw: kCorruption whose message names the page.
void expect_corruption(const Image& image, PageNo page_no, const std::string& where = "") {
  testing::Thrown thrown = thrown_by([&] { Page::decode(image, page_no); });
  EXPECT_EQ(thrown.code, "Corruption") << thrown.message;
  EXPECT_TRUE(contains(thrown.message, "page " + std::to_string(page_no)));
  if (!where.empty()) {
    EXPECT_TRUE(contains(thrown.message, where));
  }
}

TEST(Page, DecodeRejectsAFlippedChecksumByte) {  // format.md invariant P8
  Page page;
  some_operations(page);
  Image image = snapshot(page, 7);
  image[1] ^= std::byte{0x10};
  expect_corruption(image, 7);
  EXPECT_EQ(load_raw(image).validate(), std::nullopt);  // the structure is fine
  EXPECT_NE(load_raw(image).verify(7), std::nullopt);
}

TEST(Page, DecodeRejectsTheImageOfAnotherPage) {  // format.md invariant P8
  Page page;
  some_operations(page);
  const Image image = snapshot(page, 7);
  expect_corruption(image, 8);
  EXPECT_EQ(load_raw(image).verify(7), std::nullopt);
  EXPECT_NE(load_raw(image).verify(8), std::nullopt);
}

TEST(Page, DecodeRejectsAnotherFormatVersion) {  // format.md invariant P1
  for (std::uint16_t version : {0, 1, 3, 0xFFFF}) {
    SCOPED_TRACE(version);
    Page page;
    some_operations(page);
    Image image = snapshot(page, 7);
    put16(image, kVersionAt, version);
    reseal(image, 7);
    expect_corruption(image, 7, "version " + std::to_string(version));
    EXPECT_TRUE(contains(*load_raw(image).validate(), "(P1)"));
  }
}

// A page image broken in one way, checksum resealed so that only its structure is wrong.
struct Tamper {
  std::string name;
  std::function<void(Image&)> apply;
  std::string where;  // what the message must name besides the page ("": only the page)
};

void PrintTo(const Tamper& tamper, std::ostream* out) { *out << tamper.name; }

// Slots 0..4 hold 10-byte values and slot 3 is deleted: slot_count 5, live_count 4, live_bytes 40,
// first_free 3.
Image base_image(PageNo page_no) {
  Page page;
  add_values(page, 5, 10);
  page.delete_value(3);
  return snapshot(page, page_no);
}

class PageCorruption : public ::testing::TestWithParam<Tamper> {};

TEST_P(PageCorruption, DecodeRejectsItNamingPageAndSlot) {
  Image image = base_image(7);
  ASSERT_EQ(load_raw(image).validate(), std::nullopt);
  GetParam().apply(image);
  reseal(image, 7);
  expect_corruption(image, 7, GetParam().where);
  EXPECT_NE(load_raw(image).validate(), std::nullopt) << "validate() misses it";
  EXPECT_NE(load_raw(image).verify(7), std::nullopt) << "verify() misses it";
}

// What the buffer pool checks on read (check_bounds: all but P4) rejects every tamper but the
// overlap, which costs a pass ordering the values and cannot make an operation leave the page.
TEST_P(PageCorruption, CheckBoundsRejectsAllButAnOverlap) {
  Image image = base_image(7);
  GetParam().apply(image);
  const bool overlap = GetParam().name == "OverlappingValues";
  EXPECT_EQ(load_raw(image).check_bounds().has_value(), !overlap) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Page, PageCorruption,
    ::testing::Values(
        Tamper{"BadMagic", [](Image& i) { put16(i, kMagicAt, 0x5049); }, ""},              // P1
        Tamper{"OldFormatVersion", [](Image& i) { put16(i, kVersionAt, 1); }, "version"},  // P1
        Tamper{"SlotCountTooLarge", [](Image& i) { put16(i, kSlotCountAt, 2000); }, ""},   // P2
        Tamper{"ValueStartInsideDirectory",                                                // P2
               [](Image& i) { put16(i, kValueStartAt, slot_at(4)); }, ""},
        Tamper{"ValueStartPastPage", [](Image& i) { put16(i, kValueStartAt, kPageSize + 1); }, ""},
        Tamper{"SlotPastPageEnd",  // P3
               [](Image& i) { put16(i, slot_at(1), kPageSize); }, "slot 1"},
        Tamper{"SlotBelowValueStart",  // P3
               [](Image& i) { put16(i, slot_at(1), get16(i, kValueStartAt) - 10); }, "slot 1"},
        Tamper{"OverlappingValues",  // P4
               [](Image& i) { put16(i, slot_at(1), get16(i, slot_at(0))); }, "slot "},
        Tamper{"LiveCountMismatch", [](Image& i) { put16(i, kLiveCountAt, 5); }, ""},   // P5
        Tamper{"LiveBytesMismatch", [](Image& i) { put16(i, kLiveBytesAt, 41); }, ""},  // P5
        Tamper{"FirstFreeNotTheLowestDeleted", [](Image& i) { put16(i, kFirstFreeAt, 5); },
               ""},                    // P6
        Tamper{"TrailingDeletedSlot",  // P7: slot 4 deleted but not trimmed
               [](Image& i) {
                 put16(i, slot_at(4), 0);
                 put16(i, slot_at(4) + 2, 0);
                 put16(i, kLiveCountAt, 3);
                 put16(i, kLiveBytesAt, 30);
               },
               ""},
        Tamper{"DeletedSlotWithALength",  // P3: {0, 10} is neither deleted nor a value
               [](Image& i) {
                 put16(i, slot_at(3) + 2, 10);
                 put16(i, kLiveCountAt, 5);
                 put16(i, kLiveBytesAt, 50);
               },
               "slot 3"},
        Tamper{"EmptyValueNotAt4096",  // P3
               [](Image& i) {
                 put16(i, slot_at(2) + 2, 0);
                 put16(i, kLiveBytesAt, 30);
               },
               "slot 2"}),
    [](const ::testing::TestParamInfo<Tamper>& info) { return info.param.name; });

// Any image decode accepts is valid, encodes back to itself and stays valid when changed.
void expect_accepted_image_is_sound(const Image& image, PageNo page_no) {
  Page page = Page::decode(image, page_no);
  ASSERT_EQ(page.validate(), std::nullopt);
  ASSERT_EQ(snapshot(page, page_no), image);
  for (const Page::Entry& entry : page) ASSERT_TRUE(views_page(page, entry.value));
  page.add_value("after");
  page.delete_value(0);
  page.update_value(2, test_value(30, 1));
  ASSERT_EQ(page.validate(), std::nullopt);
}

// A page whose values overlap but stay within bounds (what check_bounds lets through) takes
// every operation without reading or writing outside itself (AddressSanitizer is the judge), and
// its free space never underflows.
TEST(Page, OperationsOnPagesThatOnlyPassCheckBoundsStayInsideThePage) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    Image image = base_image(7);
    const std::size_t slots = 5;
    for (std::size_t s = 0; s < slots; ++s) {  // every value somewhere in the value area
      if (s == 3) continue;                    // deleted
      const std::uint16_t start = get16(image, kValueStartAt);
      put16(image, slot_at(s), static_cast<std::uint16_t>(start + rng() % (kPageSize - start - 9)));
    }
    Page page = load_raw(image);
    if (page.check_bounds()) continue;
    page.add_value(test_value(rng() % 3000, round));
    page.update_value(static_cast<SlotId>(rng() % slots), test_value(rng() % 2000, round + 1));
    page.delete_value(static_cast<SlotId>(rng() % slots));
    page.add_value(test_value(rng() % 4000, round + 2));
    for (const Page::Entry& entry : page) ASSERT_TRUE(views_page(page, entry.value));
    ASSERT_LE(page.free_space(), kPageSize);
  }
}

TEST(Page, DecodeOfMutatedImagesEitherRejectsOrYieldsAValidPage) {
  const Image base = base_image(7);
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::size_t> header_byte(4, slot_at(5) - 1);
  for (int round = 0; round < 3000; ++round) {
    Image image = base;
    for (int flips = 1 + round % 3; flips > 0; --flips) {
      image[header_byte(rng)] = static_cast<std::byte>(rng());
    }
    reseal(image, 7);
    testing::Thrown thrown = thrown_by([&] { expect_accepted_image_is_sound(image, 7); });
    ASSERT_TRUE(thrown.code == "none" || thrown.code == "Corruption") << thrown.message;
    if (::testing::Test::HasFatalFailure()) FAIL() << "round " << round;
  }
}

// The page's expected state, kept beside it through random operations.
class PageModel {
 public:
  const Values& values() const { return values_; }
  std::size_t slot_count() const { return values_.empty() ? 0 : values_.rbegin()->first + 1u; }
  std::size_t free_space() const {
    return kPageSize - Page::kHeaderSize - Page::kSlotSize * slot_count() - stored_bytes(values_);
  }
  SlotId lowest_free() const {  // the lowest deleted slot, or slot_count() when none is
    SlotId slot = 0;
    while (values_.contains(slot)) ++slot;
    return slot;
  }
  bool reuses_slot() const { return lowest_free() < slot_count(); }
  bool fits(std::size_t length) const {
    return length + (reuses_slot() ? 0 : Page::kSlotSize) <= free_space();
  }
  bool live(SlotId slot) const { return values_.contains(slot); }
  void put(SlotId slot, std::string value) { values_[slot] = std::move(value); }
  void erase(SlotId slot) { values_.erase(slot); }

 private:
  Values values_;
};

std::size_t random_length(std::mt19937& rng) {
  const std::size_t limit[] = {64, 64, 64, 400, Page::kMaxValueSize + 1};
  return std::uniform_int_distribution<std::size_t>(0, limit[rng() % 5])(rng);
}

void random_step(Page& page, PageModel& model, std::mt19937& rng, std::uint64_t seed) {
  const auto slot = static_cast<SlotId>(rng() % (model.slot_count() + 2));
  const std::string value = test_value(random_length(rng), seed);
  switch (rng() % 4) {
    case 0:
    case 1: {
      const std::optional<SlotId> expected =
          model.fits(value.size()) ? std::optional(model.lowest_free()) : std::nullopt;
      ASSERT_EQ(page.add_value(value), expected) << "add of " << value.size() << " bytes";
      if (expected) model.put(*expected, value);
      break;
    }
    case 2:
      ASSERT_EQ(page.delete_value(slot), model.live(slot)) << "delete of slot " << slot;
      model.erase(slot);
      break;
    default: {
      UpdateResult expected = UpdateResult::kNoSuchSlot;
      if (model.live(slot)) {
        const bool fits = value.size() <= model.free_space() + model.values().at(slot).size();
        expected = fits ? UpdateResult::kUpdated : UpdateResult::kNoRoom;
      }
      ASSERT_EQ(page.update_value(slot, value), expected) << "update of slot " << slot;
      if (expected == UpdateResult::kUpdated) model.put(slot, value);
    }
  }
}

TEST(Page, RandomOperationsMatchAStdMapModel) {
  Page page;
  PageModel model;
  std::mt19937 rng(20240601);
  for (std::uint64_t step = 0; step < 5000; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    ASSERT_NO_FATAL_FAILURE(random_step(page, model, rng, step));
    ASSERT_EQ(page.slot_count(), model.slot_count());  // P7
    ASSERT_EQ(page.free_space(), model.free_space());
    if (model.reuses_slot() || model.free_space() >= Page::kSlotSize) {
      ASSERT_EQ(page.max_insert_size(),
                model.free_space() - (model.reuses_slot() ? 0 : Page::kSlotSize));
    }
    expect_values(page, model.values());
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace heapstore
