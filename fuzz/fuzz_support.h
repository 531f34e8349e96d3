// Support shared by the fuzz targets: the failure check, deterministic values and sizes chosen to
// hit the edges, a page driven against a std::map model (page_ops, page_decode), and checks of a
// store's values and of its files (heap_file, storage_manager). Invariant numbers (P1-P8, H1-H3,
// F1-F2, C1-C4) are those of engine/doc/format.md.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "heapstore/ids.h"
#include "memory_file_system.h"
#include "page.h"

namespace heapstore::fuzz {

using testing::MemoryFileSystem;  // engine/testing/memory_file_system.h

// Prints `what` and aborts, so that libFuzzer (or the replay driver) reports the input.
[[noreturn]] void fail(const std::string& what);

// Fails with the condition's text and `message` (only built when the check fails).
#define HS_FUZZ_CHECK(condition, message)                                                  \
  do {                                                                                     \
    if (!(condition)) ::heapstore::fuzz::fail(std::string(#condition) + ": " + (message)); \
  } while (0)

// Whether the engine bug `id` is to be stepped around: HEAPSTORE_FUZZ_TOLERATE lists ids, comma
// separated (fuzz/README.md, "Known bugs"), so that fuzzing goes on past a bug that is reported but
// not yet fixed. Unset (ctest, ci.sh), every check is strict.
bool tolerated(std::string_view id);

// Deterministic pseudo-random bytes (zero bytes included); different tags give different values
// (any two tags fewer than 65521 apart). `size` is at most 2 * kPageSize (more than pick_size()
// gives). The view is of a fixed block of bytes that lives as long as the program, so making a
// value costs no allocation and no loop.
std::string_view value_bytes(std::size_t size, std::uint32_t tag);

// value_bytes() as a string of its own.
std::string make_value(std::size_t size, std::uint32_t tag);

// A value size: small, medium or any up to Page::kMaxValueSize, sometimes `fits` +-2 (a size at
// the edge of what the page or store takes now) and sometimes over the maximum.
std::size_t pick_size(FuzzedDataProvider& in, std::size_t fits);

// The slot entry {offset, length} of slot `index`, read from the page's bytes as format.md lays
// them out (not through Page), so that the fuzzers check the layout itself.
std::pair<std::uint16_t, std::uint16_t> slot_entry(const Page& page, std::size_t index);

// One Page driven by fuzz input and checked against a model of its values. After every step:
// validate() (P1-P7), the header's counts against the model (P5-P7, max_insert_size()) and the
// value of the slot the step touched (before and after). Everything, every value through
// iteration and get_value() included, after a step that may move values (compaction, decode), every
// kFullCheckEvery steps and at the end, so a corrupted value is caught before a step can erase it.
class PageModel {
 public:
  // Starts from `page` (empty, or decoded from an untrusted image), taking its values as the model.
  explicit PageModel(const Page& page);

  // Runs up to `max_steps` operations (add, get, update, delete, encode/decode) chosen by `in`.
  void run(FuzzedDataProvider& in, std::size_t max_steps);

  // P1-P7 (validate()), exact free space and counts (P5), the lowest deleted slot (P6), trimmed
  // directory (P7), max_insert_size(), and iteration and get_value() against the model.
  void check() const;

 private:
  static constexpr std::size_t kFullCheckEvery = 16;
  static constexpr std::size_t kLiveWords = 16;  // bits for 1024 slots; a page has at most 1020

  void add(FuzzedDataProvider& in);
  void add_view(FuzzedDataProvider& in);
  void add_checked(std::string_view value);
  void update(FuzzedDataProvider& in);
  void update_view(FuzzedDataProvider& in);
  void update_checked(SlotId slot, std::string_view value);
  void remove(FuzzedDataProvider& in);
  void round_trip(FuzzedDataProvider& in);
  SlotId pick_slot(FuzzedDataProvider& in) const;
  std::string_view page_bytes(FuzzedDataProvider& in) const;  // a view of the page's own bytes
  void check_counts() const;                   // validate() and the header against the model
  void check_slot(std::size_t slot) const;     // get_value(slot) against the model
  void check_values() const;                   // iteration and get_value() of every slot
  bool may_compact(std::size_t needed) const;  // placing `needed` bytes may move other values

  // The model: which slots are live and their values.
  bool live(std::size_t slot) const;
  std::size_t nth_live(std::size_t n) const;      // the live slot with n live slots before it
  std::size_t next_live(std::size_t from) const;  // the first live slot >= from, or 1024
  void store(SlotId slot, std::string& value);    // takes `value`'s bytes (swapped out)
  void erase(SlotId slot);
  SlotId lowest_free() const;       // where add_value must put the next value
  std::size_t slot_count() const;   // slot_count_
  std::size_t count_slots() const;  // slot_count() from the live slots
  std::size_t free_space() const;
  std::size_t max_insert() const;  // what max_insert_size() must say

  Page page_;
  std::array<std::uint64_t, kLiveWords> live_{};  // bit s of word s / 64: slot s holds a value
  std::vector<std::string> values_;  // by slot; a deleted slot's string keeps its capacity
  std::string scratch_;              // the next value, copied before the page changes
  std::size_t count_ = 0;            // live slots
  std::size_t slot_count_ = 0;       // one past the highest live slot
  std::size_t bytes_ = 0;            // sum of the lengths of the live values
  std::uint32_t tag_ = 0;
  std::optional<SlotId> touched_;  // the slot the last step changed or read
  bool moved_ = false;             // the last step may have moved values
};

// --- Stores -------------------------------------------------------------------------------------

// What a store (or one heap file) should hold, in ValueId order, which is scan order.
using Values = std::map<ValueId, std::string>;
using Scanned = std::vector<std::pair<ValueId, std::string>>;

// Fails unless `got` (a scan of container `c`) is exactly the values of container `c` in
// `expected`, in scan order; `where` names the step in the message.
void expect_scan(const Values& expected, ContainerId c, const Scanned& got, std::string_view where);

// A live id of `values` chosen by `in`, or (sometimes, or when there is none) an id that names no
// value: a deleted slot, a page past the end, an unknown container.
ValueId pick_id(FuzzedDataProvider& in, const Values& values, ContainerId container);

// Checks a store in `dir` right after a checkpoint (close, clear_cache, checkpoint) against
// format.md and log_format.md: C1 (checksum, magic, version 2, flags, exact length), C2
// (ascending ids == `containers`, each with its file), the log it names holding no operation and
// the directory nothing else (L5, L7), and C4: each page count is floor(file length / 4096) (H1,
// H3), each page image is sealed (P8) and valid (P1-P7) or all zero (H2), each free-space entry
// equals the page's max_insert_size() (F1) and the live counts match the pages. When `expected`
// is given the pages must hold exactly those values.
void check_store_files(const MemoryFileSystem& fs, const std::string& dir,
                       const std::set<ContainerId>& containers, const Values* expected);

}  // namespace heapstore::fuzz
