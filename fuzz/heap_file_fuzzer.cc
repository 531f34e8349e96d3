// heap_file_fuzzer: drives heapstore::Heap (engine/src/heap.h), the engine's own placement layer,
// over one HeapFile on the in-memory file system, behind a BufferPool of 3-6 frames (so most steps
// evict) and a Log (Durability::kNone; its file keeps only its length) made durable before any
// page is written back. Steps: inserts, batches, updates (moving values that outgrow their page),
// deletes and gets of live and dead ids, guards held while other pages are fetched, flushes,
// checkpoints, clean reopens (Heap::load with the free-space entries and counts kept) and crashes
// (dirty pages lost, the file's tail torn; Heap::rebuild from the pages left).
//
// After every step: each free-space entry equals its page's max_insert_size() (F1), the live
// counts match, no page on disk is ahead of the durable log (log_format.md L2), and each page the
// step changed (and any new page) is valid (P1-P7) and holds exactly the model's values there.
// At least every kFullCheckEvery steps, before a crash, after a reopen or crash and at the end,
// every page is (a scan through Heap::copy_page), which catches a change to a page no step named.
// An insert or a moving update makes a new page only when no page had room, so freed space is
// reused; an insert right after every reopen and crash checks that again.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "buffer_pool.h"
#include "fuzz_support.h"
#include "heap.h"
#include "heap_file.h"
#include "heapstore/error.h"
#include "log.h"

namespace {

using namespace heapstore;
using namespace heapstore::fuzz;

constexpr ContainerId kContainer = 7;
constexpr PageNo kMaxPages = 16;  // keeps the check after every step cheap
constexpr std::size_t kMaxSteps = 128;
constexpr std::size_t kFullCheckEvery = 8;
const std::string kDir = "/heap";
const std::string kPath = "/heap/c7.heap";

// Runs `call`; true when it threw Error(kNotFound). Any other error escapes and fails the input.
template <typename Call>
bool not_found(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
    return true;
  }
  return false;
}

// Where the log writes. This fuzzer never reads its log back (replaying it is recovery's business,
// checked by storage_manager_fuzzer), so a log file keeps only its length: the log encodes and
// writes every frame as before, but keeping each twice on a MemoryFileSystem (what reads see and
// what a crash would keep) was a fifth of the run. Every open is a new, empty file.
class LengthOnlyFileSystem final : public FileSystem {
  class LengthOnlyFile final : public File {
   public:
    explicit LengthOnlyFile(std::string path) : path_(std::move(path)) {}
    std::size_t read_at(std::uint64_t, std::span<std::byte>) override { return 0; }
    void write_at(std::uint64_t offset, std::span<const std::byte> data) override {
      if (!data.empty()) size_ = std::max(size_, offset + data.size());
    }
    std::uint64_t size() override { return size_; }
    void truncate(std::uint64_t length) override { size_ = length; }
    void sync() override {}
    const std::string& path() const override { return path_; }

   private:
    std::string path_;
    std::uint64_t size_ = 0;
  };

 public:
  std::unique_ptr<File> open(const std::string& path, bool) override {
    return std::make_unique<LengthOnlyFile>(path);
  }
  bool exists(const std::string&) override { return false; }
  void remove(const std::string&) override {}
  void rename(const std::string&, const std::string&) override {}
  void create_directories(const std::string&) override {}
  std::vector<std::string> list(const std::string&) override { return {}; }
  void sync_directory(const std::string&) override {}
  std::unique_ptr<FileLock> lock(const std::string&) override {
    return std::make_unique<FileLock>();
  }
};

class HeapFuzzer {
 public:
  explicit HeapFuzzer(FuzzedDataProvider& in)
      : in_(in),
        log_(log_fs_, kDir, Durability::kNone),
        pool_(in.ConsumeIntegralInRange<std::size_t>(3, 6)),
        keep_cursor_(in.ConsumeBool()) {
    fs_.create_directories(kDir);
    log_.start_file(1, 0);
    pool_.set_before_write_back([this](std::uint64_t end) { log_.make_durable(end); });
    open(0);
    disk_ = fs_.open(kPath, false);
  }
  ~HeapFuzzer() { close(); }

