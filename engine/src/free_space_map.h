// The free-space map of one container: which page has room for an insert, found without reading
// pages (engine/doc/format.md, "Free-space map"). Internal to the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "heapstore/ids.h"

namespace heapstore {

// One entry per page: the largest value an insert could put in it (Page::max_insert_size()),
// kept at the leaves of a tree whose inner nodes bound their subtrees' maxima from above
// (format.md, F2). Recording a page that shrank costs O(1), finding a page with room O(log pages)
// amortised and O(1) when the page that took the last insert still has room. Not thread-safe;
// its owner serialises.
class FreeSpaceMap {
 public:
  FreeSpaceMap() = default;
  // Tracks entries.size() pages with these entries, built bottom-up in O(pages).
  explicit FreeSpaceMap(std::span<const std::uint16_t> entries);

  // Number of pages tracked.
  PageNo page_count() const { return page_count_; }

  // Tracks one more page (number page_count()) with `free` insertable bytes.
  void append(std::uint16_t free);

  // Records that page `page` (< page_count()) now takes values of up to `free` bytes.
  void set(PageNo page, std::uint16_t free);

  // Stops tracking pages `count` and above (count <= page_count()).
  void truncate(PageNo count);

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

}  // namespace heapstore
