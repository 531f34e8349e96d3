// heap_file_fuzzer: inserts, updates (moving values that outgrow their page), deletes and gets
// over the pages of one HeapFile on the in-memory file system, through a BufferPool of 2-4 frames
// (so most steps evict), with the free-space map kept as the storage manager keeps it; flushes,
// cache clears, clean reopens and crashes (dirty pages lost, the file's tail torn) in between.
// Every find() answers what F1/F2 promise (the last page found if it still has room, else the
// lowest-numbered page with room). After every step, each page the step touched has a free-space
// entry equal to its max_insert_size() (F1) and holds exactly the model's values for it; a value
// is also checked before an update or delete replaces it. Every page is checked so (a scan of the
// whole file against the model) every kFullCheckEvery steps, before a crash (what survives it
// becomes the model), after a reopen and at the end: a scan after every step cost most of the
// time. A scan through a pool of 2-4 frames writes back nearly every dirty page, so a crash still
// finds few to drop, as it did when every step was followed by a scan.
#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "fuzz_support.h"
#include "heapstore/buffer_pool.h"
#include "heapstore/error.h"
#include "heapstore/heap_file.h"

namespace {

using namespace heapstore;
using namespace heapstore::fuzz;

constexpr ContainerId kContainer = 7;
constexpr PageNo kMaxPages = 16;  // keeps a scan of the whole file cheap
constexpr std::size_t kMaxSteps = 128;
constexpr std::size_t kFullCheckEvery = 8;
const std::string kPath = "/heap/c7.heap";

class HeapFileFuzzer {
 public:
  explicit HeapFileFuzzer(FuzzedDataProvider& in)
      : in_(in), pool_(in.ConsumeIntegralInRange<std::size_t>(2, 4)) {
    fs_.create_directories("/heap");
    open_file();
  }

  void run() {
    using Step = void (HeapFileFuzzer::*)();
    static constexpr Step kSteps[] = {&HeapFileFuzzer::insert, &HeapFileFuzzer::insert,
                                      &HeapFileFuzzer::insert, &HeapFileFuzzer::update,
                                      &HeapFileFuzzer::update, &HeapFileFuzzer::remove,
                                      &HeapFileFuzzer::get,    &HeapFileFuzzer::flush,
                                      &HeapFileFuzzer::reopen, &HeapFileFuzzer::crash};
    bool all_checked = false;
    for (std::size_t step = 0; step < kMaxSteps && in_.remaining_bytes() > 0; ++step) {
      touched_.clear();
      check_all_ = false;
      (this->*in_.PickValueInArray(kSteps))();
      all_checked = check_all_ || (step + 1) % kFullCheckEvery == 0;
      all_checked ? check() : check_touched();
    }
    if (!all_checked) check();
  }

 private:
  std::string next_value(std::size_t fits) {
    return make_value(std::min(pick_size(in_, fits), Page::kMaxValueSize), ++tag_);
  }

  // A HeapFile over the file's whole pages (H3), its free-space map rebuilt from the pages.
  void open_file() {
    auto raw = fs_.open(kPath, true);
    PageNo pages = HeapFile::pages_in(*raw);
    file_ = std::make_unique<HeapFile>(kContainer, std::move(raw), pages);
    for (PageNo p = 0; p < pages; ++p)
      file_->free_space_map().append(
          static_cast<std::uint16_t>(pool_.fetch_read(*file_, p).page().max_insert_size()));
    last_found_ = 0;
  }

  // What find(size) must answer: the last page found while it has room, else the lowest one. An
  // entry of 0 may mean "takes nothing", so a 0-byte value is looked up as 1 byte (heap_file.h).
  std::optional<PageNo> expected_find(std::size_t size) const {
    size = std::max<std::size_t>(size, 1);
    std::vector<std::uint16_t> entries = file_->free_space_map().entries();
    if (last_found_ < entries.size() && entries[last_found_] >= size) return last_found_;
    for (PageNo p = 0; p < entries.size(); ++p)
      if (entries[p] >= size) return p;
    return std::nullopt;
  }

