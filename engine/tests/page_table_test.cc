// Unit tests of heapstore::PageTable, the buffer pool's open-addressing page table, against a
// std::unordered_map model: growth, erasure with backward shifts, clustered and scattered keys.
#include "page_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

namespace heapstore {
namespace {

std::uint64_t page_key(std::uint32_t container, std::uint32_t page) {
  return (std::uint64_t{container} << 32) | page;
}

TEST(PageTable, FindsWhatWasInsertedAndNothingElse) {
  PageTable table(4);
  table.insert(page_key(1, 0), 10);
  table.insert(page_key(1, 1), 11);
  table.insert(page_key(2, 0), 20);
  EXPECT_EQ(table.find(page_key(1, 0)), 10u);
  EXPECT_EQ(table.find(page_key(1, 1)), 11u);
  EXPECT_EQ(table.find(page_key(2, 0)), 20u);
  EXPECT_EQ(table.find(page_key(2, 1)), PageTable::kNone);
  EXPECT_EQ(table.size(), 3u);
}

TEST(PageTable, ErasedKeysAreGoneAndTheirNeighboursStayReachable) {
  PageTable table(2);
  for (std::uint32_t p = 0; p < 100; ++p) table.insert(page_key(1, p), p);
  for (std::uint32_t p = 0; p < 100; p += 3) EXPECT_TRUE(table.erase(page_key(1, p)));
  EXPECT_FALSE(table.erase(page_key(1, 0)));
  for (std::uint32_t p = 0; p < 100; ++p)
    EXPECT_EQ(table.find(page_key(1, p)), p % 3 == 0 ? PageTable::kNone : p) << "page " << p;
  EXPECT_EQ(table.size(), 66u);
}

// Random inserts and erases of keys drawn from a small range (so probe runs collide, wrap around
// the array and shrink) and from a scattered one, checked against a model after every step.
TEST(PageTable, RandomOperationsMatchAnUnorderedMap) {
  for (const std::uint32_t pages : {40u, 1u << 30}) {
    std::mt19937_64 rng(pages);
    PageTable table(1);
    std::unordered_map<std::uint64_t, std::uint32_t> model;
    std::vector<std::uint64_t> present;
    for (std::uint32_t step = 0; step < 20000; ++step) {
      const std::uint64_t key = page_key(static_cast<std::uint32_t>(rng() % 3),
                                         static_cast<std::uint32_t>(rng() % pages));
      if (model.contains(key)) {
        ASSERT_TRUE(table.erase(key));
        model.erase(key);
      } else {
        table.insert(key, step);
        model[key] = step;
      }
      ASSERT_EQ(table.size(), model.size());
      const std::uint64_t probe = page_key(static_cast<std::uint32_t>(rng() % 3),
                                           static_cast<std::uint32_t>(rng() % pages));
      auto it = model.find(probe);
      ASSERT_EQ(table.find(probe), it == model.end() ? PageTable::kNone : it->second);
    }
    for (const auto& [key, frame] : model) ASSERT_EQ(table.find(key), frame);
  }
}

}  // namespace
}  // namespace heapstore
