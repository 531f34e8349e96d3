// Unit tests of heapstore::FreeSpaceMap: the per-page record of the largest insertable value and
// the search for a page with room.
#include "free_space_map.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "page.h"

namespace heapstore {
namespace {

constexpr std::uint16_t kRoomy = Page::kMaxValueSize;  // an empty page

FreeSpaceMap map_of(const std::vector<std::uint16_t>& entries) {
  FreeSpaceMap map;
  for (std::uint16_t free : entries) map.append(free);
  return map;
}

// get() agrees with `expected` on every page; stops at the first difference.
void expect_entries(const FreeSpaceMap& map, const std::vector<std::uint16_t>& expected) {
  ASSERT_EQ(map.page_count(), expected.size());
  ASSERT_EQ(map.entries(), expected);
  for (PageNo page = 0; page < expected.size(); ++page) ASSERT_EQ(map.get(page), expected[page]);
}

TEST(FreeSpaceMap, EmptyMapTracksNothingAndFindsNothing) {
  FreeSpaceMap map;
  EXPECT_EQ(map.page_count(), 0u);
  EXPECT_TRUE(map.entries().empty());
  EXPECT_EQ(map.find(0), std::nullopt);
  EXPECT_EQ(map.find(1), std::nullopt);
}

TEST(FreeSpaceMap, AppendAndSetRecordWhatGetReturns) {
  FreeSpaceMap map = map_of({100, 0, kRoomy});
  expect_entries(map, {100, 0, kRoomy});
  map.set(1, 250);
  map.set(0, 0);
  expect_entries(map, {0, 250, kRoomy});
}

TEST(FreeSpaceMap, FindReturnsTheLowestPageWithEnoughRoom) {
  const std::vector<std::pair<std::size_t, PageNo>> lowest = {{0, 0},   {100, 0}, {101, 1},
                                                              {300, 1}, {301, 2}, {500, 2}};
  for (const auto& [size, page] : lowest) {
    FreeSpaceMap map = map_of({100, 300, 500, 500});
    EXPECT_EQ(map.find(size), page) << "find(" << size << ")";
  }
}

TEST(FreeSpaceMap, FindKeepsTheLastFoundPageWhileItStillFits) {
  FreeSpaceMap map = map_of({100, 500, 300, 500});
  EXPECT_EQ(map.find(400), PageNo{1});
  map.set(1, 50);
  EXPECT_EQ(map.find(400), PageNo{3});
  map.set(1, 450);  // page 1 fits again, but page 3 was found last and still fits
  EXPECT_EQ(map.find(400), PageNo{3});
  EXPECT_EQ(map.find(200), PageNo{3});
  map.set(3, 10);
  EXPECT_EQ(map.find(400), PageNo{1});
}

TEST(FreeSpaceMap, FindReportsNothingWhenTheOnlyPageHasNoRoom) {
  FreeSpaceMap map = map_of({100});
  EXPECT_EQ(map.find(101), std::nullopt);
  EXPECT_EQ(map.find(100), PageNo{0});
}

TEST(FreeSpaceMap, FindReportsNothingWhenNoPageHasRoom) {
  FreeSpaceMap map = map_of({100, kRoomy, 300});
  EXPECT_EQ(map.find(kRoomy + 1), std::nullopt);
  EXPECT_EQ(map.find(65536 + 100), std::nullopt);  // sizes are not truncated to 16 bits
  map.set(1, 0);
  EXPECT_EQ(map.find(301), std::nullopt);
  EXPECT_EQ(map.find(300), PageNo{2});
}

// Inner nodes are only upper bounds (format.md invariant F2): entries that shrink leave them stale,
// and find must still be exact.
TEST(FreeSpaceMap, FindIsExactAfterEntriesShrink) {
  FreeSpaceMap map = map_of(std::vector<std::uint16_t>(1000, kRoomy));
  for (PageNo page = 0; page < 999; ++page) map.set(page, 10);
  EXPECT_EQ(map.find(11), PageNo{999});
  map.set(999, 10);
  EXPECT_EQ(map.find(11), std::nullopt);
  map.set(500, 11);
  EXPECT_EQ(map.find(11), PageNo{500});
  EXPECT_EQ(map.find(12), std::nullopt);
}

TEST(FreeSpaceMap, StaysCorrectAcrossGrowthPastPowersOfTwo) {
  for (PageNo n : {1u, 2u, 3u, 1000u, 70000u}) {
    SCOPED_TRACE(::testing::Message() << n << " pages");
    std::vector<std::uint16_t> expected;
    for (PageNo page = 0; page < n; ++page) expected.push_back(page % 1000);
    FreeSpaceMap map = map_of(expected);
    ASSERT_NO_FATAL_FAILURE(expect_entries(map, expected));
    EXPECT_EQ(map.find(1000), std::nullopt);
    map.set(n - 1, kRoomy);
    EXPECT_EQ(map.find(kRoomy), n - 1);
    map.append(kRoomy);  // page n, past the capacity when n is a power of two
    map.set(n - 1, 0);
    EXPECT_EQ(map.find(kRoomy), n);
    map.set(0, kRoomy);
    EXPECT_EQ(map.find(kRoomy), n);  // the last found still fits
    map.set(n, 0);
    EXPECT_EQ(map.find(kRoomy), PageNo{0});
  }
}

TEST(FreeSpaceMap, EntriesRoundTrip) {
  FreeSpaceMap map = map_of({7, 4000, 0, 12, 999});
  map.set(2, 3000);
  FreeSpaceMap rebuilt = map_of(map.entries());
  expect_entries(rebuilt, {7, 4000, 3000, 12, 999});
  EXPECT_EQ(rebuilt.find(2000), PageNo{1});
  EXPECT_EQ(rebuilt.find(3001), PageNo{1});
  EXPECT_EQ(rebuilt.find(4001), std::nullopt);
}

// The contract of find(), spelled out over a plain vector.
class FindModel {
 public:
  std::vector<std::uint16_t> entries;

  std::optional<PageNo> find(std::size_t size) {
    if (last_ && entries[*last_] >= size) return last_;
    for (PageNo page = 0; page < entries.size(); ++page) {
      if (entries[page] >= size) return last_ = page;
    }
    return std::nullopt;
  }

 private:
  std::optional<PageNo> last_;
};

TEST(FreeSpaceMap, RandomOperationsMatchAVectorModel) {
  FreeSpaceMap map;
  FindModel model;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> free(0, kRoomy);
  for (int step = 0; step < 20000; ++step) {
    SCOPED_TRACE(::testing::Message() << "step " << step);
    const auto value = static_cast<std::uint16_t>(free(rng));
    const int op = static_cast<int>(rng() % 10);
    if (op < 2 || model.entries.empty()) {
      map.append(value);
      model.entries.push_back(value);
    } else if (op < 6) {
      const auto page = static_cast<PageNo>(rng() % model.entries.size());
      map.set(page, value);
      model.entries[page] = value;
    } else {
      ASSERT_EQ(map.find(value), model.find(value)) << "find(" << value << ")";
    }
  }
  expect_entries(map, model.entries);
}

}  // namespace
}  // namespace heapstore