  // As StorageManager adds a value: a page the free-space map offers, else a new page.
  std::optional<ValueId> add(std::string_view value) {
    FreeSpaceMap& map = file_->free_space_map();
    std::optional<PageNo> want = expected_find(value.size());
    std::optional<PageNo> found = map.find(value.size());
    HS_FUZZ_CHECK(found == want, "find(" + std::to_string(value.size()) + ") answered page " +
                                     (found ? std::to_string(*found) : "none") + " (F1, F2)");
    if (found) {
      last_found_ = *found;
      touched_.push_back(*found);
      WritePageGuard guard = pool_.fetch_write(*file_, *found);
      std::optional<SlotId> slot = guard.page().add_value(value);
      HS_FUZZ_CHECK(slot.has_value(), "page " + std::to_string(*found) + " refused " +
                                          std::to_string(value.size()) +
                                          " bytes its free-space entry promised (F1)");
      map.set(*found, static_cast<std::uint16_t>(guard.page().max_insert_size()));
      return ValueId{kContainer, *found, *slot};
    }
    if (file_->page_count() >= kMaxPages) return std::nullopt;
    PageNo page_no = file_->allocate_page();
    touched_.push_back(page_no);
    map.append(static_cast<std::uint16_t>(Page().max_insert_size()));
    WritePageGuard guard = pool_.create_page(*file_, page_no);
    std::optional<SlotId> slot = guard.page().add_value(value);
    HS_FUZZ_CHECK(slot.has_value(), "an empty page refused " + std::to_string(value.size()));
    map.set(page_no, static_cast<std::uint16_t>(guard.page().max_insert_size()));
    return ValueId{kContainer, page_no, *slot};
  }

  void insert() {
    std::vector<std::uint16_t> entries = file_->free_space_map().entries();
    std::string value = next_value(entries.empty() ? 0 : *std::ranges::max_element(entries));
    if (auto id = add(value)) values_.emplace(*id, std::move(value));
  }

  void update() {
    ValueId id = pick_id(in_, values_, kContainer);
    if (id.page >= file_->page_count()) return;
    auto it = values_.find(id);
    WritePageGuard guard = pool_.fetch_write(*file_, id.page);
    touched_.push_back(id.page);
    expect_value(guard.page(), id);  // what the update replaces is still the model's
    std::size_t old = it == values_.end() ? 0 : it->second.size();
    std::string value = next_value(guard.page().free_space() + old);
    std::size_t room = guard.page().free_space() + old;
    UpdateResult result = guard.page().update_value(id.slot, value);
    file_->free_space_map().set(id.page,
                                static_cast<std::uint16_t>(guard.page().max_insert_size()));
    if (it == values_.end()) {
      HS_FUZZ_CHECK(result == UpdateResult::kNoSuchSlot, "update of " + to_string(id));
    } else if (result == UpdateResult::kUpdated) {
      it->second = std::move(value);
    } else {  // it no longer fits its page: store it elsewhere, then delete the old copy
      HS_FUZZ_CHECK(result == UpdateResult::kNoRoom && room < value.size(),
                    "update of " + std::to_string(value.size()) + " bytes with room for " +
                        std::to_string(room));
      guard.release();
      std::optional<ValueId> moved = add(value);
      if (!moved) return;
      guard = pool_.fetch_write(*file_, id.page);
      HS_FUZZ_CHECK(guard.page().delete_value(id.slot), "moved-from value vanished");
      file_->free_space_map().set(id.page,
                                  static_cast<std::uint16_t>(guard.page().max_insert_size()));
      values_.erase(it);
      values_.emplace(*moved, std::move(value));
    }
  }

  void remove() {
    ValueId id = pick_id(in_, values_, kContainer);
    if (id.page >= file_->page_count()) return;
    WritePageGuard guard = pool_.fetch_write(*file_, id.page);
    touched_.push_back(id.page);
    expect_value(guard.page(), id);  // a value is checked before a delete can erase it
    HS_FUZZ_CHECK(guard.page().delete_value(id.slot) == values_.contains(id),
                  "delete of " + to_string(id));
    file_->free_space_map().set(id.page,
                                static_cast<std::uint16_t>(guard.page().max_insert_size()));
    values_.erase(id);
  }

  void get() {
    ValueId id = pick_id(in_, values_, kContainer);
    if (id.page >= file_->page_count()) return;
    ReadPageGuard guard = pool_.fetch_read(*file_, id.page);
    expect_value(guard.page(), id);
  }

  // get_value() of `id` on its page, against the model.
  void expect_value(const Page& page, ValueId id) const {
    auto value = page.get_value(id.slot);
    auto it = values_.find(id);
    HS_FUZZ_CHECK(value.has_value() == (it != values_.end()) && (!value || *value == it->second),
                  "get of " + to_string(id));
  }