  void run() {
    using Step = void (HeapFuzzer::*)();
    static constexpr Step kSteps[] = {
        &HeapFuzzer::insert, &HeapFuzzer::insert,      &HeapFuzzer::insert_many,
        &HeapFuzzer::update, &HeapFuzzer::update,      &HeapFuzzer::remove,
        &HeapFuzzer::get,    &HeapFuzzer::hold_guards, &HeapFuzzer::flush,
        &HeapFuzzer::reopen, &HeapFuzzer::crash};
    for (std::size_t step = 1; step <= kMaxSteps && in_.remaining_bytes() > 0; ++step) {
      (this->*in_.PickValueInArray(kSteps))();
      check(++unscanned_steps_ >= kFullCheckEvery ? Scope::kAll : Scope::kTouched);
    }
    check(Scope::kAll);
  }

 private:
  void open(PageNo pages) {
    heap_ = std::make_unique<Heap>(
        std::make_unique<HeapFile>(kContainer, fs_.open(kPath, true), pages), pool_, log_);
    heap_->set_keep_cursor(keep_cursor_);
  }

  // Unpins the cursor and drops the heap's frames without writing them back.
  void close() {
    heap_->release_cursor();
    pool_.discard(heap_->file());
    heap_.reset();
  }

  std::string next_value(std::size_t fits) {
    return make_value(std::min(pick_size(in_, fits), Page::kMaxValueSize), ++tag_);
  }

  // Page `p` may have changed: the next check() reads it.
  void touch(PageNo p) { touched_.push_back(p); }

  // The largest value some page takes, as the last check() saw the pages.
  std::size_t largest_room() const { return rooms_.empty() ? 0 : std::ranges::max(rooms_); }

  // Whether a value of `size` bytes could need a new page past kMaxPages: then it is skipped.
  bool too_many_pages(std::size_t size) const {
    return heap_->file().page_count() >= kMaxPages &&
           largest_room() < std::max<std::size_t>(size, 1);
  }

  // Runs `change` (storing a value of `size` bytes) and checks that it took a new page only when
  // no page had room for the value, judged from the pages rather than the free-space map, so that
  // this holds apart from F1 (freed space is reused). A 0-byte value is looked up as 1 byte.
  template <typename Change>
  ValueId placed(std::size_t size, Change&& change) {
    HS_FUZZ_CHECK(rooms_.size() == heap_->file().page_count(), "a page unseen by check()");
    const ValueId id = change();
    HS_FUZZ_CHECK(id.container == kContainer && id.page <= rooms_.size(), to_string(id));
    const std::size_t lookup = std::max<std::size_t>(size, 1);
    HS_FUZZ_CHECK(id.page < rooms_.size() ||
                      std::ranges::none_of(rooms_, [&](auto r) { return r >= lookup; }),
                  std::to_string(size) + " bytes went to new page " + std::to_string(id.page) +
                      " while a page had room (F1)");
    touch(id.page);
    return id;
  }

  void insert() {
    std::string value = next_value(largest_room());
    if (too_many_pages(value.size())) return;
    ValueId id = placed(value.size(), [&] { return heap_->insert(value); });
    HS_FUZZ_CHECK(values_.emplace(id, std::move(value)).second,
                  "insert reused live " + to_string(id));
  }

