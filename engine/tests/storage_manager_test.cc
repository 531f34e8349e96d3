// StorageManager checked against a std::map model: containers, the value calls and their errors,
// eviction from a small pool, the cache, reset, stats, close, and a disk that fails during flush.
#include "heapstore/storage_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "heapstore/error.h"
#include "heapstore/options.h"
#include "page.h"
#include "test_support.h"

namespace heapstore {
namespace {

using heapstore::testing::contains;
using heapstore::testing::FaultyFileSystem;
using heapstore::testing::files_in;
using heapstore::testing::matches;
using heapstore::testing::scan_all;
using heapstore::testing::TempDir;
using heapstore::testing::test_value;
using heapstore::testing::thrown_by;
using heapstore::testing::ValueModel;

// Mostly small values, one in five up to 3000 bytes.
std::string random_value(std::mt19937_64& rng) {
  std::size_t limit = rng() % 5 == 0 ? 3000 : 200;
  return test_value(std::uniform_int_distribution<std::size_t>(0, limit)(rng), rng());
}

// Number of pages a container needs at least: one past the highest page holding a value.
std::size_t pages_used(const ValueModel& model, ContainerId c) {
  const ValueModel::Values values = model.in(c);
  return values.empty() ? 0 : values.back().first.page + 1;
}

class StorageManagerTest : public ::testing::Test {
 protected:
  // Tests that do not check durability skip fsync.
  static Options fast(std::size_t frames = 256) {
    return {.buffer_pool_frames = frames, .durability = Durability::kNone};
  }

  void reopen(const Options& options = fast()) {
    store_.reset();
    store_ = StorageManager::open(dir_.path(), options);
  }

  // The value calls, applied to the store and the model alike.
  ValueId insert(ContainerId c, std::string value) {
    ValueId id = store_->insert_value(c, value);
    EXPECT_EQ(id.container, c);
    model_.put(id, std::move(value));
    return id;
  }
  ValueId update(ValueId id, std::string value) {
    ValueId now = store_->update_value(id, value);
    EXPECT_EQ(now.container, id.container);
    model_.move(id, now, std::move(value));
    return now;
  }
  void erase(ValueId id) {
    store_->delete_value(id);
    model_.erase(id);
  }

  // Inserts values of `size` bytes into the empty container `c` until one lands on page 1;
  // returns the ids on page 0.
  std::vector<ValueId> fill_page_zero(ContainerId c, std::size_t size) {
    std::vector<ValueId> ids;
    for (ValueId id = insert(c, test_value(size, 0)); id.page == 0;
         id = insert(c, test_value(size, ids.size()))) {
      ids.push_back(id);
    }
    return ids;
  }

  // One random insert (single or batch), update, delete or get over `containers`.
  void random_operation(std::mt19937_64& rng, const std::vector<ContainerId>& containers) {
    const int op = static_cast<int>(rng() % 10);
    if (model_.empty() || op < 3) {
      insert(containers[rng() % containers.size()], random_value(rng));
    } else if (op == 3) {
      insert_batch(containers[rng() % containers.size()], 1 + rng() % 5, rng);
    } else if (op < 6) {
      update(model_.pick(rng), random_value(rng));
    } else if (op < 8) {
      erase(model_.pick(rng));
    } else {
      ValueId id = model_.pick(rng);
      EXPECT_EQ(store_->get_value(id), model_.value(id)) << to_string(id);
    }
  }

  void insert_batch(ContainerId c, std::size_t count, std::mt19937_64& rng) {
    std::vector<std::string> values;
    for (std::size_t i = 0; i < count; ++i) values.push_back(random_value(rng));
    std::vector<std::string_view> views(values.begin(), values.end());
    std::vector<ValueId> ids = store_->insert_values(c, views);
    ASSERT_EQ(ids.size(), values.size());
    for (std::size_t i = 0; i < ids.size(); ++i) model_.put(ids[i], std::move(values[i]));
  }

