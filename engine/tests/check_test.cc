// check_store and inspect_container: a store read as untrusted bytes, never changed.
#include "heapstore/check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include "catalog.h"
#include "free_space_file.h"
#include "heapstore/error.h"
#include "heapstore/storage_manager.h"
#include "inspect.h"
#include "test_support.h"

namespace heapstore {
namespace {

using testing::TempDir;

class CheckTest : public ::testing::Test {
 protected:
  // Two containers of a few pages each, closed cleanly.
  void SetUp() override {
    auto store = StorageManager::open(
        dir_.path(),
        {.buffer_pool_frames = 8, .file_system = nullptr, .durability = Durability::kNone});
    for (ContainerId c : {1u, 2u}) {
      store->create_container(c);
      for (int i = 0; i < 200; ++i) store->insert_value(c, std::string(50 + i % 70, 'a' + i % 26));
    }
  }

  std::string file(ContainerId c) const { return dir_.path() + "/c" + std::to_string(c) + ".heap"; }

  void overwrite(const std::string& path, std::uint64_t offset, const std::string& bytes) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  std::string joined(const CheckReport& r) {
    std::string all;
    for (const auto& p : r.problems) all += p + "\n";
    return all;
  }
  std::string notes(const CheckReport& r) {
    std::string all;
    for (const auto& n : r.notes) all += n + "\n";
    return all;
  }

  TempDir dir_;
};

TEST_F(CheckTest, ACleanStoreHasNoProblemsAndIsNotChanged) {
  auto before = std::filesystem::last_write_time(file(1));
  CheckReport r = check_store(dir_.path());
  EXPECT_TRUE(r.problems.empty()) << joined(r);
  EXPECT_TRUE(r.notes.empty());
  EXPECT_EQ(r.containers, 2u);
  EXPECT_GT(r.pages, 4u);
  EXPECT_EQ(std::filesystem::last_write_time(file(1)), before);
}

TEST_F(CheckTest, ADamagedPageIsNamedByContainerAndPage) {  // P8
  overwrite(file(2), kPageSize + 300, "\x01\x02\x03");
  CheckReport r = check_store(dir_.path());
  ASSERT_EQ(r.problems.size(), 1u) << joined(r);
  EXPECT_NE(r.problems[0].find("container 2 page 1"), std::string::npos) << r.problems[0];
}

TEST_F(CheckTest, PagesThatDisagreeWithTheCatalogAreReported) {  // C4
  std::filesystem::resize_file(file(1), std::filesystem::file_size(file(1)) + kPageSize);
  CheckReport r = check_store(dir_.path());
  EXPECT_NE(joined(r).find("container 1: the catalog says"), std::string::npos) << joined(r);
}

// F1, C4: a saved free-space entry that disagrees with its page is a problem; a free-space file
// that is missing or of another checkpoint only a note (the map is rebuilt when needed, F4).
TEST_F(CheckTest, SavedFreeSpaceIsComparedWithThePagesAndAMissingMapIsANote) {
  const std::optional<catalog::Catalog> cat = catalog::read(default_file_system(), dir_.path());
  ASSERT_TRUE(cat);
  const catalog::ContainerEntry& entry = cat->containers[0];
  auto entries = free_space_file::read(default_file_system(), dir_.path(), entry.id,
                                       entry.free_space_seq, entry.pages);
  ASSERT_TRUE(entries);
  (*entries)[1] += 1;
  free_space_file::write(default_file_system(), dir_.path(), entry.id, entry.free_space_seq,
                         *entries, false);
  CheckReport r = check_store(dir_.path());
  EXPECT_NE(joined(r).find("container 1 page 1: the saved free-space entry"), std::string::npos)
      << joined(r);

  std::filesystem::remove(dir_.path() + "/c1.fsm");
  r = check_store(dir_.path());
  EXPECT_TRUE(r.problems.empty()) << joined(r);
  EXPECT_NE(notes(r).find("c1.fsm is missing, damaged or of another checkpoint"), std::string::npos)
      << notes(r);
}

TEST_F(CheckTest, APartialLastPageAndAnOrphanFileAreReported) {  // H3
  std::filesystem::resize_file(file(1), std::filesystem::file_size(file(1)) + 100);
  std::ofstream(dir_.path() + "/c9.heap") << "x";
  CheckReport report = check_store(dir_.path());
  EXPECT_NE(joined(report).find("partial page of 100 bytes"), std::string::npos) << joined(report);
  // Opening removes a file no container owns, so it is a note, not damage.
  EXPECT_NE(notes(report).find("c9.heap: not in the catalog"), std::string::npos) << notes(report);
}

TEST_F(CheckTest, AMissingContainerFileIsReported) {  // C2
  std::filesystem::remove(file(2));
  EXPECT_NE(joined(check_store(dir_.path())).find("container 2: file"), std::string::npos);
}

TEST_F(CheckTest, RandomBytesEverywhereNeverCrashIt) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 50; ++round) {
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      std::string junk(rng() % 9000, '\0');
      for (char& c : junk) c = static_cast<char>(rng());
      std::ofstream(entry.path(), std::ios::binary) << junk;
    }
    CheckReport r = check_store(dir_.path());
    EXPECT_FALSE(r.problems.empty());
  }
}

TEST_F(CheckTest, NoStoreAtAllIsAnError) {
  TempDir empty;
  EXPECT_THROW(check_store(empty.path()), Error);
  EXPECT_THROW(check_store(empty.path() + "/missing"), Error);
}

TEST_F(CheckTest, InspectShowsEveryPageAndADamagedOneWithItsProblem) {
  overwrite(file(1), 300, "\x07");
  std::vector<PageSummary> pages = inspect_container(dir_.path(), 1);
  ASSERT_GT(pages.size(), 2u);
  ASSERT_TRUE(pages[0].problem.has_value());
  EXPECT_FALSE(pages[1].problem.has_value());
  EXPECT_EQ(pages[1].catalog_free, pages[1].image.max_insert_size());
  EXPECT_EQ(inspect_container(dir_.path(), 1, 1).size(), 1u);
  EXPECT_THROW(inspect_container(dir_.path(), 1, 9999), Error);
  EXPECT_THROW(inspect_container(dir_.path(), 7), Error);
}

}  // namespace
}  // namespace heapstore