  void insert_many() {
    std::vector<std::string> values(in_.ConsumeIntegralInRange(1, 4));
    if (heap_->file().page_count() + values.size() > kMaxPages) return;
    for (std::string& v : values) v = next_value(largest_room());
    std::vector<std::string_view> views(values.begin(), values.end());
    std::vector<ValueId> ids = heap_->insert_many(views);
    HS_FUZZ_CHECK(ids.size() == values.size(), "insert_many of " + std::to_string(values.size()));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      HS_FUZZ_CHECK(values_.emplace(ids[i], std::move(values[i])).second, to_string(ids[i]));
      touch(ids[i].page);
    }
  }

  // An id of another container is the storage manager's business: it never reaches this heap.
  std::optional<ValueId> pick() {
    ValueId id = pick_id(in_, values_, kContainer);
    return id.container == kContainer ? std::optional(id) : std::nullopt;
  }

  void update() {
    std::optional<ValueId> id = pick();
    if (!id) return;
    auto it = values_.find(*id);
    if (it == values_.end()) {
      HS_FUZZ_CHECK(not_found([&] { heap_->update(*id, "x"); }), "update of " + to_string(*id));
      return;
    }
    Page page;
    HS_FUZZ_CHECK(heap_->copy_page(id->page, page), "page of " + to_string(*id));
    std::string value = next_value(page.free_space() + it->second.size());  // room in place
    if (value.size() > page.free_space() + it->second.size() && too_many_pages(value.size()))
      return;
    ValueId moved = placed(value.size(), [&] { return heap_->update(*id, value); });
    touch(id->page);
    values_.erase(it);
    HS_FUZZ_CHECK(values_.emplace(moved, std::move(value)).second,
                  "moved onto " + to_string(moved));
  }

  void remove() {
    if (std::optional<ValueId> id = pick()) {
      HS_FUZZ_CHECK(not_found([&] { heap_->erase(*id); }) != values_.contains(*id),
                    "delete of " + to_string(*id));
      values_.erase(*id);
      touch(id->page);
    }
  }

  void get() {
    std::optional<ValueId> id = pick();
    if (!id) return;
    auto it = values_.find(*id);
    std::string out;
    HS_FUZZ_CHECK(not_found([&] { heap_->get(*id, out); }) == (it == values_.end()),
                  "get of " + to_string(*id));
    HS_FUZZ_CHECK(it == values_.end() || out == it->second, "get of " + to_string(*id));
  }

  void hold_guards();
  void flush();
  void reopen();
  void crash();
  void probe_reuse();
  // What check() reads: the pages touched since the last check and new pages, every page, or
  // every page with the model taken from them (after a crash, what survived is the model).
  enum class Scope { kTouched, kAll, kAdopt };
  void check(Scope scope);
  void check_page(PageNo p, Page& page, bool adopt);
  void check_disk() const;
  void expect_page_holds(PageNo p, const Page& page, std::string_view when) const;

  FuzzedDataProvider& in_;
  MemoryFileSystem fs_;
  LengthOnlyFileSystem log_fs_;
  Log log_;
  BufferPool pool_;
  const bool keep_cursor_;
  std::unique_ptr<Heap> heap_;
  std::unique_ptr<File> disk_;  // the heap's file, read by check_disk() and crash()
  Values values_;
  std::vector<std::size_t> rooms_;   // max_insert_size() of each page at the last check()
  std::vector<PageNo> touched_;      // pages changed since the last check()
  std::size_t unscanned_steps_ = 0;  // steps since check() last read every page
  std::uint32_t tag_ = 0;
};

// Holds read and write guards on a few pages while every other page is fetched, so that frames
// are evicted around them: each guard must go on naming and showing its own page, byte for byte,
// with the model's values. Leaves one frame for the cursor and one to fetch with.
void HeapFuzzer::hold_guards() {
  HeapFile& file = heap_->file();
  const PageNo pages = file.page_count();
  if (pages == 0) return;
  const std::size_t n = std::min<std::size_t>(
      in_.ConsumeIntegralInRange<std::size_t>(1, pool_.frame_count() - 2), pages);
  const PageNo first = in_.ConsumeIntegralInRange<PageNo>(0, pages - 1);
  auto held_page = [&](std::size_t i) { return static_cast<PageNo>((first + i) % pages); };
  std::vector<ReadPageGuard> reads;
  std::vector<WritePageGuard> writes;
  std::vector<const detail::PinnedFrame*> guards;
  std::vector<const Page*> held;
  for (std::size_t i = 0; i < n; ++i) {
    if (in_.ConsumeBool()) {
      held.push_back(&reads.emplace_back(pool_.fetch_read(file, held_page(i))).page());
    } else {
      held.push_back(&writes.emplace_back(pool_.fetch_write(file, held_page(i))).page());
    }
    expect_page_holds(held_page(i), *held.back(), "pinned");
  }
  std::vector<std::array<std::byte, kPageSize>> images(n);
  for (std::size_t i = 0; i < n; ++i)
    std::memcpy(images[i].data(), held[i]->raw().data(), kPageSize);
  for (PageNo p = 0; p < pages; ++p)
    if ((p + pages - first) % pages >= n) pool_.fetch_read(file, p);
  for (const ReadPageGuard& g : reads) guards.push_back(&g);
  for (const WritePageGuard& g : writes) guards.push_back(&g);
  for (std::size_t i = 0; i < n; ++i) {
    HS_FUZZ_CHECK(std::memcmp(held[i]->raw().data(), images[i].data(), kPageSize) == 0,
                  "the guard of page " + std::to_string(held_page(i)) + " changed under it");
    expect_page_holds(held_page(i), *held[i], "after other pages were fetched");
  }
  for (const detail::PinnedFrame* g : guards)
    HS_FUZZ_CHECK(g->holds_page() && (g->page_no() + pages - first) % pages < n,
                  "a guard names page " + std::to_string(g->page_no()));
}

