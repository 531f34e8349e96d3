// Slotted page; the layout and the invariants P1-P7 cited below are in engine/doc/format.md.
#include "page.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "checksum.h"
#include "heapstore/error.h"

namespace heapstore {
namespace {

static_assert(std::endian::native == std::endian::little, "the page format is little-endian");

// Header field offsets (format.md, "Page header").
constexpr std::size_t kChecksumAt = 0;
constexpr std::size_t kMagicAt = 4;
constexpr std::size_t kVersionAt = 6;
constexpr std::size_t kLsnAt = 8;
constexpr std::size_t kSlotCountAt = 16;
constexpr std::size_t kValueStartAt = 18;
constexpr std::size_t kLiveCountAt = 20;
constexpr std::size_t kLiveBytesAt = 22;
constexpr std::size_t kFirstFreeAt = 24;
static_assert(kFirstFreeAt + 2 == Page::kHeaderSize);

constexpr std::uint16_t kMagic = 0x5048;
constexpr std::uint16_t kEmptyValueOffset = kPageSize;  // where a 0-byte value "lives"
constexpr std::size_t kMaxSlots = (kPageSize - Page::kHeaderSize) / Page::kSlotSize;
static_assert(kMaxSlots <= UINT16_MAX);

// An item of the value area, for sorting by position.
struct Placed {
  std::uint16_t offset;
  std::uint16_t length;
  std::uint16_t slot;
};

}  // namespace

Page::Page() {
  bytes_.fill(std::byte{0});
  set_field(kMagicAt, kMagic);
  set_field(kVersionAt, kFormatVersion);
  set_field(kValueStartAt, kPageSize);
}

std::uint64_t Page::lsn() const {
  std::uint64_t lsn;
  std::memcpy(&lsn, bytes_.data() + kLsnAt, sizeof lsn);
  return lsn;
}

void Page::set_lsn(std::uint64_t lsn) { std::memcpy(bytes_.data() + kLsnAt, &lsn, sizeof lsn); }

std::uint16_t Page::field(std::size_t offset) const {
  std::uint16_t v;
  std::memcpy(&v, bytes_.data() + offset, sizeof v);
  return v;
}

void Page::set_field(std::size_t offset, std::uint16_t value) {
  std::memcpy(bytes_.data() + offset, &value, sizeof value);
}

Page::Slot Page::slot(std::size_t index) const {
  Slot s;
  std::memcpy(&s, bytes_.data() + kHeaderSize + index * kSlotSize, sizeof s);
  return s;
}

void Page::set_slot(std::size_t index, Slot s) {
  std::memcpy(bytes_.data() + kHeaderSize + index * kSlotSize, &s, sizeof s);
}

// A deleted slot is {0, 0} (P3); offset 0 is inside the header, so no live value has it.
bool Page::is_live(std::size_t index) const {
  return index < slot_count() && slot(index).offset != 0;
}

std::size_t Page::slot_count() const { return field(kSlotCountAt); }
std::size_t Page::value_count() const { return field(kLiveCountAt); }
std::size_t Page::header_size() const { return kHeaderSize + kSlotSize * slot_count(); }
std::size_t Page::free_space() const { return kPageSize - header_size() - field(kLiveBytesAt); }
std::size_t Page::contiguous_free() const { return field(kValueStartAt) - header_size(); }

std::size_t Page::max_insert_size() const {
  std::size_t slot_cost = field(kFirstFreeAt) < slot_count() ? 0 : kSlotSize;
  std::size_t free = free_space();
  return free > slot_cost ? std::min(free - slot_cost, kMaxValueSize) : 0;
}

bool Page::fits(std::size_t size) const {
  std::size_t slot_cost = field(kFirstFreeAt) < slot_count() ? 0 : kSlotSize;
  return size <= kMaxValueSize && free_space() >= size + slot_cost;
}

std::uint16_t Page::place(std::string_view value) {
  if (value.empty()) return kEmptyValueOffset;
  auto offset = static_cast<std::uint16_t>(field(kValueStartAt) - value.size());
  // memmove: the value may view this page's free bytes, overlapping where it goes.
  std::memmove(bytes_.data() + offset, value.data(), value.size());
  set_field(kValueStartAt, offset);
  return offset;
}

// Slides every value to the end of the page, in descending offset order so that no value is
// overwritten before it has moved, leaving one contiguous free region (zeroed).
void Page::compact() {
  std::array<Placed, kMaxSlots> items;
  std::size_t n = 0;
  for (std::size_t i = 0; i < slot_count(); ++i) {
    Slot s = slot(i);
    if (s.offset != 0 && s.length != 0) items[n++] = {s.offset, s.length, static_cast<SlotId>(i)};
  }
  std::sort(items.begin(), items.begin() + n,
            [](const Placed& a, const Placed& b) { return a.offset > b.offset; });
  std::size_t cursor = kPageSize;
  for (std::size_t i = 0; i < n; ++i) {
    cursor -= items[i].length;
    std::memmove(bytes_.data() + cursor, bytes_.data() + items[i].offset, items[i].length);
    set_slot(items[i].slot, {static_cast<std::uint16_t>(cursor), items[i].length});
  }
  std::memset(bytes_.data() + header_size(), 0, cursor - header_size());
  set_field(kValueStartAt, static_cast<std::uint16_t>(cursor));
}

std::size_t Page::next_free_after(std::size_t index) const {
  std::size_t i = index + 1;
  while (i < slot_count() && slot(i).offset != 0) ++i;
  return i;
}

// Trailing deleted slots give their 4 bytes back to free space (P7).
void Page::trim_trailing_deleted() {
  std::size_t count = slot_count();
  while (count > 0 && slot(count - 1).offset == 0) --count;
  set_field(kSlotCountAt, static_cast<std::uint16_t>(count));
  if (field(kFirstFreeAt) > count) set_field(kFirstFreeAt, static_cast<std::uint16_t>(count));
}

namespace {
// A value viewing this page's own bytes must be copied before compaction may move them.
std::string_view stable(std::string_view value, const std::byte* page,
                        std::array<char, kPageSize>& copy) {
  auto* p = reinterpret_cast<const std::byte*>(value.data());
  if (value.empty() || p + value.size() <= page || p >= page + kPageSize) return value;
  std::memcpy(copy.data(), value.data(), value.size());
  return {copy.data(), value.size()};
}
}  // namespace

int Page::add_value_slot(std::string_view value) {
  std::size_t count = slot_count();
  std::size_t first_free = field(kFirstFreeAt);
  bool reuse = first_free < count;
  std::size_t needed = value.size() + (reuse ? 0 : kSlotSize);
  if (!fits(value.size())) return -1;
  std::array<char, kPageSize> copy;
  if (contiguous_free() < needed) {
    value = stable(value, bytes_.data(), copy);
    compact();
  }
  Slot s{place(value), static_cast<std::uint16_t>(value.size())};
  if (reuse) {
    set_slot(first_free, s);
    set_field(kFirstFreeAt, static_cast<std::uint16_t>(next_free_after(first_free)));
  } else {
    set_field(kSlotCountAt, static_cast<std::uint16_t>(count + 1));
    set_slot(count, s);
    set_field(kFirstFreeAt, static_cast<std::uint16_t>(count + 1));
  }
  set_field(kLiveCountAt, static_cast<std::uint16_t>(value_count() + 1));
  set_field(kLiveBytesAt, static_cast<std::uint16_t>(field(kLiveBytesAt) + value.size()));
  return static_cast<int>(reuse ? first_free : count);
}

std::optional<std::string_view> Page::get_value(SlotId index) const {
  if (!is_live(index)) return std::nullopt;
  Slot s = slot(index);
  return std::string_view(reinterpret_cast<const char*>(bytes_.data()) + s.offset, s.length);
}

bool Page::delete_value(SlotId index) {
  if (!is_live(index)) return false;
  Slot s = slot(index);
  set_slot(index, {0, 0});
  set_field(kLiveCountAt, static_cast<std::uint16_t>(value_count() - 1));
  set_field(kLiveBytesAt, static_cast<std::uint16_t>(field(kLiveBytesAt) - s.length));
  // The lowest value's bytes rejoin the contiguous free region at no cost; nothing else moves.
  if (value_count() == 0) {
    set_field(kValueStartAt, kPageSize);
  } else if (s.offset == field(kValueStartAt)) {
    set_field(kValueStartAt, static_cast<std::uint16_t>(s.offset + s.length));
  }
  if (index < field(kFirstFreeAt)) set_field(kFirstFreeAt, index);
  if (index + 1u == slot_count()) trim_trailing_deleted();
  return true;
}

UpdateResult Page::update_value(SlotId index, std::string_view value) {
  if (!is_live(index)) return UpdateResult::kNoSuchSlot;
  Slot old = slot(index);
  if (value.size() > kMaxValueSize || free_space() + old.length < value.size())
    return UpdateResult::kNoRoom;
  auto length = static_cast<std::uint16_t>(value.size());
  auto live_bytes = static_cast<std::uint16_t>(field(kLiveBytesAt) - old.length + length);
  if (value.size() <= old.length) {  // shrink in place; the tail becomes a hole
    if (length > 0) std::memmove(bytes_.data() + old.offset, value.data(), length);
    set_slot(index, {length > 0 ? old.offset : kEmptyValueOffset, length});
    set_field(kLiveBytesAt, live_bytes);
    return UpdateResult::kUpdated;
  }
  std::array<char, kPageSize> copy;
  value = stable(value, bytes_.data(), copy);
  set_slot(index, {kEmptyValueOffset, 0});  // the old bytes are free from here on
  if (contiguous_free() < value.size()) compact();
  set_slot(index, {place(value), length});
  set_field(kLiveBytesAt, live_bytes);
  return UpdateResult::kUpdated;
}

Page::Header Page::header() const {
  Header h{};
  std::memcpy(&h.checksum, bytes_.data() + kChecksumAt, sizeof h.checksum);
  h.magic = field(kMagicAt);
  h.version = field(kVersionAt);
  h.lsn = lsn();
  h.slot_count = field(kSlotCountAt);
  h.value_start = field(kValueStartAt);
  h.live_count = field(kLiveCountAt);
  h.live_bytes = field(kLiveBytesAt);
  h.first_free = field(kFirstFreeAt);
  return h;
}

std::optional<std::pair<std::uint16_t, std::uint16_t>> Page::slot_entry(std::size_t index) const {
  if (index >= kMaxSlots) return std::nullopt;
  Slot s = slot(index);
  return std::pair{s.offset, s.length};
}

std::span<const std::byte, kPageSize> Page::encode(PageNo page_no) {
  std::uint32_t sum = page_checksum(raw(), page_no);
  std::memcpy(bytes_.data() + kChecksumAt, &sum, sizeof sum);
  return bytes_;
}

Page Page::decode(std::span<const std::byte, kPageSize> bytes, PageNo page_no) {
  Page page;
  std::memcpy(page.bytes_.data(), bytes.data(), kPageSize);
  if (auto problem = page.verify(page_no))
    throw Error(ErrorCode::kCorruption, "page " + std::to_string(page_no) + ": " + *problem);
  return page;
}

std::optional<std::string> Page::verify(PageNo page_no, Check check) const {
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  std::uint32_t stored;
  std::memcpy(&stored, bytes_.data() + kChecksumAt, sizeof stored);
  std::uint32_t computed = page_checksum(raw(), page_no);
  if (stored != computed)
    return "checksum mismatch (stored " + std::to_string(stored) + ", computed " +
           std::to_string(computed) + "): torn write, damage or page written at the wrong offset";
#else
  (void)page_no;
#endif
#ifdef NDEBUG
  if (check == Check::kBounds) return check_bounds();
#else
  (void)check;
#endif
  return validate();
}

std::optional<std::string> Page::validate() const {
  if (auto problem = check_header()) return problem;
  return check_slots(true);
}

std::optional<std::string> Page::check_bounds() const {
  if (auto problem = check_header()) return problem;
  return check_slots(false);
}

// P1 and P2.
std::optional<std::string> Page::check_header() const {
  if (field(kMagicAt) != kMagic) return "bad magic " + std::to_string(field(kMagicAt)) + " (P1)";
  if (field(kVersionAt) != kFormatVersion)
    return "page format version " + std::to_string(field(kVersionAt)) + ", expected " +
           std::to_string(kFormatVersion) + " (P1)";
  std::size_t count = slot_count();
  std::size_t value_start = field(kValueStartAt);
  if (count > kMaxSlots || header_size() > value_start || value_start > kPageSize)
    return "header out of bounds: " + std::to_string(count) + " slots, values from byte " +
           std::to_string(value_start) + " (P2)";
  return std::nullopt;
}

namespace {

// The values of a page by where they start, to find overlaps (P4) in offset order in O(n) rather
// than sorting on every validate(): bit o of `starts_` is set when a value begins at byte o, and
// at_[o] is that value; bit w of `words_` is set when starts_[w] is not 0, so that the walk skips
// empty words. at_ is read only where a bit is set, so it is never cleared.
class ValuesByOffset {
 public:
  void add(Placed value) {
    std::uint64_t& word = starts_[value.offset / 64];
    std::uint64_t bit = std::uint64_t{1} << (value.offset % 64);
    if ((word & bit) == 0) {
      word |= bit;
      words_ |= std::uint64_t{1} << (value.offset / 64);
      at_[value.offset] = value;
    } else if (!twin_ || value.offset < twin_->offset) {
      twin_ = value;  // a second value at a taken offset: the lowest such offset is kept
    }
  }

