// FreeSpaceMap: a max-tree over per-page insertable bytes (format.md, "Free-space map").
// Inner nodes are upper bounds (F2), not exact maxima: a leaf that shrinks (every insert) costs
// O(1), a leaf that grows raises its ancestors, and find() repairs a stale path it walks into.
#include "free_space_map.h"

#include <algorithm>
#include <bit>

namespace heapstore {

void FreeSpaceMap::grow() {
  std::size_t leaves = std::max<std::size_t>(1, leaves_ * 2);
  std::vector<std::uint16_t> tree(2 * leaves, 0);
  std::copy_n(tree_.begin() + static_cast<std::ptrdiff_t>(leaves_), page_count_,
              tree.begin() + static_cast<std::ptrdiff_t>(leaves));
  for (std::size_t i = leaves - 1; i >= 1; --i) tree[i] = std::max(tree[2 * i], tree[2 * i + 1]);
  tree_ = std::move(tree);
  leaves_ = leaves;
}

FreeSpaceMap::FreeSpaceMap(std::span<const std::uint16_t> entries)
    : page_count_(static_cast<PageNo>(entries.size())),
      leaves_(std::bit_ceil(std::max<std::size_t>(1, entries.size()))),
      tree_(2 * leaves_, 0) {
  std::copy(entries.begin(), entries.end(), tree_.begin() + static_cast<std::ptrdiff_t>(leaves_));
  for (std::size_t i = leaves_ - 1; i >= 1; --i)
    tree_[i] = std::max(tree_[2 * i], tree_[2 * i + 1]);
}

void FreeSpaceMap::append(std::uint16_t free) {
  if (page_count_ == leaves_) grow();
  ++page_count_;
  set(page_count_ - 1, free);
}

void FreeSpaceMap::set(PageNo page, std::uint16_t free) {
  std::size_t i = leaves_ + page;
  tree_[i] = free;
  for (i /= 2; i >= 1 && tree_[i] < free; i /= 2) tree_[i] = free;
}

// The dropped leaves read 0 (as unused leaves do); the bounds above them may stay high (F2 only
// asks for upper bounds), and find() repairs them where it meets them.
void FreeSpaceMap::truncate(PageNo count) {
  for (PageNo p = count; p < page_count_; ++p) tree_[leaves_ + p] = 0;
  page_count_ = std::min(page_count_, count);
  if (last_found_ >= page_count_) last_found_ = 0;
}

void FreeSpaceMap::repair(std::size_t node) {
  for (std::size_t i = node; i >= 1; i /= 2) tree_[i] = std::max(tree_[2 * i], tree_[2 * i + 1]);
}

std::uint16_t FreeSpaceMap::get(PageNo page) const { return tree_[leaves_ + page]; }

std::optional<PageNo> FreeSpaceMap::find(std::size_t size) {
  if (page_count_ == 0) return std::nullopt;
  size = std::max<std::size_t>(size, 1);  // an entry of 0 may mean the page takes nothing
  if (last_found_ < page_count_ && get(last_found_) >= size) return last_found_;
  std::size_t i = 1;
  while (i < leaves_ && tree_[1] >= size) {
    if (tree_[2 * i] >= size) {
      i = 2 * i;
    } else if (tree_[2 * i + 1] >= size) {
      i = 2 * i + 1;
    } else {  // a stale upper bound: correct this path and start again from the root
      repair(i);
      i = 1;
    }
  }
  // Unused leaves hold 0, so a size of 0 may end on one past the last page.
  if (tree_[i] < size || i < leaves_ || i - leaves_ >= page_count_) return std::nullopt;
  last_found_ = static_cast<PageNo>(i - leaves_);
  return last_found_;
}

std::vector<std::uint16_t> FreeSpaceMap::entries() const {
  auto first = tree_.begin() + static_cast<std::ptrdiff_t>(leaves_);
  return {first, first + page_count_};
}

}  // namespace heapstore
