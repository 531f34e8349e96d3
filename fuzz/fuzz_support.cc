// Shared fuzz support: values, sizes, ids, and the check of a store's files (format.md, Catalog).
#include "fuzz_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "heapstore/error.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace heapstore::fuzz {

void fail(const std::string& what) {
  std::fprintf(stderr, "heapstore fuzz check failed: %s\n", what.c_str());
  std::abort();
}

bool tolerated(std::string_view id) {
  static const std::string list = [] {
    const char* env = std::getenv("HEAPSTORE_FUZZ_TOLERATE");
    return "," + std::string(env ? env : "") + ",";
  }();
  return list.find("," + std::string(id) + ",") != std::string::npos;
}

std::string make_value(std::size_t size, std::uint32_t tag) {
  std::string value(size, '\0');
  std::uint32_t x = tag * 2654435761u + 1;
  for (char& c : value) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return value;
}

std::size_t pick_size(FuzzedDataProvider& in, std::size_t fits) {
  constexpr std::size_t kMax = Page::kMaxValueSize;
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0:
      return in.ConsumeIntegralInRange<std::size_t>(0, 16);
    case 1:
      return in.ConsumeIntegralInRange<std::size_t>(0, 300);
    case 2:
      return in.ConsumeIntegralInRange<std::size_t>(0, kMax);
    case 3:
      return std::max<std::size_t>(fits, 2) + in.ConsumeIntegralInRange<std::size_t>(0, 4) - 2;
    case 4:
      return kMax + in.ConsumeIntegralInRange<std::size_t>(0, 64);
    default:
      return in.ConsumeIntegralInRange<std::size_t>(kMax - 64, kMax);
  }
}

std::pair<std::uint16_t, std::uint16_t> slot_entry(const Page& page, std::size_t index) {
  std::uint16_t entry[2];
  std::memcpy(entry, page.raw().data() + Page::kHeaderSize + index * Page::kSlotSize, 4);
  return {entry[0], entry[1]};
}

// --- Stores -------------------------------------------------------------------------------------

Scanned values_of(const Values& values, ContainerId c) {
  Scanned out;
  for (auto it = values.lower_bound({c, 0, 0}); it != values.end() && it->first.container == c;
       ++it)
    out.emplace_back(it->first, it->second);
  return out;
}

void expect_scan(const Values& expected, ContainerId c, const Scanned& got,
                 std::string_view where) {
  Scanned want = values_of(expected, c);
  auto [w, g] = std::mismatch(want.begin(), want.end(), got.begin(), got.end());
  if (w == want.end() && g == got.end()) return;
  std::string message = std::string(where) + ": container " + std::to_string(c) + " holds " +
                        std::to_string(got.size()) + " values, expected " +
                        std::to_string(want.size()) + "; first difference: ";
  if (w == want.end()) {
    message += "unexpected " + to_string(g->first);
  } else if (g == got.end()) {
    message += "missing " + to_string(w->first);
  } else {
    message += "expected " + to_string(w->first) + " (" + std::to_string(w->second.size()) +
               " bytes), got " + to_string(g->first) + " (" + std::to_string(g->second.size()) +
               " bytes)";
  }
  fail(message);
}

ValueId pick_id(FuzzedDataProvider& in, const Values& values, ContainerId container) {
  if (!values.empty() && in.ConsumeIntegralInRange(0, 7) != 0) {
    auto it = values.begin();
    std::advance(it, in.ConsumeIntegralInRange<std::size_t>(0, values.size() - 1));
    return it->first;
  }
  return {container, in.ConsumeIntegralInRange<PageNo>(0, 40),
          in.ConsumeIntegralInRange<SlotId>(0, 300)};
}

// --- Store files --------------------------------------------------------------------------------

namespace {

// Reads little-endian fields of the catalog; running past the end is a C1 failure.
class Reader {
 public:
  explicit Reader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  template <typename T>
  T get() {
    T value;
    HS_FUZZ_CHECK(bytes_.size() - at_ >= sizeof value, "catalog truncated (C1)");
    std::memcpy(&value, bytes_.data() + at_, sizeof value);
    at_ += sizeof value;
    return value;
  }
  bool at_end() const { return at_ == bytes_.size(); }

