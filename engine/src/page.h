// A slotted page: exactly kPageSize bytes, in memory and on disk. The header and the slot
// directory grow from the front, values from the back (engine/doc/format.md, "Page"):
//
//   offset  size  field
//        0     4  checksum     low 32 bits of XXH3-64(bytes 4..4095, seed = page number)
//        4     2  magic        0x5048, "HP" on disk
//        6     2  version      page format version, 2
//        8     8  lsn          log sequence number of the last change (engine/doc/log_format.md)
//       16     2  slot_count   entries in the slot directory (trailing deleted slots are trimmed)
//       18     2  value_start  lowest byte used by a value; values lie in [value_start, 4096)
//       20     2  live_count   slots that hold a value
//       22     2  live_bytes   sum of the lengths of the stored values
//       24     2  first_free   lowest deleted slot, or slot_count when none is deleted
//       26   4*n  slot i: u16 offset, u16 length (deleted: 0, 0; empty value: 4096, 0)
//
//   +--------+--------+--------+-----+------------------+---------+---------+---------+
//   | header | slot 0 | slot 1 | ... |   free space ->  | value 2 | value 0 | value 1 |
//   +--------+--------+--------+-----+------------------+---------+---------+---------+
//   0        26                      header_size()      value_start                4096
//
// All integers are little-endian. Deleting a value never moves other values; the bytes it freed
// are reclaimed by compaction, lazily, when an insert or update needs them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "heapstore/ids.h"

namespace heapstore {

// Outcome of Page::update_value.
enum class UpdateResult {
  kUpdated,     // the slot now holds the new value
  kNoSuchSlot,  // the slot was never issued or is deleted
  kNoRoom,      // the new value does not fit in this page; the old value is unchanged
};

class Page {
 public:
  static constexpr std::size_t kHeaderSize = 26;
  static constexpr std::uint16_t kFormatVersion = 2;
  static constexpr std::size_t kSlotSize = 4;
  // Largest value a page can hold: an empty page minus its header and one slot entry.
  static constexpr std::size_t kMaxValueSize = kPageSize - kHeaderSize - kSlotSize;

  // One value met by iteration; `value` views the page's bytes.
  struct Entry {
    SlotId slot;
    std::string_view value;
  };

  // Forward iterator over the live values in ascending slot order. Valid until the page changes.
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = const Entry*;
    using reference = const Entry&;

    Iterator() = default;
    const Entry& operator*() const { return entry_; }
    const Entry* operator->() const { return &entry_; }
    Iterator& operator++();
    Iterator operator++(int);
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.next_ == b.next_; }

   private:
    friend class Page;
    Iterator(const Page* page, std::size_t first);
    void settle(std::size_t from);  // moves to the first live slot at or after `from`

