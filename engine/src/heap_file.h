// A heap file holds the pages of one container: page i at byte offset i * kPageSize of its file
// (engine/doc/format.md, "Heap file"). It does the file's I/O and counts its pages; what lies in
// the pages is the heap's business (heap.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "heapstore/file.h"
#include "heapstore/ids.h"
#include "page.h"

namespace heapstore {

// The pages of one container in one file. Reads and writes are positional and may run from
// several threads at once; allocate_page() and set_page_count() are serialised by the caller.
class HeapFile {
 public:
  // Takes ownership of `file`, which holds `page_count` pages (pages at or past its end read as
  // empty pages). The free-space map starts empty; the owner fills it.
  HeapFile(ContainerId id, std::unique_ptr<File> file, PageNo page_count);

  ContainerId id() const { return id_; }
  const std::string& path() const { return file_->path(); }

  // Pages the container has, written or not.
  PageNo page_count() const { return page_count_; }

  // Number of whole pages `file`'s length covers: the page count to rebuild with after an
  // unclean stop (a partly written last page was never flushed).
  static PageNo pages_in(File& file);

  // Adds a page at the end and returns its number. Nothing is written until write_page().
  // Throws Error(kResourceExhausted) at the page-number limit.
  PageNo allocate_page();

  // Sets the page count (recovery: pages the log creates, or the catalog's count).
  void set_page_count(PageNo pages) { page_count_ = pages; }

  // Cuts the file back to page_count() pages when it is longer: what lies past them was never
  // part of the store (a torn write whose log record was lost, H3).
  void cut_to_page_count();

  // What load_page found.
  enum class PageState { kValid, kNeverWritten, kDamaged };

  // Reads page `page_no` (< page_count()) into `out` as it is, valid or not. kNeverWritten:
  // past the end of the file or all zero bytes (H2), and `out` is an empty page. kDamaged: the
  // image fails Page::verify with `check`; `out` holds it and `*problem` says why. Throws
  // Error(kIOError) when the read fails, Error(kNotFound) past page_count().
  PageState load_page(PageNo page_no, Page& out, std::string* problem,
                      Page::Check check = Page::Check::kFull);

  // Reads pages [first, first + out.size()) (all < page_count()) with one read call into
  // out[0], out[1], ..., each checked as read_page checks one; `states[i]` says what page
  // first + i was. Damaged pages are not described. Throws Error(kIOError) when the read fails.
  void load_pages(PageNo first, std::span<Page* const> out, std::span<PageState> states);

  // Reads page `page_no` (< page_count()) into `out`. A page past the end of the file or of all
  // zero bytes (allocated, never written) reads as an empty page. Throws Error(kCorruption) naming
  // container and page when the image fails Page::verify with Check::kBounds (what the buffer
  // pool needs: `heapstore check` tests every invariant), Error(kIOError) when the read fails.
  void read_page(PageNo page_no, Page& out);

  // Writes `page` (its checksum sealed for `page_no`) at page `page_no`'s offset.
  void write_page(PageNo page_no, Page& page);

  // Writes pages first, first + 1, ... (each sealed for its number) with one write call.
  void write_pages(PageNo first, std::span<Page* const> pages);

  // Makes all written pages durable.
  void sync() { file_->sync(); }

  // Length of the file in bytes.
  std::uint64_t bytes_on_disk() { return file_->size(); }

  std::uint64_t page_reads() const { return page_reads_.load(std::memory_order_relaxed); }
  std::uint64_t page_writes() const { return page_writes_.load(std::memory_order_relaxed); }

 private:
  // What an image of which the file held `read` bytes is (as load_page says); zero-fills the rest.
  static PageState check_loaded(PageNo page_no, Page& out, std::size_t read, Page::Check check,
                                std::string* problem);

  ContainerId id_;
  std::unique_ptr<File> file_;
  PageNo page_count_;
  std::atomic<std::uint64_t> page_reads_{0};
  std::atomic<std::uint64_t> page_writes_{0};
};

}  // namespace heapstore
