// PageModel: one Page against a std::map<slot, bytes>, checked after every step. The expected
// behaviour is format.md's "Behaviour that the layout allows"; invariants are P1-P8.
#include <algorithm>
#include <array>
#include <cstring>

#include "fuzz_support.h"
#include "heapstore/error.h"

namespace heapstore::fuzz {
namespace {

using Image = std::array<std::byte, kPageSize>;

Image image_of(const Page& page) {
  Image image;
  std::copy(page.raw().begin(), page.raw().end(), image.begin());
  return image;
}

}  // namespace

PageModel::PageModel(const Page& page) : page_(page) {
  for (const Page::Entry& e : page_) {
    values_.emplace(e.slot, std::string(e.value));
    bytes_ += e.value.size();
  }
}

void PageModel::run(FuzzedDataProvider& in, std::size_t max_steps) {
  using Step = void (PageModel::*)(FuzzedDataProvider&);
  static constexpr Step kSteps[] = {
      &PageModel::add,    &PageModel::add,         &PageModel::add_view, &PageModel::update,
      &PageModel::update, &PageModel::update_view, &PageModel::remove,   &PageModel::round_trip};
  check();
  for (std::size_t step = 0; step < max_steps && in.remaining_bytes() > 0; ++step) {
    (this->*in.PickValueInArray(kSteps))(in);
    check();
  }
}

SlotId PageModel::lowest_free() const {
  SlotId slot = 0;
  for (auto it = values_.begin(); it != values_.end() && it->first == slot; ++it) ++slot;
  return slot;
}

std::size_t PageModel::slot_count() const {
  return values_.empty() ? 0 : values_.rbegin()->first + std::size_t{1};  // P7
}

std::size_t PageModel::free_space() const {
  return kPageSize - Page::kHeaderSize - Page::kSlotSize * slot_count() - bytes_;
}

std::size_t PageModel::max_insert() const {
  std::size_t slot_cost = lowest_free() < slot_count() ? 0 : Page::kSlotSize;
  return free_space() > slot_cost ? std::min(free_space() - slot_cost, Page::kMaxValueSize) : 0;
}

SlotId PageModel::pick_slot(FuzzedDataProvider& in) const {
  if (!values_.empty() && in.ConsumeBool()) {
    auto it = values_.begin();
    std::advance(it, in.ConsumeIntegralInRange<std::size_t>(0, values_.size() - 1));
    return it->first;
  }
  return in.ConsumeBool() ? in.ConsumeIntegral<SlotId>()
                          : in.ConsumeIntegralInRange<SlotId>(0, SlotId(slot_count() + 1));
}

std::string_view PageModel::page_bytes(FuzzedDataProvider& in) const {
  auto offset = in.ConsumeIntegralInRange<std::size_t>(0, kPageSize);
  auto length = in.ConsumeIntegralInRange<std::size_t>(0, kPageSize - offset);
  return {reinterpret_cast<const char*>(page_.raw().data()) + offset, length};
}

void PageModel::add(FuzzedDataProvider& in) {
  std::string value = make_value(pick_size(in, max_insert()), ++tag_);
  add_checked(value);
}

// The page's own bytes as the new value: a live value (as a caller copying one would pass), or
// any range of the page, header and free space included (add_value's contract allows both).
void PageModel::add_view(FuzzedDataProvider& in) {
  if (!values_.empty() && in.ConsumeBool()) {
    auto it = values_.begin();
    std::advance(it, in.ConsumeIntegralInRange<std::size_t>(0, values_.size() - 1));
    add_checked(page_.get_value(it->first).value_or(""));
  } else {
    add_checked(page_bytes(in));
  }
}

// Insert takes the lowest deleted slot or appends one; it must succeed iff the value fits:
// free_space >= length (reused slot) or >= length + 4 (new slot), length <= kMaxValueSize.
void PageModel::add_checked(std::string_view value) {
  std::string expected(value);
  SlotId want = lowest_free();
  std::size_t needed = value.size() + (want < slot_count() ? 0 : Page::kSlotSize);
  bool fits = value.size() <= Page::kMaxValueSize && free_space() >= needed;
  HS_FUZZ_CHECK(page_.fits(value.size()) == fits, "fits(" + std::to_string(value.size()) + ")");
  HS_FUZZ_CHECK(value.empty() || fits == (value.size() <= page_.max_insert_size()),
                std::to_string(value.size()) + " bytes vs max_insert_size " +
                    std::to_string(page_.max_insert_size()));
  Image before = image_of(page_);
  std::optional<SlotId> slot = page_.add_value(value);
  HS_FUZZ_CHECK(slot.has_value() == fits, "add of " + std::to_string(value.size()) +
                                              " bytes with " + std::to_string(free_space()) +
                                              " free");
  if (!slot) {
    HS_FUZZ_CHECK(image_of(page_) == before, "a failed add changed the page");
    return;
  }
  HS_FUZZ_CHECK(*slot == want, "add took slot " + std::to_string(*slot) + ", the lowest free is " +
                                   std::to_string(want));
  values_.emplace(*slot, std::move(expected));
  bytes_ += value.size();
}

void PageModel::update(FuzzedDataProvider& in) {
  SlotId slot = pick_slot(in);
  auto it = values_.find(slot);
  std::size_t old = it == values_.end() ? 0 : it->second.size();
  update_checked(slot, make_value(pick_size(in, free_space() + old), ++tag_));
}

// An update to a view of the page's own bytes (update_value's contract allows it).
void PageModel::update_view(FuzzedDataProvider& in) {
  SlotId slot = pick_slot(in);
  update_checked(slot, page_bytes(in));
}

// Update keeps the slot: kUpdated iff the value is live and free_space + old length >= new
// length; a shrinking value stays in place; on kNoRoom and kNoSuchSlot the page is unchanged.
void PageModel::update_checked(SlotId slot, std::string_view value) {
  std::string expected(value);
  auto it = values_.find(slot);
  Image before = image_of(page_);
  auto [old_offset, old_length] =
      slot < slot_count() ? slot_entry(page_, slot) : std::pair<std::uint16_t, std::uint16_t>{};
  UpdateResult result = page_.update_value(slot, value);
  if (it == values_.end()) {
    HS_FUZZ_CHECK(result == UpdateResult::kNoSuchSlot, "update of slot " + std::to_string(slot));
    HS_FUZZ_CHECK(image_of(page_) == before, "a failed update changed the page");
    return;
  }
  bool fits =
      expected.size() <= Page::kMaxValueSize && free_space() + it->second.size() >= expected.size();
  if (!fits) {
    HS_FUZZ_CHECK(result == UpdateResult::kNoRoom, "update to " + std::to_string(expected.size()));
    HS_FUZZ_CHECK(image_of(page_) == before, "a failed update changed the page");
    return;
  }
  HS_FUZZ_CHECK(result == UpdateResult::kUpdated, "update to " + std::to_string(expected.size()));
  if (!expected.empty() && expected.size() <= old_length)
    HS_FUZZ_CHECK(slot_entry(page_, slot).first == old_offset, "a shrinking value moved");
  bytes_ = bytes_ - it->second.size() + expected.size();
  it->second = std::move(expected);
}

// Delete writes {0, 0} into the slot and moves nothing: every byte from the slot directory on
// is unchanged but for that slot entry (trimmed trailing slots were already {0, 0}).
void PageModel::remove(FuzzedDataProvider& in) {
  SlotId slot = pick_slot(in);
  Image before = image_of(page_);
  bool deleted = page_.delete_value(slot);
  auto it = values_.find(slot);
  HS_FUZZ_CHECK(deleted == (it != values_.end()), "delete of slot " + std::to_string(slot));
  Image after = image_of(page_);
  if (!deleted) {
    HS_FUZZ_CHECK(after == before, "a failed delete changed the page");
    return;
  }
  std::size_t entry = Page::kHeaderSize + Page::kSlotSize * slot;
  std::fill_n(before.begin() + static_cast<std::ptrdiff_t>(entry), Page::kSlotSize, std::byte{0});
  HS_FUZZ_CHECK(std::equal(before.begin() + Page::kHeaderSize, before.end(),
                           after.begin() + Page::kHeaderSize),
                "delete of slot " + std::to_string(slot) + " moved bytes");
  bytes_ -= it->second.size();
  values_.erase(it);
}

// encode() seals the page (P8) and decode() of that image gives the same page back; the image
// read as another page number fails its checksum (unless fuzzing builds skip P8).
void PageModel::round_trip(FuzzedDataProvider& in) {
  auto page_no = in.ConsumeIntegral<PageNo>();
  Image image;
  std::ranges::copy(page_.encode(page_no), image.begin());
  HS_FUZZ_CHECK(!page_.verify(page_no), *page_.verify(page_no));
  try {
    Page decoded = Page::decode(image, page_no);
    HS_FUZZ_CHECK(image_of(decoded) == image, "decode(encode(page)) differs from the image");
    page_ = decoded;
  } catch (const Error& e) {
    fail(std::string("an encoded page does not decode: ") + e.what());
  }
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  HS_FUZZ_CHECK(page_.verify(page_no + 1).has_value(), "checksum not seeded by page number (P8)");
#endif
}

void PageModel::check() const {
  if (auto problem = page_.validate()) fail("validate(): " + *problem);  // P1-P7
  HS_FUZZ_CHECK(page_.slot_count() == slot_count(), std::to_string(page_.slot_count()) +
                                                        " slots, expected " +
                                                        std::to_string(slot_count()) + " (P7)");
  HS_FUZZ_CHECK(page_.header_size() == Page::kHeaderSize + Page::kSlotSize * slot_count(), "");
  HS_FUZZ_CHECK(page_.value_count() == values_.size(), "value count (P5)");
  HS_FUZZ_CHECK(page_.free_space() == free_space(),
                "free space " + std::to_string(page_.free_space()) + ", exact is " +
                    std::to_string(free_space()) + " (P5)");
  HS_FUZZ_CHECK(page_.max_insert_size() == max_insert(),
                "max_insert_size " + std::to_string(page_.max_insert_size()) + ", expected " +
                    std::to_string(max_insert()));
  HS_FUZZ_CHECK(page_.header().first_free == lowest_free(), "first_free (P6)");
  HS_FUZZ_CHECK(page_.header().live_bytes == bytes_, "live_bytes (P5)");
  auto want = values_.begin();
  for (const Page::Entry& e : page_) {
    HS_FUZZ_CHECK(want != values_.end() && e.slot == want->first && e.value == want->second,
                  "iteration at slot " + std::to_string(e.slot) + " differs from the model");
    ++want;
  }
  HS_FUZZ_CHECK(want == values_.end(), "iteration ended early");
  for (std::size_t slot = 0; slot <= slot_count(); ++slot) {
    auto got = page_.get_value(static_cast<SlotId>(slot));
    auto it = values_.find(static_cast<SlotId>(slot));
    HS_FUZZ_CHECK(got.has_value() == (it != values_.end()) && (!got || *got == it->second),
                  "get_value of slot " + std::to_string(slot));
  }
  HS_FUZZ_CHECK(!page_.get_value(UINT16_MAX), "get_value of slot 65535");
}

}  // namespace heapstore::fuzz