 private:
  std::span<const std::byte> bytes_;
  std::size_t at_ = 0;
};

// One page image of a container file: P8 and P1-P7, or all zero (H2, never written).
Page check_page_image(std::span<const std::byte> image, ContainerId c, PageNo p) {
  std::string where = "container " + std::to_string(c) + " page " + std::to_string(p);
  if (std::all_of(image.begin(), image.end(), [](std::byte b) { return b == std::byte{0}; }))
    return Page();
  std::uint32_t stored;
  std::memcpy(&stored, image.data(), sizeof stored);
  auto sum = static_cast<std::uint32_t>(XXH3_64bits_withSeed(image.data() + 4, kPageSize - 4, p));
  HS_FUZZ_CHECK(stored == sum, where + ": checksum does not match (P8)");
  try {
    return Page::decode(image.first<kPageSize>(), p);
  } catch (const Error& e) {
    fail(where + ": a page the engine wrote does not decode: " + e.what());
  }
}

// C4 for one container record: file length, pages, free-space entries, live counts, contents.
void check_container(const MemoryFileSystem& fs, const std::string& dir, Reader& in, ContainerId id,
                     const Values* expected) {
  auto pages = in.get<std::uint32_t>();
  auto live_values = in.get<std::uint64_t>();
  auto live_bytes = in.get<std::uint64_t>();
  auto file = fs.contents(dir + "/c" + std::to_string(id) + ".heap");
  HS_FUZZ_CHECK(file.has_value(), "container " + std::to_string(id) + " has no file (C2)");
  HS_FUZZ_CHECK(file->size() / kPageSize == pages,
                "container " + std::to_string(id) + ": file of " + std::to_string(file->size()) +
                    " bytes, catalog says " + std::to_string(pages) + " pages (C4, H1)");
  std::uint64_t values = 0, bytes = 0;
  Scanned scanned;
  for (PageNo p = 0; p < pages; ++p) {
    auto free = in.get<std::uint16_t>();
    Page page =
        check_page_image(std::span(*file).subspan(std::size_t{p} * kPageSize, kPageSize), id, p);
    HS_FUZZ_CHECK(free == page.max_insert_size(),
                  "container " + std::to_string(id) + " page " + std::to_string(p) +
                      ": free-space entry " + std::to_string(free) + ", page takes " +
                      std::to_string(page.max_insert_size()) + " (F1, C4)");
    for (const Page::Entry& e : page) {
      ++values;
      bytes += e.value.size();
      if (expected) scanned.emplace_back(ValueId{id, p, e.slot}, std::string(e.value));
    }
  }
  HS_FUZZ_CHECK(values == live_values && bytes == live_bytes,
                "container " + std::to_string(id) + ": catalog counts " +
                    std::to_string(live_values) + " values of " + std::to_string(live_bytes) +
                    " bytes, pages hold " + std::to_string(values) + " of " +
                    std::to_string(bytes) + " (C4)");
  if (expected) expect_scan(*expected, id, scanned, "files after flush");
}

}  // namespace

void check_store_files(const MemoryFileSystem& fs, const std::string& dir,
                       const std::set<ContainerId>& containers, const Values* expected) {
  auto bytes = fs.contents(dir + "/CATALOG");
  HS_FUZZ_CHECK(bytes.has_value(), "no catalog in " + dir);
  HS_FUZZ_CHECK(bytes->size() >= 32, "catalog of " + std::to_string(bytes->size()) + " bytes (C1)");
  std::span<const std::byte> body = std::span(*bytes).first(bytes->size() - 8);
  std::uint64_t trailer;
  std::memcpy(&trailer, bytes->data() + body.size(), sizeof trailer);
  HS_FUZZ_CHECK(trailer == XXH3_64bits(body.data(), body.size()), "catalog checksum (C1)");
  Reader in(body);
  HS_FUZZ_CHECK(in.get<std::uint64_t>() == 0x31474c5441435348u, "catalog magic (C1)");
  HS_FUZZ_CHECK(in.get<std::uint32_t>() == 2, "catalog version (C1)");
  HS_FUZZ_CHECK(in.get<std::uint32_t>() == 0, "unknown catalog flags (C1)");
  auto count = in.get<std::uint32_t>();
  HS_FUZZ_CHECK(in.get<std::uint32_t>() == 0, "catalog reserved field (C1)");
  auto log_seq = in.get<std::uint64_t>();
  in.get<std::uint64_t>();  // the redo point: checked by the log's header, below
  // Right after a checkpoint the log holds its header and nothing else (C4 applies, L5), and the
  // directory holds exactly the catalog, that log and the containers' files.
  std::string log = "wal." + std::to_string(log_seq);
  auto log_bytes = fs.contents(dir + "/" + log);
  HS_FUZZ_CHECK(log_bytes && log_bytes->size() == 32, log + " is not an empty log (L5)");
  std::set<std::string> names{"CATALOG", log};
  for (ContainerId id : containers) names.insert("c" + std::to_string(id) + ".heap");
  std::vector<std::string> listed = const_cast<MemoryFileSystem&>(fs).list(dir);
  std::string found;
  for (const std::string& name : listed) found += " " + name;
  HS_FUZZ_CHECK(std::set<std::string>(listed.begin(), listed.end()) == names,
                "the directory holds other files than the catalog's (L7):" + found);
  HS_FUZZ_CHECK(count == containers.size(), "catalog lists " + std::to_string(count) +
                                                " containers, the store has " +
                                                std::to_string(containers.size()) + " (C2)");
  auto want = containers.begin();
  for (std::uint32_t i = 0; i < count; ++i, ++want) {
    auto id = in.get<std::uint32_t>();
    HS_FUZZ_CHECK(id == *want, "catalog record " + std::to_string(i) + " is container " +
                                   std::to_string(id) + ", expected " + std::to_string(*want) +
                                   " (C2)");
    check_container(fs, dir, in, id, expected);
  }
  HS_FUZZ_CHECK(in.at_end(), "catalog has bytes after its records (C1)");
}

}  // namespace heapstore::fuzz