  // Writes back this file's dirty pages, or every page (then empties the pool).
  void flush() { in_.ConsumeBool() ? pool_.flush(*file_) : pool_.clear(); }

  // Flushed, then reopened: every allocated page was written, so the file's whole pages are
  // exactly the pages (H1, H3).
  void reopen() {
    check_all_ = true;  // what was written must read back
    PageNo pages = file_->page_count();
    pool_.flush(*file_);
    pool_.discard(*file_);
    HS_FUZZ_CHECK(file_->bytes_on_disk() / kPageSize == pages,
                  "flushed file of " + std::to_string(file_->bytes_on_disk()) + " bytes for " +
                      std::to_string(pages) + " pages (H1)");
    open_file();
  }

  // Dirty pages are lost and maybe the file's last page is torn: pages never written read as
  // empty (H2), a partial last page is dropped (H3); what survives becomes the model. Recovery
  // cuts the file back to whole pages, as it must for H2 to hold once later pages are written
  // past a dropped one (fuzz/README.md, "Known bugs", torn-tail).
  void crash() {
    check();  // the state the crash loses or keeps must have been right
    pool_.discard(*file_);
    std::uint64_t length = file_->bytes_on_disk();
    file_.reset();
    if (length > 0 && in_.ConsumeBool()) {
      length -= std::min(length, in_.ConsumeIntegralInRange<std::uint64_t>(1, kPageSize - 1));
      fs_.resize(kPath, length / kPageSize * kPageSize);
    }
    open_file();
    values_.clear();
    for (PageNo p = 0; p < file_->page_count(); ++p) {
      ReadPageGuard guard = pool_.fetch_read(*file_, p);
      for (const Page::Entry& e : guard.page())
        values_.emplace(ValueId{kContainer, p, e.slot}, std::string(e.value));
    }
  }

  // Every page against the model, and no model value past the last page.
  void check() {
    HS_FUZZ_CHECK(file_->free_space_map().page_count() == file_->page_count(), "map size");
    for (PageNo p = 0; p < file_->page_count(); ++p) check_page(p);
    HS_FUZZ_CHECK(values_.empty() || values_.rbegin()->first.page < file_->page_count(),
                  "scan: missing " + to_string(values_.rbegin()->first));
  }

  void check_touched() {
    HS_FUZZ_CHECK(file_->free_space_map().page_count() == file_->page_count(), "map size");
    for (PageNo p : touched_)
      if (p < file_->page_count()) check_page(p);
  }

  // Page `p`: its free-space entry (F1) and its values, compared in place; copies are made only
  // to describe a difference.
  void check_page(PageNo p) {
    ReadPageGuard guard = pool_.fetch_read(*file_, p);
    std::uint16_t entry = file_->free_space_map().get(p);
    HS_FUZZ_CHECK(entry == guard.page().max_insert_size(),
                  "page " + std::to_string(p) + ": free-space entry " + std::to_string(entry) +
                      ", page takes " + std::to_string(guard.page().max_insert_size()) + " (F1)");
    auto want = values_.lower_bound({kContainer, p, 0});
    for (const Page::Entry& e : guard.page()) {
      if (want == values_.end() || want->first != ValueId{kContainer, p, e.slot} ||
          want->second != e.value)
        describe_difference(guard.page(), p);
      ++want;
    }
    if (want != values_.end() && want->first.page == p) describe_difference(guard.page(), p);
  }

  [[noreturn]] void describe_difference(const Page& page, PageNo p) const {
    Values expected(values_.lower_bound({kContainer, p, 0}),
                    values_.lower_bound({kContainer, p + 1, 0}));
    Scanned scanned;
    for (const Page::Entry& e : page)
      scanned.emplace_back(ValueId{kContainer, p, e.slot}, std::string(e.value));
    expect_scan(expected, kContainer, scanned, "scan of page " + std::to_string(p));
    fail("page " + std::to_string(p) + " differs from the model");
  }

  FuzzedDataProvider& in_;
  MemoryFileSystem fs_;
  BufferPool pool_;
  std::unique_ptr<HeapFile> file_;
  Values values_;
  PageNo last_found_ = 0;
  std::uint32_t tag_ = 0;
  std::vector<PageNo> touched_;  // pages the current step changed or read
  bool check_all_ = false;       // the current step wants every page checked after it
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  HeapFileFuzzer(in).run();
  return 0;
}
