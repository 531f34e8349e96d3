// HeapFile: page i of a container at byte offset i * kPageSize (format.md, "Heap file").
#include "heap_file.h"

#include <algorithm>
#include <limits>

#include "heapstore/error.h"

namespace heapstore {
namespace {

bool all_zero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

}  // namespace

HeapFile::HeapFile(ContainerId id, std::unique_ptr<File> file, PageNo page_count)
    : id_(id), file_(std::move(file)), page_count_(page_count) {}

PageNo HeapFile::pages_in(File& file) {
  std::uint64_t pages = file.size() / kPageSize;
  return static_cast<PageNo>(std::min<std::uint64_t>(pages, std::numeric_limits<PageNo>::max()));
}

PageNo HeapFile::allocate_page() {
  if (page_count_ == std::numeric_limits<PageNo>::max())
    throw Error(ErrorCode::kResourceExhausted,
                "container " + std::to_string(id_) + " is at its page limit");
  return page_count_++;
}

HeapFile::PageState HeapFile::check_loaded(PageNo page_no, Page& out, std::size_t read,
                                           Page::Check check, std::string* problem) {
  std::fill(out.raw().begin() + static_cast<std::ptrdiff_t>(read), out.raw().end(), std::byte{0});
  std::optional<std::string> found = out.verify(page_no, check);
  if (!found) return PageState::kValid;
  if (all_zero(out.raw())) {
    out = Page();
    return PageState::kNeverWritten;
  }
  if (problem != nullptr) *problem = std::move(*found);
  return PageState::kDamaged;
}

HeapFile::PageState HeapFile::load_page(PageNo page_no, Page& out, std::string* problem,
                                        Page::Check check) {
  if (page_no >= page_count_)
    throw Error(ErrorCode::kNotFound, page_name(id_, page_no) + ": past the last page (" +
                                          std::to_string(page_count_) + " pages)");
  std::size_t n = file_->read_at(std::uint64_t{page_no} * kPageSize, out.raw());
  page_reads_.fetch_add(1, std::memory_order_relaxed);
  return check_loaded(page_no, out, n, check, problem);
}

void HeapFile::load_pages(PageNo first, std::span<Page* const> out, std::span<PageState> states) {
  if (std::uint64_t{first} + out.size() > page_count_)
    throw Error(ErrorCode::kNotFound, page_name(id_, first) + ": " + std::to_string(out.size()) +
                                          " pages reach past the last page (" +
                                          std::to_string(page_count_) + " pages)");
  std::vector<std::span<std::byte>> pieces;
  for (Page* page : out) pieces.push_back(page->raw());
  std::size_t n = file_->read_scattered(std::uint64_t{first} * kPageSize, pieces);
  page_reads_.fetch_add(out.size(), std::memory_order_relaxed);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t at = i * kPageSize;
    const std::size_t have = n > at ? std::min(n - at, kPageSize) : 0;
    states[i] =
        check_loaded(static_cast<PageNo>(first + i), *out[i], have, Page::Check::kBounds, nullptr);
  }
}

void HeapFile::read_page(PageNo page_no, Page& out) {
  std::string problem;
  if (load_page(page_no, out, &problem, Page::Check::kBounds) == PageState::kDamaged)
    throw Error(ErrorCode::kCorruption, page_name(id_, page_no) + " (" + path() + "): " + problem);
}

void HeapFile::cut_to_page_count() {
  if (file_->size() > std::uint64_t{page_count_} * kPageSize)
    file_->truncate(std::uint64_t{page_count_} * kPageSize);
}

void HeapFile::write_page(PageNo page_no, Page& page) {
  file_->write_at(std::uint64_t{page_no} * kPageSize, page.encode(page_no));
  page_writes_.fetch_add(1, std::memory_order_relaxed);
}

void HeapFile::write_pages(PageNo first, std::span<Page* const> pages) {
  if (pages.size() == 1) return write_page(first, *pages[0]);
  std::vector<std::span<const std::byte>> images;
  for (std::size_t i = 0; i < pages.size(); ++i)
    images.push_back(pages[i]->encode(static_cast<PageNo>(first + i)));
  file_->write_gathered(std::uint64_t{first} * kPageSize, images);
  page_writes_.fetch_add(pages.size(), std::memory_order_relaxed);
}

}  // namespace heapstore
