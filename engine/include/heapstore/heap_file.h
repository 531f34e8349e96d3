// A heap file holds the pages of one container: page i at byte offset i * kPageSize of its file
// (engine/doc/format.md, "Heap file"), and a free-space map that finds a page with room for an
// insert without reading pages.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "heapstore/file.h"
#include "heapstore/ids.h"
#include "heapstore/page.h"

namespace heapstore {

// One entry per page: the largest value an insert could put in it (Page::max_insert_size()),
// kept at the leaves of a tree whose inner nodes bound their subtrees' maxima from above
// (format.md, F2). Recording a page that shrank costs O(1), finding a page with room O(log pages)
// amortised and O(1) when the page that took the last insert still has room. Not thread-safe;
// its owner serialises.
class FreeSpaceMap {
 public:
  FreeSpaceMap() = default;

  // Number of pages tracked.
  PageNo page_count() const { return page_count_; }

  // Tracks one more page (number page_count()) with `free` insertable bytes.
  void append(std::uint16_t free);

  // Records that page `page` (< page_count()) now takes values of up to `free` bytes.
  void set(PageNo page, std::uint16_t free);

  // Insertable bytes recorded for page `page` (< page_count()).
  std::uint16_t get(PageNo page) const;

  // A page that takes a value of `size` bytes (the last one found if it still does, else the
  // lowest-numbered one), or nothing when no page does. A 0-byte value is looked up as 1 byte,
  // since an entry of 0 may mean that the page takes nothing at all.
  std::optional<PageNo> find(std::size_t size);

  // All entries, page by page, for persisting in the catalog.
  std::vector<std::uint16_t> entries() const;

 private:
  void grow();                    // doubles the leaf capacity and rebuilds the inner nodes
  void repair(std::size_t node);  // recomputes `node` and its ancestors from their children

  PageNo page_count_ = 0;
  std::size_t leaves_ = 0;           // capacity, a power of two
  std::vector<std::uint16_t> tree_;  // tree_[1] is the root; leaves at [leaves_, 2 * leaves_)
  PageNo last_found_ = 0;
};

// The pages of one container in one file. Reads and writes are positional and may run from
// several threads at once; allocate_page() and the free-space map are serialised by the caller.
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

  // What load_page found.
  enum class PageState { kValid, kNeverWritten, kDamaged };

  // Reads page `page_no` (< page_count()) into `out` as it is, valid or not. kNeverWritten:
  // past the end of the file or all zero bytes (H2), and `out` is an empty page. kDamaged: the
  // image fails Page::verify; `out` holds it and `*problem` says why. Throws Error(kIOError)
  // when the read fails, Error(kNotFound) past page_count().
  PageState load_page(PageNo page_no, Page& out, std::string* problem);

  // Reads page `page_no` (< page_count()) into `out`. A page past the end of the file or of all
  // zero bytes (allocated, never written) reads as an empty page. Throws Error(kCorruption) naming
  // container and page when the image fails Page::verify, Error(kIOError) when the read fails.
  void read_page(PageNo page_no, Page& out);

  // Writes `page` (its checksum sealed for `page_no`) at page `page_no`'s offset.
  void write_page(PageNo page_no, Page& page);

  // Makes all written pages durable.
  void sync() { file_->sync(); }

  // Length of the file in bytes.
  std::uint64_t bytes_on_disk() { return file_->size(); }

  std::uint64_t page_reads() const { return page_reads_.load(std::memory_order_relaxed); }
  std::uint64_t page_writes() const { return page_writes_.load(std::memory_order_relaxed); }

  FreeSpaceMap& free_space_map() { return free_space_map_; }

 private:
  ContainerId id_;
  std::unique_ptr<File> file_;
  PageNo page_count_;
  FreeSpaceMap free_space_map_;
  std::atomic<std::uint64_t> page_reads_{0};
  std::atomic<std::uint64_t> page_writes_{0};
};

}  // namespace heapstore
