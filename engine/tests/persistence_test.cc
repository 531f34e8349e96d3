// A store closed, or stopped without closing, opens again with what it held (engine/doc/format.md,
// "Catalog" and "Crash behaviour"); damaged files give heapstore::Error, never a crash.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "catalog.h"
#include "checksum.h"
#include "free_space_file.h"
#include "heapstore/error.h"
#include "heapstore/options.h"
#include "heapstore/storage_manager.h"
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

const std::string kCatalog = "CATALOG";
std::string container_file(ContainerId c) { return "c" + std::to_string(c) + ".heap"; }

std::unique_ptr<StorageManager> open_store(const std::string& dir, std::size_t frames = 256,
                                           FileSystem* fs = nullptr) {
  return StorageManager::open(
      dir, {.buffer_pool_frames = frames, .file_system = fs, .durability = Durability::kNone});
}

// Inverts `count` bytes of file `path` from `offset` on.
void flip_bytes(const std::string& path, std::uint64_t offset, std::size_t count) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes(count, '\0');
  file.seekg(static_cast<std::streamoff>(offset));
  file.read(bytes.data(), static_cast<std::streamsize>(count));
  for (char& b : bytes) b = static_cast<char>(~b);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(bytes.data(), static_cast<std::streamsize>(count));
  ASSERT_TRUE(file.good()) << path;
}

