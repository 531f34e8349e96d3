// Unit tests of heapstore::HeapFile: page i of a container at byte offset i * kPageSize of its
// file (engine/doc/format.md, "Heap file"), read back verified.
#include "heap_file.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "heapstore/error.h"
#include "heapstore/file.h"
#include "test_support.h"

namespace heapstore {
namespace {

using testing::contains;
using testing::FaultyFileSystem;
using testing::test_value;
using testing::thrown_by;

constexpr ContainerId kContainer = 42;

std::string as_string(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void flip_byte(const std::string& path, std::uint64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  const char byte = static_cast<char>(file.get() ^ 0xFF);
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(byte);
}

// A page holding a few values derived from `seed`, so every page differs.
Page page_with(std::uint64_t seed) {
  Page page;
  for (std::uint64_t i = 0; i < 3; ++i) page.add_value(test_value(100 + 10 * i, seed * 10 + i));
  return page;
}

void expect_empty(const Page& page) {
  EXPECT_EQ(page.slot_count(), 0u);
  EXPECT_EQ(page.value_count(), 0u);
  EXPECT_EQ(page.free_space(), kPageSize - Page::kHeaderSize);
  EXPECT_EQ(page.validate(), std::nullopt);
}

class HeapFileTest : public ::testing::Test {
 protected:
  std::unique_ptr<HeapFile> open(PageNo page_count, FileSystem& fs = default_file_system()) {
    return std::make_unique<HeapFile>(kContainer, fs.open(path_, true), page_count);
  }

  // Allocates one page per entry of `order` (a permutation of 0..n-1) and writes page_with(i) to
  // page i in that order.
  std::vector<Page> write_pages(HeapFile& heap, const std::vector<PageNo>& order) {
    std::vector<Page> pages(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) heap.allocate_page();
    for (PageNo page_no : order) {
      pages[page_no] = page_with(page_no);
      heap.write_page(page_no, pages[page_no]);
    }
    return pages;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.path() + "/container.heap";
};

TEST_F(HeapFileTest, AllocatePageNumbersPagesFromZeroWithoutWriting) {
  auto heap = open(0);
  EXPECT_EQ(heap->id(), kContainer);
  EXPECT_EQ(heap->page_count(), 0u);
  for (PageNo expected : {0u, 1u, 2u}) EXPECT_EQ(heap->allocate_page(), expected);
  EXPECT_EQ(heap->page_count(), 3u);
  EXPECT_EQ(heap->bytes_on_disk(), 0u);
  EXPECT_EQ(heap->page_writes(), 0u);
}

TEST_F(HeapFileTest, WrittenPagesReadBackByteIdentical) {
  auto heap = open(0);
  std::vector<Page> pages = write_pages(*heap, {2, 0, 1});
  for (PageNo page_no = 0; page_no < pages.size(); ++page_no) {
    Page out = page_with(99);
    heap->read_page(page_no, out);
    EXPECT_EQ(as_string(out.raw()), as_string(pages[page_no].encode(page_no))) << page_no;
  }
}

TEST_F(HeapFileTest, PageILandsAtByteOffsetITimesPageSize) {  // format.md invariant H1
  auto heap = open(0);
  std::vector<Page> pages = write_pages(*heap, {3, 1, 0, 2});
  const std::string file = read_file(path_);
  ASSERT_EQ(file.size(), 4 * kPageSize);
  EXPECT_EQ(heap->bytes_on_disk(), 4 * kPageSize);
  for (PageNo page_no = 0; page_no < pages.size(); ++page_no) {
    EXPECT_EQ(file.substr(page_no * kPageSize, kPageSize),
              as_string(pages[page_no].encode(page_no)))
        << page_no;
  }
}

TEST_F(HeapFileTest, PagesPastTheEndOrAllZeroReadAsEmptyPages) {  // format.md invariant H2
  auto heap = open(0);
  for (int i = 0; i < 4; ++i) heap->allocate_page();
  Page written = page_with(2);
  heap->write_page(2, written);  // page 1 becomes a hole of zero bytes, page 3 is past the end
  for (PageNo page_no : {0u, 1u, 3u}) {
    SCOPED_TRACE(page_no);
    Page out = page_with(99);
    heap->read_page(page_no, out);
    expect_empty(out);
  }
}

TEST_F(HeapFileTest, CorruptedPageOnDiskRaisesCorruptionNamingContainerAndPage) {  // P8
  auto heap = open(0);
  write_pages(*heap, {0, 1});
  flip_byte(path_, kPageSize + kPageSize - 10);  // a value byte of page 1
  Page out;
  testing::Thrown thrown = thrown_by([&] { heap->read_page(1, out); });
  EXPECT_EQ(thrown.code, "Corruption");
  EXPECT_TRUE(contains(thrown.message, "container 42"));
  EXPECT_TRUE(contains(thrown.message, "page 1"));
  EXPECT_EQ(thrown_by([&] { heap->read_page(0, out); }).code, "none");
}

TEST_F(HeapFileTest, CountersCountPageReadsAndWrites) {
  auto heap = open(0);
  write_pages(*heap, {0, 1, 2});
  EXPECT_EQ(heap->page_writes(), 3u);
  EXPECT_EQ(heap->page_reads(), 0u);
  Page out;
  for (PageNo page_no : {0u, 2u, 2u, 1u, 0u}) heap->read_page(page_no, out);
  EXPECT_EQ(heap->page_reads(), 5u);
  EXPECT_EQ(heap->page_writes(), 3u);
}

TEST_F(HeapFileTest, ReopenedFileReadsBackEveryPage) {
  std::vector<Page> pages;
  {
    auto heap = open(0);
    pages = write_pages(*heap, {0, 1, 2});
    heap->sync();
  }
  std::filesystem::resize_file(path_, 3 * kPageSize + 100);  // partly written last page: H3
  std::unique_ptr<File> file = default_file_system().open(path_, false);
  ASSERT_EQ(HeapFile::pages_in(*file), 3u);
  auto heap = std::make_unique<HeapFile>(kContainer, std::move(file), 3);
  for (PageNo page_no = 0; page_no < 3; ++page_no) {
    Page out;
    heap->read_page(page_no, out);
    EXPECT_EQ(as_string(out.raw()), as_string(pages[page_no].encode(page_no))) << page_no;
  }
}

TEST_F(HeapFileTest, FailedReadOrWriteRaisesIOError) {
  FaultyFileSystem fs;
  auto heap = open(0, fs);
  std::vector<Page> pages = write_pages(*heap, {0});
  Page out;
  fs.fail(FaultyFileSystem::Op::kRead, FaultyFileSystem::Fault::kEio);
  EXPECT_EQ(thrown_by([&] { heap->read_page(0, out); }).code, "IOError");
  fs.fail(FaultyFileSystem::Op::kWrite, FaultyFileSystem::Fault::kNoSpace);
  EXPECT_EQ(thrown_by([&] { heap->write_page(0, pages[0]); }).code, "IOError");
  heap->read_page(0, out);  // both faults were one-off
  EXPECT_EQ(as_string(out.raw()), as_string(pages[0].encode(0)));
}

TEST_F(HeapFileTest, TornPageWriteIsReadAsCorruptionNotAsAValidPage) {  // format.md P8
  FaultyFileSystem fs;
  auto heap = open(0, fs);
  write_pages(*heap, {0});
  Page replacement = page_with(7);
  fs.fail(FaultyFileSystem::Op::kWrite, FaultyFileSystem::Fault::kTornPage);
  EXPECT_EQ(thrown_by([&] { heap->write_page(0, replacement); }).code, "IOError");
  Page out;
  testing::Thrown thrown = thrown_by([&] { heap->read_page(0, out); });
  EXPECT_EQ(thrown.code, "Corruption");
  EXPECT_TRUE(contains(thrown.message, "page 0"));
}

}  // namespace
}  // namespace heapstore
