// PageModel: one Page against a model of its values (which slots are live, and their bytes). The
// expected behaviour is format.md's "Behaviour that the layout allows"; invariants are P1-P8.
// Checking every value after every step made a step cost O(values); a step now checks what it can
// change (the header, the slot it touched, the bytes a failed call must leave alone) and the rest
// is checked whenever values may have moved, every kFullCheckEvery steps and at the end.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "fuzz_support.h"
#include "heapstore/error.h"

namespace heapstore::fuzz {
namespace {

using Image = std::array<std::byte, kPageSize>;

// memcpy and memcmp, not element loops: under coverage instrumentation a loop over 4096 bytes
// cost more than the page operation it checked.
void copy_image(const Page& page, Image& image) {
  std::memcpy(image.data(), page.raw().data(), kPageSize);
}

bool same_bytes(const Page& page, const Image& image, std::size_t from = 0,
                std::size_t to = kPageSize) {
  return std::memcmp(page.raw().data() + from, image.data() + from, to - from) == 0;
}

}  // namespace

PageModel::PageModel(const Page& page) : page_(page) {
  for (const Page::Entry& e : page_) {
    scratch_.assign(e.value);
    store(e.slot, scratch_);
  }
}

void PageModel::run(FuzzedDataProvider& in, std::size_t max_steps) {
  using Step = void (PageModel::*)(FuzzedDataProvider&);
  static constexpr Step kSteps[] = {
      &PageModel::add,    &PageModel::add,         &PageModel::add_view, &PageModel::update,
      &PageModel::update, &PageModel::update_view, &PageModel::remove,   &PageModel::round_trip};
  check();
  bool all_checked = true;
  for (std::size_t step = 0; step < max_steps && in.remaining_bytes() > 0; ++step) {
    touched_.reset();
    moved_ = false;
    (this->*in.PickValueInArray(kSteps))(in);
    all_checked = moved_ || (step + 1) % kFullCheckEvery == 0;
    if (all_checked) {
      check();
    } else {
      check_counts();
      if (touched_) check_slot(*touched_);
    }
  }
  if (!all_checked) check();
}

// --- The model ----------------------------------------------------------------------------------

bool PageModel::live(std::size_t slot) const {
  return slot < kLiveWords * 64 && (live_[slot / 64] >> (slot % 64) & 1) != 0;
}

std::size_t PageModel::nth_live(std::size_t n) const {
  for (std::size_t w = 0; w < kLiveWords; ++w) {
    auto in_word = static_cast<std::size_t>(std::popcount(live_[w]));
    if (n >= in_word) {
      n -= in_word;
      continue;
    }
    std::uint64_t bits = live_[w];
    for (; n > 0; --n) bits &= bits - 1;  // drop the n lowest live slots of this word
    return w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
  }
  fail("nth_live(" + std::to_string(n) + ") past the live slots");
}

std::size_t PageModel::next_live(std::size_t from) const {
  for (std::size_t w = from / 64; w < kLiveWords; ++w) {
    std::uint64_t bits = w == from / 64 ? live_[w] & (~std::uint64_t{0} << (from % 64)) : live_[w];
    if (bits != 0) return w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
  }
  return kLiveWords * 64;
}

void PageModel::store(SlotId slot, std::string& value) {
  HS_FUZZ_CHECK(slot < kLiveWords * 64, "slot " + std::to_string(slot) + " past 1023");
  if (values_.size() <= slot) values_.resize(slot + std::size_t{1});
  if (live(slot)) {
    bytes_ -= values_[slot].size();
  } else {
    live_[slot / 64] |= std::uint64_t{1} << (slot % 64);
    ++count_;
  }
  bytes_ += value.size();
  values_[slot].swap(value);
  slot_count_ = std::max(slot_count_, slot + std::size_t{1});
}

void PageModel::erase(SlotId slot) {
  live_[slot / 64] &= ~(std::uint64_t{1} << (slot % 64));
  --count_;
  bytes_ -= values_[slot].size();
  if (slot + std::size_t{1} == slot_count_) slot_count_ = count_slots();
}

SlotId PageModel::lowest_free() const {
  for (std::size_t w = 0; w < kLiveWords; ++w)
    if (~live_[w] != 0)
      return static_cast<SlotId>(w * 64 + static_cast<std::size_t>(std::countr_one(live_[w])));
  return kLiveWords * 64;  // never: a page has at most 1020 slots
}

std::size_t PageModel::slot_count() const { return slot_count_; }

// One past the highest live slot (P7), found again after the highest one is erased.
std::size_t PageModel::count_slots() const {
  for (std::size_t w = kLiveWords; w-- > 0;)
    if (live_[w] != 0) return w * 64 + 64 - static_cast<std::size_t>(std::countl_zero(live_[w]));
  return 0;
}

std::size_t PageModel::free_space() const {
  return kPageSize - Page::kHeaderSize - Page::kSlotSize * slot_count() - bytes_;
}

std::size_t PageModel::max_insert() const {
  std::size_t slot_cost = lowest_free() < slot_count() ? 0 : Page::kSlotSize;
  return free_space() > slot_cost ? std::min(free_space() - slot_cost, Page::kMaxValueSize) : 0;
}

// Values move only when the page compacts, which it may do when `needed` bytes do not fit below
// value_start; such a step is followed by a check of every value.
bool PageModel::may_compact(std::size_t needed) const {
  return page_.header().value_start < page_.header_size() + needed;
}

// --- Steps --------------------------------------------------------------------------------------

SlotId PageModel::pick_slot(FuzzedDataProvider& in) const {
  if (count_ > 0 && in.ConsumeBool())
    return static_cast<SlotId>(nth_live(in.ConsumeIntegralInRange<std::size_t>(0, count_ - 1)));
  return in.ConsumeBool() ? in.ConsumeIntegral<SlotId>()
                          : in.ConsumeIntegralInRange<SlotId>(0, SlotId(slot_count() + 1));
}

std::string_view PageModel::page_bytes(FuzzedDataProvider& in) const {
  auto offset = in.ConsumeIntegralInRange<std::size_t>(0, kPageSize);
  auto length = in.ConsumeIntegralInRange<std::size_t>(0, kPageSize - offset);
  return {reinterpret_cast<const char*>(page_.raw().data()) + offset, length};
}

void PageModel::add(FuzzedDataProvider& in) {
  add_checked(value_bytes(pick_size(in, max_insert()), ++tag_));
}

// The page's own bytes as the new value: a live value (as a caller copying one would pass), or
// any range of the page, header and free space included (add_value's contract allows both).
void PageModel::add_view(FuzzedDataProvider& in) {
  if (count_ > 0 && in.ConsumeBool()) {
    auto slot =
        static_cast<SlotId>(nth_live(in.ConsumeIntegralInRange<std::size_t>(0, count_ - 1)));
    add_checked(page_.get_value(slot).value_or(""));
  } else {
    add_checked(page_bytes(in));
  }
}

// Insert takes the lowest deleted slot or appends one; it must succeed iff the value fits:
// free_space >= length (reused slot) or >= length + 4 (new slot), length <= kMaxValueSize.
void PageModel::add_checked(std::string_view value) {
  scratch_.assign(value);  // `value` may view the page, which the add changes
  SlotId want = lowest_free();
  std::size_t needed = value.size() + (want < slot_count() ? 0 : Page::kSlotSize);
  bool fits = value.size() <= Page::kMaxValueSize && free_space() >= needed;
  HS_FUZZ_CHECK(page_.fits(value.size()) == fits, "fits(" + std::to_string(value.size()) + ")");
  HS_FUZZ_CHECK(value.empty() || fits == (value.size() <= page_.max_insert_size()),
                std::to_string(value.size()) + " bytes vs max_insert_size " +
                    std::to_string(page_.max_insert_size()));
  Image before;
  if (!fits) copy_image(page_, before);
  moved_ = fits && may_compact(needed);
  std::optional<SlotId> slot = page_.add_value(value);
  HS_FUZZ_CHECK(slot.has_value() == fits, "add of " + std::to_string(scratch_.size()) +
                                              " bytes with " + std::to_string(free_space()) +
                                              " free");
  if (!slot) {
    HS_FUZZ_CHECK(same_bytes(page_, before), "a failed add changed the page");
    return;
  }
  HS_FUZZ_CHECK(*slot == want, "add took slot " + std::to_string(*slot) + ", the lowest free is " +
                                   std::to_string(want));
  store(*slot, scratch_);
  touched_ = *slot;
}

void PageModel::update(FuzzedDataProvider& in) {
  SlotId slot = pick_slot(in);
  std::size_t old = live(slot) ? values_[slot].size() : 0;
  update_checked(slot, value_bytes(pick_size(in, free_space() + old), ++tag_));
}

// An update to a view of the page's own bytes (update_value's contract allows it).
void PageModel::update_view(FuzzedDataProvider& in) {
  SlotId slot = pick_slot(in);
  update_checked(slot, page_bytes(in));
}

// Update keeps the slot: kUpdated iff the value is live and free_space + old length >= new
// length; a shrinking value stays in place; on kNoRoom and kNoSuchSlot the page is unchanged.
void PageModel::update_checked(SlotId slot, std::string_view value) {
  scratch_.assign(value);  // `value` may view the page, which the update changes
  bool was_live = live(slot);
  if (was_live) check_slot(slot);  // what the update replaces is still what the model holds
  auto [old_offset, old_length] =
      slot < slot_count() ? slot_entry(page_, slot) : std::pair<std::uint16_t, std::uint16_t>{};
  bool fits = was_live && value.size() <= Page::kMaxValueSize &&
              free_space() + values_[slot].size() >= value.size();
  Image before;
  if (!fits) copy_image(page_, before);
  moved_ = fits && value.size() > old_length && may_compact(value.size());
  UpdateResult result = page_.update_value(slot, value);
  if (!was_live) {
    HS_FUZZ_CHECK(result == UpdateResult::kNoSuchSlot, "update of slot " + std::to_string(slot));
    HS_FUZZ_CHECK(same_bytes(page_, before), "a failed update changed the page");
    return;
  }
  if (!fits) {
    HS_FUZZ_CHECK(result == UpdateResult::kNoRoom, "update to " + std::to_string(scratch_.size()));
    HS_FUZZ_CHECK(same_bytes(page_, before), "a failed update changed the page");
    return;
  }
  HS_FUZZ_CHECK(result == UpdateResult::kUpdated, "update to " + std::to_string(scratch_.size()));
  if (!scratch_.empty() && scratch_.size() <= old_length)
    HS_FUZZ_CHECK(slot_entry(page_, slot).first == old_offset, "a shrinking value moved");
  store(slot, scratch_);
  touched_ = slot;
}

// Delete writes {0, 0} into the slot and moves nothing: every byte from the slot directory on
// is unchanged but for that slot entry (trimmed trailing slots were already {0, 0}).
void PageModel::remove(FuzzedDataProvider& in) {
  SlotId slot = pick_slot(in);
  bool was_live = live(slot);
  if (was_live) check_slot(slot);  // a value is checked before a delete can erase it
  Image before;
  copy_image(page_, before);
  bool deleted = page_.delete_value(slot);
  HS_FUZZ_CHECK(deleted == was_live, "delete of slot " + std::to_string(slot));
  if (!deleted) {
    HS_FUZZ_CHECK(same_bytes(page_, before), "a failed delete changed the page");
    return;
  }
  std::size_t entry = Page::kHeaderSize + Page::kSlotSize * slot;
  std::memset(before.data() + entry, 0, Page::kSlotSize);
  HS_FUZZ_CHECK(same_bytes(page_, before, Page::kHeaderSize),
                "delete of slot " + std::to_string(slot) + " moved bytes");
  erase(slot);
  touched_ = slot;
}

// encode() seals the page (P8) and decode() of that image gives the same page back; the image
// read as another page number fails its checksum (unless fuzzing builds skip P8). The decoded
// page replaces this one, so everything is checked after this step.
void PageModel::round_trip(FuzzedDataProvider& in) {
  auto page_no = in.ConsumeIntegral<PageNo>();
  Image image;
  std::memcpy(image.data(), page_.encode(page_no).data(), kPageSize);
  HS_FUZZ_CHECK(!page_.verify(page_no), *page_.verify(page_no));
  try {
    Page decoded = Page::decode(image, page_no);
    HS_FUZZ_CHECK(same_bytes(decoded, image), "decode(encode(page)) differs from the image");
    page_ = decoded;
  } catch (const Error& e) {
    fail(std::string("an encoded page does not decode: ") + e.what());
  }
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  HS_FUZZ_CHECK(page_.verify(page_no + 1).has_value(), "checksum not seeded by page number (P8)");
#endif
  moved_ = true;
}

// --- Checks -------------------------------------------------------------------------------------

void PageModel::check() const {
  check_counts();
  check_values();
}

// O(slots) in validate() and O(1) in the rest: the header's fields against the model.
void PageModel::check_counts() const {
  if (auto problem = page_.validate()) fail("validate(): " + *problem);  // P1-P7
  HS_FUZZ_CHECK(page_.slot_count() == slot_count(), std::to_string(page_.slot_count()) +
                                                        " slots, expected " +
                                                        std::to_string(slot_count()) + " (P7)");
  HS_FUZZ_CHECK(page_.header_size() == Page::kHeaderSize + Page::kSlotSize * slot_count(), "");
  HS_FUZZ_CHECK(page_.value_count() == count_, "value count (P5)");
  HS_FUZZ_CHECK(page_.free_space() == free_space(),
                "free space " + std::to_string(page_.free_space()) + ", exact is " +
                    std::to_string(free_space()) + " (P5)");
  HS_FUZZ_CHECK(page_.max_insert_size() == max_insert(),
                "max_insert_size " + std::to_string(page_.max_insert_size()) + ", expected " +
                    std::to_string(max_insert()));
  Page::Header header = page_.header();  // the stored fields, wherever the layout puts them
  HS_FUZZ_CHECK(header.first_free == lowest_free(), "first_free (P6)");
  HS_FUZZ_CHECK(header.live_bytes == bytes_, "live_bytes (P5)");
}

void PageModel::check_slot(std::size_t slot) const {
  auto got = page_.get_value(static_cast<SlotId>(slot));
  HS_FUZZ_CHECK(got.has_value() == live(slot) && (!got || *got == values_[slot]),
                "get_value of slot " + std::to_string(slot));
}

// Iteration yields exactly the model's values in slot order, get_value() agrees for every slot
// up to one past the directory, and the model's own counts still match its values.
void PageModel::check_values() const {
  constexpr std::size_t kNone = kLiveWords * 64;
  std::size_t want = next_live(0), count = 0, bytes = 0;
  for (const Page::Entry& e : page_) {
    HS_FUZZ_CHECK(want != kNone && e.slot == want && e.value == values_[want],
                  "iteration at slot " + std::to_string(e.slot) + " differs from the model");
    ++count;
    bytes += e.value.size();
    want = next_live(want + 1);
  }
  HS_FUZZ_CHECK(want == kNone, "iteration ended early");
  HS_FUZZ_CHECK(count == count_ && bytes == bytes_ && slot_count_ == count_slots(),
                "the model's counts drifted from its values");
  for (std::size_t slot = 0; slot <= slot_count(); ++slot) check_slot(slot);
  HS_FUZZ_CHECK(!page_.get_value(UINT16_MAX), "get_value of slot 65535");
}

}  // namespace heapstore::fuzz