    const Page* page_ = nullptr;
    std::size_t next_ = 0;  // slot of entry_ (slot_count() at the end)
    Entry entry_{};
  };

  // An empty page: no slots, kPageSize - kHeaderSize bytes free.
  Page();

  // Stores `value` in the lowest free slot (or a new one) and returns its slot id; nothing when it
  // cannot fit, counting the 4-byte slot entry it needs unless a deleted slot is reused. Compacts
  // the page first when the free bytes are scattered. `value` may view this page's own bytes.
  std::optional<SlotId> add_value(std::string_view value) {
    // Inline around a plain int: GCC 12 returns an optional<SlotId> from an out-of-line call
    // through the stack and reloads it with a load wider than its two stores, which store
    // forwarding cannot serve; that stall was a sixth of an insert.
    const int slot = add_value_slot(value);
    if (slot < 0) return std::nullopt;
    return static_cast<SlotId>(slot);
  }

  // The value in `slot`, or nothing when the slot is deleted or was never issued. The view lives
  // until this page is next changed.
  std::optional<std::string_view> get_value(SlotId slot) const;

  // Deletes the value in `slot` without moving any other value; false when there is none.
  bool delete_value(SlotId slot);

  // Replaces the value in `slot`, keeping the slot id, in place whenever the new value fits in
  // this page (compacting if needed). On kNoRoom or kNoSuchSlot the page is unchanged.
  UpdateResult update_value(SlotId slot, std::string_view value);

  // The log sequence number of the last logged change (0 for a page never logged), and setting
  // it; the log decides when a page needs a full image (log_format.md).
  std::uint64_t lsn() const;
  void set_lsn(std::uint64_t lsn);

  // Bytes not used by the header, the slot directory or values:
  // kPageSize - header_size() - sum of stored value lengths.
  std::size_t free_space() const;
  // Header plus slot directory: kHeaderSize + kSlotSize * slot_count().
  std::size_t header_size() const;
  // Entries in the slot directory, deleted ones included (trailing deleted ones are trimmed).
  std::size_t slot_count() const;
  // Slots that hold a value.
  std::size_t value_count() const;
  // Length of the largest value add_value would accept now; 0 also when it would accept none,
  // not even an empty value (fits(0) tells the two apart).
  std::size_t max_insert_size() const;
  // Whether add_value would accept a value of `size` bytes now.
  bool fits(std::size_t size) const;

  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, slot_count()); }

  // Writes the checksum for page number `page_no` into the page and returns its kPageSize bytes,
  // which stay valid (and this exact image) until the page is next changed. Deterministic: the
  // same page state gives the same bytes.
  std::span<const std::byte, kPageSize> encode(PageNo page_no);

  // Decodes an untrusted image read as page `page_no`: checks the checksum (skipped in fuzzing
  // builds) and every invariant, never reading outside `bytes`. Throws Error(kCorruption) whose
  // message names the page and, where one is at fault, the slot.
  static Page decode(std::span<const std::byte, kPageSize> bytes, PageNo page_no);

  // Checks every numbered page invariant of engine/doc/format.md; returns a description of the
  // first one broken ("slot 3: value [4000, 4100) ends past the page"), or nothing when valid.
  std::optional<std::string> validate() const;

  // How much of the page verify() checks besides the checksum.
  enum class Check : std::uint8_t {
    kFull,    // validate(): P1-P7, for `heapstore check`, decode and the fuzzers
    kBounds,  // check_bounds(); in debug builds validate() as well
  };

  // Checksum for `page_no` (P8), then `check`; for images loaded in place through raw().
  std::optional<std::string> verify(PageNo page_no, Check check = Check::kFull) const;

  // P1-P3 and P5-P7, and that the values' lengths fit the value area, in one pass over the slots
  // without P4's overlap test: what a page read into the buffer pool gets. A page that passes
  // may give wrong bytes for overlapping values, but no operation on it reads or writes outside
  // the page. Returns the first problem found, like validate().
  std::optional<std::string> check_bounds() const;

  // The header fields as stored (format.md, "Page"), for inspecting any image, valid or not.
  struct Header {
    std::uint32_t checksum;
    std::uint16_t magic, version;
    std::uint64_t lsn;
    std::uint16_t slot_count, value_start, live_count, live_bytes, first_free;
  };
  Header header() const;

  // Slot entry `index` as stored: {offset, length}; nothing when the entry would lie outside
  // the page. For inspecting any image, valid or not.
  std::optional<std::pair<std::uint16_t, std::uint16_t>> slot_entry(std::size_t index) const;

  // The page's own bytes, for reading an image from disk straight into it; verify() it after.
  std::span<std::byte, kPageSize> raw() { return bytes_; }
  std::span<const std::byte, kPageSize> raw() const { return bytes_; }

 private:
  struct Slot {
    std::uint16_t offset;
    std::uint16_t length;
  };

  int add_value_slot(std::string_view value);  // add_value's work; -1 for nothing
  std::uint16_t field(std::size_t offset) const;
  void set_field(std::size_t offset, std::uint16_t value);
  Slot slot(std::size_t index) const;
  void set_slot(std::size_t index, Slot s);
  bool is_live(std::size_t index) const;
  std::size_t contiguous_free() const;
  std::uint16_t place(std::string_view value);  // copies value below value_start, returns offset
  void compact();
  void trim_trailing_deleted();
  std::size_t next_free_after(std::size_t index) const;
  std::optional<std::string> check_slots(bool overlaps) const;
  std::optional<std::string> check_header() const;

  alignas(64) std::array<std::byte, kPageSize> bytes_;
};

static_assert(sizeof(Page) == kPageSize, "a Page is exactly one on-disk page");

}  // namespace heapstore