  // The first value in offset order that starts before the one before it ends, as
  // "slot i: value overlaps slot j (P4)"; nothing when no two values overlap.
  std::optional<std::string> first_overlap() const {
    std::size_t end = 0;
    std::uint16_t previous = 0;
    for (std::uint64_t words = words_; words != 0; words &= words - 1) {
      auto w = static_cast<std::size_t>(std::countr_zero(words));
      for (std::uint64_t bits = starts_[w]; bits != 0; bits &= bits - 1) {
        const Placed& value = at_[w * 64 + static_cast<std::size_t>(std::countr_zero(bits))];
        if (end > value.offset) return overlap(value.slot, previous);
        if (twin_ && twin_->offset == value.offset) return overlap(twin_->slot, value.slot);
        end = std::size_t{value.offset} + value.length;
        previous = value.slot;
      }
    }
    return std::nullopt;
  }

 private:
  static std::string overlap(std::uint16_t slot, std::uint16_t other) {
    return "slot " + std::to_string(slot) + ": value overlaps slot " + std::to_string(other) +
           " (P4)";
  }

  static_assert(kPageSize / 64 == 64, "one bit of words_ per word of starts_");
  std::array<std::uint64_t, kPageSize / 64> starts_{};
  std::uint64_t words_ = 0;
  std::array<Placed, kPageSize> at_;
  std::optional<Placed> twin_;
};

}  // namespace

// P3-P7: every slot well formed and inside the value area, no overlap (when `overlaps`), exact
// counts. Without the overlap test, the lengths must still fit the value area: free_space() and
// compaction rely on it.
std::optional<std::string> Page::check_slots(bool overlaps) const {
  ValuesByOffset placed;
  std::size_t live = 0, live_bytes = 0, first_free = slot_count();
  auto at = [](std::size_t i) { return "slot " + std::to_string(i) + ": "; };
  for (std::size_t i = 0; i < slot_count(); ++i) {
    Slot s = slot(i);
    bool deleted = s.offset == 0 && s.length == 0;
    bool empty = s.offset == kEmptyValueOffset && s.length == 0;
    if (deleted) {
      first_free = std::min(first_free, i);
      continue;
    }
    if (s.length == 0 && !empty) return at(i) + "0-byte value not at offset 4096 (P3)";
    if (!empty && (s.offset < field(kValueStartAt) || s.offset + s.length > kPageSize))
      return at(i) + "value [" + std::to_string(s.offset) + ", " +
             std::to_string(s.offset + s.length) + ") outside the value area (P3)";
    ++live;
    live_bytes += s.length;
    if (overlaps && !empty) placed.add({s.offset, s.length, static_cast<std::uint16_t>(i)});
  }
  if (overlaps) {
    if (auto overlap = placed.first_overlap()) return overlap;
  } else if (live_bytes > kPageSize - field(kValueStartAt)) {
    return "values of " + std::to_string(live_bytes) + " bytes in a value area of " +
           std::to_string(kPageSize - field(kValueStartAt)) + " (P4)";
  }
  if (live != value_count() || live_bytes != field(kLiveBytesAt))
    return "header counts " + std::to_string(value_count()) + " values of " +
           std::to_string(field(kLiveBytesAt)) + " bytes, slots hold " + std::to_string(live) +
           " of " + std::to_string(live_bytes) + " (P5)";
  if (first_free != field(kFirstFreeAt))
    return "first free slot is " + std::to_string(first_free) + ", header says " +
           std::to_string(field(kFirstFreeAt)) + " (P6)";
  if (slot_count() > 0 && !is_live(slot_count() - 1))
    return at(slot_count() - 1) + "trailing deleted slot not trimmed (P7)";
  return std::nullopt;
}

Page::Iterator::Iterator(const Page* page, std::size_t first) : page_(page) { settle(first); }

void Page::Iterator::settle(std::size_t from) {
  std::size_t count = page_->slot_count();
  while (from < count && page_->slot(from).offset == 0) ++from;
  next_ = from;
  if (from < count)
    entry_ = {static_cast<SlotId>(from), *page_->get_value(static_cast<SlotId>(from))};
}

Page::Iterator& Page::Iterator::operator++() {
  settle(next_ + 1);
  return *this;
}

Page::Iterator Page::Iterator::operator++(int) {
  Iterator before = *this;
  ++*this;
  return before;
}

}  // namespace heapstore
