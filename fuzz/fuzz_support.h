// Support shared by the fuzz targets: the failure check, deterministic values and sizes chosen to
// hit the edges, a page driven against a std::map model (page_ops, page_decode), and checks of a
// store's values and of its files (heap_file, storage_manager). Invariant numbers (P1-P8, H1-H3,
// F1-F2, C1-C4) are those of engine/doc/format.md.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <map>
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

// Deterministic pseudo-random bytes (zero bytes included); different tags give different values.
std::string make_value(std::size_t size, std::uint32_t tag);

// A value size: small, medium or any up to Page::kMaxValueSize, sometimes `fits` +-2 (a size at
// the edge of what the page or store takes now) and sometimes over the maximum.
std::size_t pick_size(FuzzedDataProvider& in, std::size_t fits);

// The slot entry {offset, length} of slot `index`, read from the page's bytes as format.md lays
// them out (not through Page), so that the fuzzers check the layout itself.
std::pair<std::uint16_t, std::uint16_t> slot_entry(const Page& page, std::size_t index);

// One Page driven by fuzz input and checked after every step against a std::map of its values.
class PageModel {
 public:
  // Starts from `page` (empty, or decoded from an untrusted image), taking its values as the model.
  explicit PageModel(const Page& page);

  // Runs up to `max_steps` operations (add, get, update, delete, encode/decode) chosen by `in`,
  // calling check() after each.
  void run(FuzzedDataProvider& in, std::size_t max_steps);

  // P1-P7 (validate()), exact free space and counts (P5), the lowest deleted slot (P6), trimmed
  // directory (P7), max_insert_size(), and iteration and get_value() against the model.
  void check() const;

 private:
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
  SlotId lowest_free() const;  // where add_value must put the next value
  std::size_t slot_count() const;
  std::size_t free_space() const;
  std::size_t max_insert() const;  // what max_insert_size() must say

  Page page_;
  std::map<SlotId, std::string> values_;
  std::size_t bytes_ = 0;  // sum of the lengths in values_
  std::uint32_t tag_ = 0;
};

// --- Stores -------------------------------------------------------------------------------------

// What a store (or one heap file) should hold, in ValueId order, which is scan order.
using Values = std::map<ValueId, std::string>;
using Scanned = std::vector<std::pair<ValueId, std::string>>;

// The values of container `c` in `values`, in scan order.
Scanned values_of(const Values& values, ContainerId c);

// Fails unless `got` (a scan of container `c`) is exactly values_of(expected, c); `where` names
// the step in the message.
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