  // Every container matches the model, and the live counters agree with it.
  void expect_store_matches_model() {
    for (ContainerId c : store_->containers()) EXPECT_TRUE(matches(*store_, model_, c));
    Stats stats = store_->stats();
    EXPECT_EQ(stats.live_values, model_.size());
    EXPECT_EQ(stats.live_value_bytes, model_.bytes());
  }

  TempDir dir_;
  FaultyFileSystem faulty_fs_;  // outlives store_, which may use it
  std::unique_ptr<StorageManager> store_ = StorageManager::open(dir_.path(), fast());
  ValueModel model_;
};

// make_value_id (ids.h) is ValueId{...} built another way: every field, at its limits too.
TEST(ValueIds, MakeValueIdEqualsTheBracedOne) {
  const ContainerId containers[] = {0, 1, 7, 0xffffffffu};
  const PageNo pages[] = {0, 1, 123456, 0xffffffffu};
  const SlotId slots[] = {0, 1, 290, 0xffff};
  for (ContainerId c : containers)
    for (PageNo p : pages)
      for (SlotId s : slots) EXPECT_EQ(make_value_id(c, p, s), (ValueId{c, p, s})) << c << p << s;
}

TEST_F(StorageManagerTest, CreateContainerOfAnExistingIdIsANoOp) {
  store_->create_container(5);
  ValueId id = insert(5, "kept");
  store_->create_container(5);
  EXPECT_EQ(store_->get_value(id), "kept");
  EXPECT_EQ(store_->containers(), std::vector<ContainerId>{5});
}

TEST_F(StorageManagerTest, ContainersListsIdsAscending) {
  for (ContainerId c : {9u, 2u, 4000000000u}) store_->create_container(c);
  EXPECT_EQ(store_->containers(), (std::vector<ContainerId>{2, 9, 4000000000u}));
  EXPECT_TRUE(store_->has_container(9));
  EXPECT_FALSE(store_->has_container(3));
}

TEST_F(StorageManagerTest, RemoveContainerRemovesItAndItsFile) {
  store_->create_container(1);
  store_->create_container(2);
  insert(1, "one");
  ValueId gone = insert(2, "two");
  store_->flush();
  const std::vector<std::string> before = files_in(dir_.path());

  store_->remove_container(2);
  model_.erase_container(2);

  std::vector<std::string> removed;
  std::ranges::set_difference(before, files_in(dir_.path()), std::back_inserter(removed));
  EXPECT_EQ(removed, std::vector<std::string>{"c2.heap"});
  EXPECT_EQ(store_->containers(), std::vector<ContainerId>{1});
  EXPECT_EQ(thrown_by([&] { store_->get_value(gone); }).code, "NotFound");
  EXPECT_EQ(thrown_by([&] { store_->remove_container(2); }).code, "NotFound");
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, RandomOperationsMatchAMapModel) {
  const std::vector<ContainerId> containers = {1, 2, 7};
  for (ContainerId c : containers) store_->create_container(c);
  std::mt19937_64 rng(20240601);
  for (int step = 1; step <= 4000 && !HasFailure(); ++step) {
    random_operation(rng, containers);
    if (step % 500 == 0) expect_store_matches_model();
  }
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, UpdateKeepsTheIdWhenTheValueFitsInItsPage) {
  store_->create_container(1);
  ValueId id = insert(1, test_value(10, 1));
  insert(1, test_value(1000, 2));
  for (std::size_t size : {0, 500, 3000, 10}) EXPECT_EQ(update(id, test_value(size, size)), id);
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, UpdateUsesTheSpaceDeletesFreedInItsPage) {
  store_->create_container(1);
  const std::vector<ValueId> page_zero = fill_page_zero(1, 100);
  for (std::size_t i = 1; i <= 10; ++i) erase(page_zero[i]);  // middle slots: entries stay
  // Free space is exact: everything but the header, the slot entries and the other values.
  const std::size_t others = (page_zero.size() - 11) * 100;
  const std::size_t fits =
      kPageSize - Page::kHeaderSize - Page::kSlotSize * page_zero.size() - others;
  EXPECT_EQ(update(page_zero[0], test_value(fits, 7)), page_zero[0]);
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, UpdateMovesTheValueOnlyWhenItNoLongerFitsItsPage) {
  store_->create_container(1);
  const std::vector<ValueId> page_zero = fill_page_zero(1, 100);
  ValueId moved = update(page_zero[0], test_value(3000, 3));
  EXPECT_NE(moved.page, 0u);
  EXPECT_EQ(thrown_by([&] { store_->get_value(page_zero[0]); }).code, "NotFound");
  expect_store_matches_model();
}

// The values of container `c` in `model`, sorted: what a container holds, whatever the ids.
std::vector<std::string> sorted_values(const ValueModel& model, ContainerId c) {
  std::vector<std::string> values;
  for (auto& [id, value] : model.in(c)) values.push_back(value);
  std::ranges::sort(values);
  return values;
}

TEST_F(StorageManagerTest, InsertValuesReturnsIdsInTheOrderOfTheValues) {
  store_->create_container(1);
  std::vector<std::string> values;
  for (std::size_t i = 0; i < 120; ++i) values.push_back(test_value(i * 37 % 2000, i));
  const std::vector<std::string_view> views(values.begin(), values.end());

  const std::vector<ValueId> ids = store_->insert_values(1, views);

  ASSERT_EQ(ids.size(), values.size());
  for (std::size_t i = 0; i < ids.size(); ++i) model_.put(ids[i], values[i]);
  EXPECT_EQ(model_.size(), values.size()) << "ids repeat";
  expect_store_matches_model();
  EXPECT_TRUE(store_->insert_values(1, {}).empty());
}

TEST_F(StorageManagerTest, InsertValuesStoresWhatSingleInsertsStore) {
  store_->create_container(1);
  store_->create_container(2);
  std::vector<std::string> values;
  for (std::size_t i = 0; i < 120; ++i) values.push_back(test_value(i * 37 % 2000, i));
  const std::vector<std::string_view> views(values.begin(), values.end());

  const std::vector<ValueId> batch = store_->insert_values(1, views);
  for (std::size_t i = 0; i < values.size(); ++i) model_.put(batch[i], values[i]);
  for (const std::string& value : values) insert(2, value);

  EXPECT_EQ(sorted_values(model_, 1), sorted_values(model_, 2));
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, InsertValuesStoresNoneWhenOneIsTooLarge) {
  store_->create_container(1);
  const std::string small = "small", large(StorageManager::kMaxValueSize + 1, 'x');
  const std::vector<std::string_view> views = {small, small, large};
  EXPECT_EQ(thrown_by([&] { store_->insert_values(1, views); }).code, "InvalidArgument");
  EXPECT_TRUE(scan_all(*store_, 1).empty());
}

TEST_F(StorageManagerTest, UnknownContainerIsNotFound) {
  const ValueId id{9, 0, 0};
  const std::vector<std::string_view> one = {"x"};
  EXPECT_EQ(thrown_by([&] { store_->insert_value(9, "x"); }).code, "NotFound");
  EXPECT_EQ(thrown_by([&] { store_->insert_values(9, one); }).code, "NotFound");
  EXPECT_EQ(thrown_by([&] { store_->get_value(id); }).code, "NotFound");
  EXPECT_EQ(thrown_by([&] { store_->update_value(id, "x"); }).code, "NotFound");
  EXPECT_EQ(thrown_by([&] { store_->delete_value(id); }).code, "NotFound");
  EXPECT_EQ(thrown_by([&] { store_->scan(9); }).code, "NotFound");
  EXPECT_EQ(thrown_by([&] { store_->remove_container(9); }).code, "NotFound");
}

// A missing value is NotFound for every call that names it, and the message says where.
void expect_not_found_naming(StorageManager& store, ValueId id) {
  for (auto call : {+[](StorageManager&s, ValueId v) { s.get_value(v); },
                    +[](StorageManager&s, ValueId v) { s.update_value(v, "new"); },
                    +[](StorageManager&s, ValueId v) { s.delete_value(v); }}) {
    auto thrown = thrown_by([&] { call(store, id); });
    EXPECT_EQ(thrown.code, "NotFound") << to_string(id);
    EXPECT_TRUE(contains(thrown.message, to_string(id)));
  }
}

TEST_F(StorageManagerTest, DeletedValueIsNotFound) {
  store_->create_container(3);
  insert(3, "a");
  ValueId deleted = insert(3, "b");
  insert(3, "c");
  erase(deleted);
  expect_not_found_naming(*store_, deleted);
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, NeverIssuedValueIsNotFound) {
  store_->create_container(3);
  insert(3, "a");
  expect_not_found_naming(*store_, {3, 0, 1});      // past the slot directory
  expect_not_found_naming(*store_, {3, 0, 65535});  // past any page's slots
  expect_not_found_naming(*store_, {3, 7, 0});      // past the last page
  expect_not_found_naming(*store_, {3, 4000000000u, 0});
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, ValueOverTheMaximumSizeIsInvalidArgument) {
  store_->create_container(1);
  ValueId id = insert(1, "a");
  const std::string too_large(StorageManager::kMaxValueSize + 1, 'x');
  for (const auto& thrown : {thrown_by([&] { store_->insert_value(1, too_large); }),
                             thrown_by([&] { store_->update_value(id, too_large); })}) {
    EXPECT_EQ(thrown.code, "InvalidArgument");
    EXPECT_TRUE(contains(thrown.message, "4066"));
  }
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, ValueOfExactlyTheMaximumSizeIsStored) {
  static_assert(StorageManager::kMaxValueSize == 4066);
  store_->create_container(1);
  ValueId small = insert(1, "small");
  insert(1, test_value(StorageManager::kMaxValueSize, 1));
  update(small, test_value(StorageManager::kMaxValueSize, 2));
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, ValuesSurviveEvictionFromASmallPool) {
  reopen(fast(16));
  store_->create_container(1);
  store_->create_container(2);
  // Four 1000-byte values fill a page: 10 times the pool's 16 frames.
  for (std::size_t i = 0; i < 4 * 16 * 10; ++i) insert(1 + i % 2, test_value(1000, i));
  EXPECT_GT(store_->stats().evictions, 0u);
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, ClearCacheMakesTheNextReadsComeFromDisk) {
  store_->create_container(1);
  for (std::size_t i = 0; i < 50; ++i) insert(1, test_value(500, i));
  store_->clear_cache();
  const Stats before = store_->stats();
  expect_store_matches_model();
  EXPECT_GE(store_->stats().page_reads - before.page_reads, pages_used(model_, 1));
}

TEST_F(StorageManagerTest, ResetRemovesEveryContainerButKeepsTheDirectory) {
  for (ContainerId c : {1, 2}) {
    store_->create_container(c);
    insert(c, "value");
  }
  store_->flush();
  store_->reset();
  model_ = {};

  EXPECT_TRUE(store_->containers().empty());
  EXPECT_TRUE(std::filesystem::is_directory(dir_.path()));
  for (const std::string& name : files_in(dir_.path())) EXPECT_FALSE(name.ends_with(".heap"));
  expect_store_matches_model();
  store_->create_container(1);
  EXPECT_TRUE(scan_all(*store_, 1).empty());
  insert(1, "again");
  expect_store_matches_model();
}

TEST_F(StorageManagerTest, StatsCountLiveValuesAndPagesOnDisk) {
  EXPECT_EQ(store_->stats().bytes_on_disk, 32u);  // the log's header, nothing else
  std::mt19937_64 rng(7);
  for (ContainerId c : {1, 2}) {
    store_->create_container(c);
    for (int i = 0; i < 100; ++i) insert(c, random_value(rng));
  }
  for (int i = 0; i < 30; ++i) erase(model_.pick(rng));
  for (int i = 0; i < 30; ++i) update(model_.pick(rng), random_value(rng));
  expect_store_matches_model();

  store_->flush();
  EXPECT_GT(store_->stats().log_bytes, 0u);
  EXPECT_EQ(store_->stats().page_writes, 0u);  // a flush writes the log, not the pages
  store_->checkpoint();
  const Stats stats = store_->stats();
  EXPECT_EQ(stats.checkpoints, 1u);
  EXPECT_GT(stats.page_writes, 0u);
  EXPECT_GT(stats.buffer_hits + stats.buffer_misses, 0u);
  EXPECT_GE(stats.bytes_on_disk, (pages_used(model_, 1) + pages_used(model_, 2)) * kPageSize);
}

TEST_F(StorageManagerTest, CallsAfterCloseAreInvalidArgument) {
  store_->create_container(1);
  ValueId id = insert(1, "a");
  store_->close();
  store_->close();  // closing twice is a no-op

  const std::vector<std::string_view> one = {"x"};
  for (const auto& thrown : {
           thrown_by([&] { store_->create_container(2); }),
           thrown_by([&] { store_->remove_container(1); }),
           thrown_by([&] { store_->has_container(1); }),
           thrown_by([&] { store_->containers(); }),
           thrown_by([&] { store_->insert_value(1, "x"); }),
           thrown_by([&] { store_->insert_values(1, one); }),
           thrown_by([&] { store_->get_value(id); }),
           thrown_by([&] { store_->update_value(id, "x"); }),
           thrown_by([&] { store_->delete_value(id); }),
           thrown_by([&] { store_->scan(1); }),
           thrown_by([&] { store_->reset(); }),
           thrown_by([&] { store_->clear_cache(); }),
           thrown_by([&] { store_->flush(); }),
           thrown_by([&] { store_->stats(); }),
       }) {
    EXPECT_EQ(thrown.code, "InvalidArgument") << thrown.message;
  }
}

TEST_F(StorageManagerTest, FlushOnAFullDiskThrowsIOErrorAndLosesNothingFlushed) {
  reopen({.file_system = &faulty_fs_});
  store_->create_container(1);
  for (std::size_t i = 0; i < 100; ++i) insert(1, test_value(300, i));
  store_->flush();
  const ValueModel flushed = model_;
  for (std::size_t i = 100; i < 200; ++i) insert(1, test_value(300, i));

  faulty_fs_.fail(FaultyFileSystem::Op::kWrite, FaultyFileSystem::Fault::kNoSpace,
                  FaultyFileSystem::kEvery);
  EXPECT_EQ(thrown_by([&] { store_->flush(); }).code, "IOError");
  store_.reset();  // closing fails too; the destructor reports it and must not throw
  faulty_fs_.heal();

  reopen();
  for (const auto& [id, value] : flushed.in(1)) EXPECT_EQ(store_->get_value(id), value);
  ValueId id = store_->insert_value(1, "usable");
  EXPECT_EQ(store_->get_value(id), "usable");
}

TEST_F(StorageManagerTest, FlushAfterAShortWriteSucceedsOnceTheDiskRecovers) {
  reopen({.file_system = &faulty_fs_});
  store_->create_container(1);
  for (std::size_t i = 0; i < 100; ++i) insert(1, test_value(300, i));

  faulty_fs_.fail(FaultyFileSystem::Op::kWrite, FaultyFileSystem::Fault::kShortWrite);
  EXPECT_EQ(thrown_by([&] { store_->flush(); }).code, "IOError");
  faulty_fs_.heal();
  store_->flush();

  reopen();
  expect_store_matches_model();
}

// --- space coming back (format.md, "Free-space map" and "Catalog") ---------------------------

// Four 1000-byte values fill a page (a fifth does not fit).
std::vector<ValueId> insert_pages(StorageManager& store, ContainerId c, PageNo pages) {
  std::vector<ValueId> ids;
  for (PageNo i = 0; i < 4 * pages; ++i) ids.push_back(store.insert_value(c, test_value(1000, i)));
  EXPECT_EQ(ids.back().page, pages - 1);
  return ids;
}

std::uint64_t file_bytes(const std::string& dir, ContainerId c) {
  return std::filesystem::file_size(dir + "/c" + std::to_string(c) + ".heap");
}

TEST_F(StorageManagerTest, AnEmptiedPageIsReusedBeforeTheFileGrows) {
  store_->create_container(1);
  std::vector<ValueId> ids = insert_pages(*store_, 1, 6);
  for (int i = 8; i < 12; ++i) store_->delete_value(ids[i]);  // page 2
  EXPECT_EQ(store_->insert_value(1, test_value(1000, 99)).page, 2u);
  EXPECT_EQ(store_->insert_value(1, test_value(1000, 98)).page, 2u);
}

TEST_F(StorageManagerTest, EmptyPagesAtTheEndGoBackToTheFileSystemAtACheckpoint) {
  store_->create_container(1);
  std::vector<ValueId> ids = insert_pages(*store_, 1, 40);
  store_->checkpoint();
  EXPECT_EQ(file_bytes(dir_.path(), 1), 40 * kPageSize);
  for (std::size_t i = 40; i < ids.size(); ++i) store_->delete_value(ids[i]);  // pages 10-39
  for (int i = 4; i < 8; ++i) store_->delete_value(ids[i]);  // page 1: empty, but not at the end
  store_->delete_value(ids[36]);                             // page 9 keeps three values
  store_->checkpoint();
  EXPECT_EQ(file_bytes(dir_.path(), 1), 10 * kPageSize);
  reopen();
  EXPECT_EQ(file_bytes(dir_.path(), 1), 10 * kPageSize);
  EXPECT_EQ(scan_all(*store_, 1).size(), 35u);
  EXPECT_EQ(store_->get_value(ids[39]), test_value(1000, 39));
  EXPECT_EQ(thrown_by([&] { store_->get_value(ids[40]); }).code, "NotFound");
  // The pages come back as needed, empty, and the store stays whole.
  std::vector<ValueId> more;
  for (int i = 0; i < 60; ++i) more.push_back(store_->insert_value(1, test_value(1000, 500 + i)));
  reopen();
  for (int i = 0; i < 60; ++i) EXPECT_EQ(store_->get_value(more[i]), test_value(1000, 500 + i));
  EXPECT_EQ(scan_all(*store_, 1).size(), 95u);
}

TEST_F(StorageManagerTest, AContainerEmptiedByDeletesShrinksToNothingWhenClosed) {
  store_->create_container(1);
  for (ValueId id : insert_pages(*store_, 1, 30)) store_->delete_value(id);
  reopen();
  EXPECT_EQ(file_bytes(dir_.path(), 1), 0u);
  EXPECT_TRUE(scan_all(*store_, 1).empty());
  EXPECT_EQ(store_->stats().live_values, 0u);
}

TEST_F(StorageManagerTest, AScanReadsNoEmptyPage) {
  store_->create_container(1);
  std::vector<ValueId> ids = insert_pages(*store_, 1, 50);
  for (std::size_t i = 40; i < 160; ++i) store_->delete_value(ids[i]);  // pages 10-39
  store_->clear_cache();  // pages 40-49 keep values: nothing is trimmed
  EXPECT_EQ(file_bytes(dir_.path(), 1), 50 * kPageSize);
  const std::uint64_t reads = store_->stats().page_reads;
  EXPECT_EQ(scan_all(*store_, 1).size(), 80u);
  EXPECT_EQ(store_->stats().page_reads, reads + 20);
}

}  // namespace
}  // namespace heapstore