void overwrite(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The files of store directory `dir`, sorted, with the log's sequence number as "wal.*".
std::vector<std::string> store_files(const std::string& dir) {
  std::vector<std::string> names = files_in(dir);
  for (std::string& name : names)
    if (name.starts_with("wal.")) name = "wal.*";
  return names;
}

// Every value of every container `store` scans: the union of scan_all over containers().
std::size_t values_in(StorageManager& store) {
  std::size_t count = 0;
  for (ContainerId c : store.containers()) count += scan_all(store, c).size();
  return count;
}

class PersistenceTest : public ::testing::Test {
 protected:
  // Creates `containers` and fills them with `count` values of up to 1500 bytes, then deletes a
  // fifth and updates a tenth of them at random; model_ follows.
  void populate(StorageManager& store, const std::vector<ContainerId>& containers,
                std::size_t count) {
    for (ContainerId c : containers) store.create_container(c);
    for (std::size_t i = 0; i < count; ++i) insert(store, containers[i % containers.size()]);
    for (std::size_t i = 0; i < count / 5; ++i) {
      ValueId id = model_.pick(rng_);
      store.delete_value(id);
      model_.erase(id);
    }
    for (std::size_t i = 0; i < count / 10; ++i) {
      ValueId id = model_.pick(rng_);
      std::string value = next_value();
      model_.move(id, store.update_value(id, value), value);
    }
  }

  ValueId insert(StorageManager& store, ContainerId c) {
    std::string value = next_value();
    ValueId id = store.insert_value(c, value);
    model_.put(id, value);
    return id;
  }

  std::string next_value() { return test_value(rng_() % 1500, rng_()); }

  // The store holds exactly the containers and values of `model`, with their ids.
  void expect_holds(StorageManager& store, const ValueModel& model) {
    for (ContainerId c : store.containers()) EXPECT_TRUE(matches(store, model, c));
    EXPECT_EQ(values_in(store), model.size());
  }

  // A copy of the store's directory as it is on disk now, as if the machine stopped here.
  std::string copy_of_store() {
    std::string copy = copies_.path() + "/store";
    std::filesystem::copy(dir_.path(), copy, std::filesystem::copy_options::recursive);
    return copy;
  }

  // A store of three containers, flushed (flushed_ holds what was), then changed without
  // flushing (model_ holds everything): enough inserts through a 16-frame pool that pages are
  // written back after the flush. Returns a copy of its directory taken while it was open.
  std::string unclean_copy() {
    auto store = open_store(dir_.path(), 16);
    populate(*store, {1, 2, 3}, 300);
    store->flush();
    flushed_ = model_;
    for (std::size_t i = 0; i < 600; ++i) insert(*store, 1 + i % 3);
    return copy_of_store();
  }

  TempDir dir_, copies_;
  std::mt19937_64 rng_{42};
  ValueModel model_, flushed_;
};

TEST_F(PersistenceTest, ValuesSurviveCloseAndOpenWithTheirIds) {
  auto store = StorageManager::open(dir_.path(),
                                    {.buffer_pool_frames = 64, .durability = Durability::kAtFlush});
  populate(*store, {1, 5, 9}, 600);
  store->close();

  store = open_store(dir_.path());
  EXPECT_EQ(store->containers(), (std::vector<ContainerId>{1, 5, 9}));
  expect_holds(*store, model_);
  EXPECT_EQ(store->stats().live_values, model_.size());
  EXPECT_EQ(store->stats().live_value_bytes, model_.bytes());
}

TEST_F(PersistenceTest, InsertAfterOpenReusesTheLowestDeletedSlot) {
  auto store = open_store(dir_.path());
  store->create_container(1);
  std::vector<ValueId> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(store->insert_value(1, "value"));
  store->delete_value(ids[6]);
  store->delete_value(ids[3]);
  store->close();

  store = open_store(dir_.path());
  EXPECT_EQ(store->insert_value(1, "new"), (ValueId{1, 0, 3}));
  EXPECT_EQ(store->insert_value(1, "new"), (ValueId{1, 0, 6}));
  EXPECT_EQ(store->insert_value(1, "new"), (ValueId{1, 0, 10}));
}

TEST_F(PersistenceTest, RemovedContainerStaysRemoved) {
  auto store = open_store(dir_.path());
  populate(*store, {1, 2}, 100);
  store->remove_container(2);
  model_.erase_container(2);
  store->close();

  store = open_store(dir_.path());
  EXPECT_EQ(store->containers(), std::vector<ContainerId>{1});
  EXPECT_EQ(store_files(dir_.path()),
            (std::vector<std::string>{kCatalog, "LOCK", "c1.fsm", container_file(1), "wal.*"}));
  expect_holds(*store, model_);
}

TEST_F(PersistenceTest, OpenAfterCleanCloseReadsNoDataPage) {
  auto store = open_store(dir_.path());
  populate(*store, {1, 2, 3}, 400);
  store->close();

  store = open_store(dir_.path());
  const Stats stats = store->stats();
  EXPECT_EQ(stats.page_reads, 0u);
  EXPECT_EQ(stats.live_values, model_.size());
  EXPECT_EQ(stats.live_value_bytes, model_.bytes());
  expect_holds(*store, model_);
}

TEST_F(PersistenceTest, EmptyStoreOpensAgainEmpty) {
  open_store(dir_.path())->close();
  auto store = open_store(dir_.path());
  EXPECT_TRUE(store->containers().empty());
  EXPECT_EQ(store->stats().live_values, 0u);
}

TEST_F(PersistenceTest, StopWithoutCloseOpensExactlyWhatWasLogged) {
  auto store = open_store(dir_.path());
  populate(*store, {1, 2}, 300);
  store->flush();
  const ValueModel flushed = model_;
  populate(*store, {1, 2}, 100);  // changes that stay in the pool and the log's buffer
  const std::string at_flush = copy_of_store();
  store->create_container(3);  // durable at once, with every change logged before it
  const std::string at_create = copies_.path() + "/at_create";
  std::filesystem::copy(dir_.path(), at_create);

  auto recovered = open_store(at_flush);
  EXPECT_EQ(recovered->containers(), (std::vector<ContainerId>{1, 2}));
  expect_holds(*recovered, flushed);
  recovered = open_store(at_create);
  EXPECT_EQ(recovered->containers(), (std::vector<ContainerId>{1, 2, 3}));
  expect_holds(*recovered, model_);
}

TEST_F(PersistenceTest, UncleanStopKeepsEverythingFlushed) {
  auto recovered = open_store(unclean_copy());
  // The log holds changes since the last checkpoint, so opening replayed them and recounted.
  EXPECT_GT(recovered->stats().buffer_misses, 0u);
  for (ContainerId c : {1, 2, 3}) {
    for (const auto& [id, value] : flushed_.in(c)) EXPECT_EQ(recovered->get_value(id), value);
    // Values inserted after the flush may or may not have reached the disk, but nothing else.
    for (const auto& [id, value] : scan_all(*recovered, c)) {
      const std::string* expected = model_.find(id);
      EXPECT_TRUE(expected != nullptr && *expected == value) << to_string(id);
    }
  }
}

TEST_F(PersistenceTest, StoreIsUsableAfterAnUncleanStop) {
  const std::string copy = unclean_copy();
  auto recovered = open_store(copy);
  const std::size_t before = values_in(*recovered);
  EXPECT_EQ(recovered->stats().live_values, before);
  for (int i = 0; i < 50; ++i) recovered->insert_value(2, test_value(700, i));
  EXPECT_EQ(values_in(*recovered), before + 50);
  recovered.reset();
  EXPECT_EQ(values_in(*open_store(copy)), before + 50);
}

// Reads every value of every container, as a user of a freshly opened store would.
void open_and_read_everything(const std::string& dir) {
  auto store = open_store(dir);
  for (ContainerId c : store->containers()) {
    for (const auto& [id, value] : scan_all(*store, c)) store->get_value(id);
  }
}

// Page 1 of container 1 is damaged: opening or reading reports Corruption naming both.
void expect_page_one_corruption_reported(const std::string& dir) {
  flip_bytes(dir + "/" + container_file(1), kPageSize + kPageSize / 2, 16);
  auto thrown = thrown_by([&] { open_and_read_everything(dir); });
  EXPECT_EQ(thrown.code, "Corruption") << thrown.message;
  EXPECT_TRUE(contains(thrown.message, "container 1"));
  EXPECT_TRUE(contains(thrown.message, "page 1"));
}

TEST_F(PersistenceTest, DamageToAPageChangedSinceTheCheckpointIsRepairedFromTheLog) {
  const std::string copy = unclean_copy();  // every page was created since the last checkpoint
  flip_bytes(copy + "/" + container_file(1), kPageSize + kPageSize / 2, 16);
  auto recovered = open_store(copy);
  for (const auto& [id, value] : flushed_.in(1)) EXPECT_EQ(recovered->get_value(id), value);
}

TEST_F(PersistenceTest, CorruptPageUnchangedSinceTheCheckpointIsReported) {
  auto store = open_store(dir_.path(), 16);
  populate(*store, {1, 2}, 300);
  store->checkpoint();
  for (int i = 0; i < 200; ++i) insert(*store, 2);  // container 1's pages stay as written
  expect_page_one_corruption_reported(copy_of_store());
}

TEST_F(PersistenceTest, CorruptPageAfterACleanCloseIsReported) {
  auto store = open_store(dir_.path());
  populate(*store, {1}, 100);
  store->close();
  expect_page_one_corruption_reported(dir_.path());
}

TEST_F(PersistenceTest, TornPageWritesAreRepairedFromTheLog) {
  FaultyFileSystem fs;
  {
    auto store = open_store(dir_.path(), 256, &fs);
    populate(*store, {1}, 200);
    store->checkpoint();
    populate(*store, {2}, 100);
    // Change every page of container 1, so that the checkpoint writes (and tears) each of them.
    for (const auto& [id, value] : model_.in(1)) {
      store->update_value(id, "x");
      model_.put(id, "x");
    }
    store->flush();
    fs.fail(FaultyFileSystem::Op::kWrite, FaultyFileSystem::Fault::kTornPage,
            FaultyFileSystem::kEvery, ".heap");
    EXPECT_EQ(thrown_by([&] { store->checkpoint(); }).code, "IOError");
  }  // closing fails too; the destructor reports it
  auto store = open_store(dir_.path());
  expect_holds(*store, model_);
}

// Ways to damage the catalog file, each given the catalog's path and its bytes.
struct CatalogDamage {
  const char* name;
  std::function<void(const std::string& path, const std::string& bytes)> apply;
};

const CatalogDamage kCatalogDamages[] = {
    {"Empty", [](auto& path, auto&) { overwrite(path, ""); }},
    {"TruncatedToHalf",
     [](auto& path, auto& bytes) { overwrite(path, bytes.substr(0, bytes.size() / 2)); }},
    {"LastByteMissing",
     [](auto& path, auto& bytes) { overwrite(path, bytes.substr(0, bytes.size() - 1)); }},
    {"ByteFlipped", [](auto& path, auto& bytes) { flip_bytes(path, bytes.size() / 2, 1); }},
    {"RandomBytes", [](auto& path, auto& bytes) { overwrite(path, test_value(bytes.size(), 99)); }},
    {"GarbageAppended", [](auto& path, auto& bytes) { overwrite(path, bytes + "garbage"); }},
};

class DamagedCatalogTest : public PersistenceTest,
                           public ::testing::WithParamInterface<CatalogDamage> {};

TEST_P(DamagedCatalogTest, OpenThrowsCorruptionNamingTheCatalog) {
  auto store = open_store(dir_.path());
  populate(*store, {1, 2}, 100);
  store->close();
  const std::string path = dir_.path() + "/" + kCatalog;
  std::ifstream in(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  ASSERT_FALSE(bytes.empty());

  GetParam().apply(path, bytes);

  auto thrown = thrown_by([&] { open_store(dir_.path()); });
  EXPECT_EQ(thrown.code, "Corruption") << thrown.message;
  EXPECT_TRUE(contains(thrown.message, kCatalog));
}

INSTANTIATE_TEST_SUITE_P(Damages, DamagedCatalogTest, ::testing::ValuesIn(kCatalogDamages),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(PersistenceTest, MissingCatalogRebuildsTheContainersOrThrows) {
  auto store = open_store(dir_.path());
  populate(*store, {1, 2}, 200);
  store->close();
  std::filesystem::remove(dir_.path() + "/" + kCatalog);

  std::unique_ptr<StorageManager> reopened;
  auto thrown = thrown_by([&] { reopened = open_store(dir_.path()); });
  if (thrown.code == "none") {
    EXPECT_EQ(reopened->containers(), (std::vector<ContainerId>{1, 2}));
    expect_holds(*reopened, model_);
  } else {
    EXPECT_NE(thrown.code, "other") << thrown.message;
  }
}

// --- the free-space file (format.md, F4) -------------------------------------------------------

std::uint64_t file_size(const std::string& path) { return std::filesystem::file_size(path); }

// 1000-byte values, four to a page.
std::vector<ValueId> fill_pages(StorageManager& store, ContainerId c, PageNo pages) {
  std::vector<ValueId> ids;
  for (PageNo i = 0; i < 4 * pages; ++i) ids.push_back(store.insert_value(c, test_value(1000, i)));
  return ids;
}

// The catalog holds no per-page data, whatever the size of the containers, and the first insert
// after opening reads the saved map rather than every page.
TEST_F(PersistenceTest, OpeningReadsNoPerPageDataAndTheFirstInsertReadsTheSavedMap) {
  auto store = open_store(dir_.path());
  store->create_container(1);
  fill_pages(*store, 1, 4);
  store->close();
  const std::uint64_t small = file_size(dir_.path() + "/" + kCatalog);
  store = open_store(dir_.path());
  std::vector<ValueId> ids = fill_pages(*store, 1, 300);
  store->delete_value(ids[40]);  // page 14 of the 304 has room again
  ASSERT_EQ(ids[40].page, 14u);
  store->close();
  EXPECT_EQ(file_size(dir_.path() + "/" + kCatalog), small);
  EXPECT_EQ(file_size(dir_.path() + "/c1.fsm"), 32 + 2 * 304 + 8u);

  store = open_store(dir_.path());
  EXPECT_EQ(store->stats().page_reads, 0u);
  EXPECT_EQ(store->insert_value(1, test_value(1000, 7)).page, 14u);
  EXPECT_EQ(store->stats().page_reads, 1u);  // page 14 only
}

// A missing, damaged or stale free-space file is rebuilt from the pages: nothing is lost and
// inserts still find the page with room.
TEST_F(PersistenceTest, AMissingOrDamagedFreeSpaceFileIsRebuiltFromThePages) {
  auto store = open_store(dir_.path());
  store->create_container(1);
  std::vector<ValueId> ids = fill_pages(*store, 1, 20);
  store->delete_value(ids[12]);  // page 3 has room
  store->close();
  const std::string map = dir_.path() + "/c1.fsm";
  for (int round = 0; round < 3; ++round) {
    if (round == 0) std::filesystem::remove(map);
    if (round == 1) flip_bytes(map, 40, 2);
    if (round == 2) flip_bytes(map, 16, 1);  // the checkpoint it was saved for
    store = open_store(dir_.path());
    const ValueId id = store->insert_value(1, test_value(1000, 100 + round));
    EXPECT_EQ(id.page, 3u + round) << round;  // the page the last round left room on
    EXPECT_EQ(store->stats().page_reads, 20u) << "every page is read to rebuild the map";
    EXPECT_EQ(scan_all(*store, 1).size(), 80u) << round;
    store->delete_value(ids[4 * (4 + round)]);  // room on the next page for the next round
    store->close();
    EXPECT_TRUE(std::filesystem::exists(map));  // saved again
  }
}

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

// A store whose catalog is of version 2 (free-space maps inline, format.md "Catalog") opens with
// its maps, and its next checkpoint moves them to free-space files.
TEST_F(PersistenceTest, AVersion2CatalogIsReadAndItsMapsMovedToFreeSpaceFiles) {
  auto store = open_store(dir_.path());
  store->create_container(1);
  std::vector<ValueId> ids = fill_pages(*store, 1, 30);
  store->delete_value(ids[20]);  // page 5 has room
  store->close();
  const auto cat = catalog::read(default_file_system(), dir_.path());
  ASSERT_TRUE(cat);
  const catalog::ContainerEntry& e = cat->containers.at(0);
  const auto entries =
      free_space_file::read(default_file_system(), dir_.path(), e.id, e.free_space_seq, e.pages);
  ASSERT_TRUE(entries);
  std::string v2 = "HSCATLG1";
  put(v2, std::uint32_t{2});
  put(v2, std::uint32_t{0});
  put(v2, std::uint32_t{1});
  put(v2, std::uint32_t{0});
  put(v2, cat->log_seq);
  put(v2, cat->redo_lsn);
  put(v2, e.id);
  put(v2, e.pages);
  put(v2, e.live_values);
  put(v2, e.live_bytes);
  for (std::uint16_t free : *entries) put(v2, free);
  put(v2, bytes_checksum(std::as_bytes(std::span(v2))));
  overwrite(dir_.path() + "/" + kCatalog, v2);
  std::filesystem::remove(dir_.path() + "/c1.fsm");

  store = open_store(dir_.path());
  EXPECT_EQ(scan_all(*store, 1).size(), 119u);
  store->close();  // saves the map, unchanged since opening, to its file
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/c1.fsm"));
  store = open_store(dir_.path());
  EXPECT_EQ(store->insert_value(1, test_value(1000, 1)).page, 5u);
  EXPECT_EQ(store->stats().page_reads, 1u);  // the map came from the file
}

}  // namespace
}  // namespace heapstore