// Page `p`, as seen through a guard or a copy, holds exactly the model's values on that page, in
// slot order (compared in place: copies of every value were most of a check).
void HeapFuzzer::expect_page_holds(PageNo p, const Page& page, std::string_view when) const {
  auto want = values_.lower_bound(make_value_id(kContainer, p, 0));
  auto on_page = [&] { return want != values_.end() && want->first.page == p; };
  for (const Page::Entry& e : page) {
    HS_FUZZ_CHECK(on_page() && want->first.slot == e.slot && want->second == e.value,
                  "page " + std::to_string(p) + " " + std::string(when) + ": slot " +
                      std::to_string(e.slot) + " (" + std::to_string(e.value.size()) +
                      " bytes) is not the model's next value there");
    ++want;
  }
  HS_FUZZ_CHECK(!on_page(), "page " + std::to_string(p) + " " + std::string(when) +
                                ": the model's " + to_string(want->first) + " is missing");
}

// Writes back this file's dirty pages (after the log, L2), or every page and empties the pool, or
// as a checkpoint also moves the redo point so that each page's next change logs a full image (L4).
// The cursor is unpinned first, as the storage manager does (lock_all): a write guard held across
// a write-back leaves its frame clean, and changes made through it afterwards would be lost.
void HeapFuzzer::flush() {
  heap_->release_cursor();
  switch (in_.ConsumeIntegralInRange(0, 2)) {
    case 0:
      pool_.flush(heap_->file());
      break;
    case 1:
      pool_.clear();
      break;
    default:
      pool_.flush(heap_->file());
      log_.set_redo_lsn(log_.end_lsn());
  }
}

// A clean close and open: every allocated page was written, so the file's whole pages are exactly
// the pages (H1), and the heap starts from the entries and counts a catalog would keep.
void HeapFuzzer::reopen() {
  const std::vector<std::uint16_t> entries = heap_->free_space();
  const std::uint64_t values = heap_->live_values(), bytes = heap_->live_bytes();
  heap_->release_cursor();
  pool_.flush(heap_->file());
  const std::uint64_t length = heap_->file().bytes_on_disk();
  HS_FUZZ_CHECK(length == entries.size() * kPageSize,
                "flushed file of " + std::to_string(length) + " bytes for " +
                    std::to_string(entries.size()) + " pages (H1)");
  close();
  open(0);
  heap_->load(static_cast<PageNo>(entries.size()), values, bytes, 0,
              [entries] { return std::optional(entries); });
  check(Scope::kAll);
  probe_reuse();
}

// Dirty pages are lost and maybe the file's tail is torn: the page count is the file's whole
// pages and the rest is cut off (H3, HeapFile::cut_to_page_count), pages never written read as
// empty (H2), and Heap::rebuild recomputes the entries and counts. What survives becomes the model
// (replaying the log is recovery's business, checked by storage_manager_fuzzer).
void HeapFuzzer::crash() {
  check(Scope::kAll);  // what the crash may drop was right
  close();
  std::uint64_t length = disk_->size();
  if (length > 0 && in_.ConsumeBool())
    fs_.resize(kPath,
               length - std::min(length, in_.ConsumeIntegralInRange<std::uint64_t>(1, kPageSize)));
  open(HeapFile::pages_in(*fs_.open(kPath, false)));
  heap_->file().cut_to_page_count();
  HS_FUZZ_CHECK(heap_->file().bytes_on_disk() % kPageSize == 0, "tail not cut (H3)");
  heap_->rebuild();
  check(Scope::kAdopt);
  probe_reuse();
}

// After a reload an insert of the largest value some page takes must go to an existing page (the
// loaded or rebuilt free-space map finds freed space, F1); it is deleted again at once.
void HeapFuzzer::probe_reuse() {
  const std::size_t largest = largest_room();
  if (largest == 0) return;
  const std::string value = make_value(largest, ++tag_);
  const ValueId id = placed(largest, [&] { return heap_->insert(value); });
  heap_->erase(id);
}

// The pages of `scope` are valid (P1-P7) and hold the model's values. Always F1 for every entry
// (against the rooms of the pages as last read), the live counts and L2.
void HeapFuzzer::check(Scope scope) {
  const PageNo pages = heap_->file().page_count();
  const bool full = scope != Scope::kTouched;
  if (full) {
    touched_.clear();
    unscanned_steps_ = 0;
  }
  if (scope == Scope::kAdopt) values_.clear();
  const PageNo first_new = full ? 0 : std::min<PageNo>(rooms_.size(), pages);
  rooms_.resize(pages);
  Page page;
  for (PageNo p : touched_)
    if (p < first_new) check_page(p, page, false);
  touched_.clear();
  for (PageNo p = first_new; p < pages; ++p) check_page(p, page, scope == Scope::kAdopt);
  HS_FUZZ_CHECK(values_.empty() || values_.rbegin()->first.page < pages,
                "the model has " + to_string(values_.rbegin()->first) + " past the last page");
  const std::vector<std::uint16_t> entries = heap_->free_space();
  HS_FUZZ_CHECK(entries.size() == pages, "one entry per page (F1)");
  for (PageNo p = 0; p < pages; ++p)
    HS_FUZZ_CHECK(entries[p] == rooms_[p], "page " + std::to_string(p) + ": free-space entry " +
                                               std::to_string(entries[p]) + ", page takes " +
                                               std::to_string(rooms_[p]) + " (F1)");
  std::uint64_t bytes = 0;
  for (const auto& [id, value] : values_) bytes += value.size();
  HS_FUZZ_CHECK(heap_->live_values() == values_.size() && heap_->live_bytes() == bytes,
                "live counts " + std::to_string(heap_->live_values()) + " values, " +
                    std::to_string(heap_->live_bytes()) + " bytes, the model " +
                    std::to_string(values_.size()) + " of " + std::to_string(bytes));
  check_disk();
}

// Page `p` read through the pool (into `page`): valid and holding the model's values, which with
// `adopt` are taken from it first.
void HeapFuzzer::check_page(PageNo p, Page& page, bool adopt) {
  HS_FUZZ_CHECK(heap_->copy_page(p, page), "page " + std::to_string(p) + " unreadable");
  std::optional<std::string> problem = page.validate();
  HS_FUZZ_CHECK(!problem, "page " + std::to_string(p) + ": " + problem.value_or(""));
  if (adopt)
    for (const Page::Entry& e : page)
      values_.emplace(make_value_id(kContainer, p, e.slot), std::string(e.value));
  expect_page_holds(p, page, "in the scan");
  rooms_[p] = page.max_insert_size();
}

// No page reaches disk ahead of the log records of its changes: every page image in the file
// has an LSN below the durable end of the log (L2). All-zero pages were never written (H2). Reads
// each page's header, and the whole page only when its LSN is not below.
void HeapFuzzer::check_disk() const {
  const std::uint64_t length = disk_->size();
  Page page;
  for (std::uint64_t at = 0; at + kPageSize <= length; at += kPageSize) {
    disk_->read_at(at, page.raw().first(Page::kHeaderSize));
    if (page.lsn() < log_.durable_lsn()) continue;
    disk_->read_at(at, page.raw());
    if (std::all_of(page.raw().begin(), page.raw().end(),
                    [](std::byte b) { return b == std::byte{0}; }))
      continue;
    fail("page " + std::to_string(at / kPageSize) + " on disk has LSN " +
         std::to_string(page.lsn()) + ", the log is durable below " +
         std::to_string(log_.durable_lsn()) + " (L2)");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  HeapFuzzer(in).run();
  return 0;
}
