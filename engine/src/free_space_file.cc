// Free-space file encoding (format.md, "Free-space file"): a fixed header, one u16 per page and an
// XXH3-64 trailer over everything before it. Reading treats the file as untrusted and answers
// "nothing" rather than throwing for damage: the map can always be rebuilt from the pages.
#include "free_space_file.h"

#include <cstring>

#include "catalog.h"
#include "checksum.h"
#include "page.h"

namespace heapstore::free_space_file {
namespace {

constexpr char kMagic[8] = {'H', 'S', 'F', 'S', 'M', 'A', 'P', '1'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderSize = 32;  // magic, u32 version, u32 id, u64 seq, u32 pages, u32 0
constexpr std::string_view kSuffix = ".fsm";

template <typename T>
void put(std::vector<std::byte>& out, T value) {
  const std::size_t at = out.size();
  out.resize(at + sizeof value);
  std::memcpy(out.data() + at, &value, sizeof value);
}

template <typename T>
T get(std::span<const std::byte> bytes, std::size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof value);
  return value;
}

}  // namespace

std::string name(ContainerId id) { return "c" + std::to_string(id) + std::string(kSuffix); }

std::optional<ContainerId> parse_name(std::string_view name) {
  return catalog::parse_container_name(name, kSuffix);
}

void write(FileSystem& fs, const std::string& dir, ContainerId id, std::uint64_t seq,
           std::span<const std::uint16_t> entries, bool sync) {
  std::vector<std::byte> out;
  out.reserve(kHeaderSize + 2 * entries.size() + 8);
  for (char c : kMagic) put(out, c);
  put(out, kVersion);
  put(out, id);
  put(out, seq);
  put(out, static_cast<std::uint32_t>(entries.size()));
  put(out, std::uint32_t{0});
  for (std::uint16_t free : entries) put(out, free);
  put(out, bytes_checksum(out));
  const std::string path = dir + "/" + name(id);
  {
    auto file = fs.open(path + ".tmp", true);
    file->truncate(0);
    file->write_at(0, out);
    if (sync) file->sync();
  }
  fs.rename(path + ".tmp", path);
}

std::optional<std::vector<std::uint16_t>> read(FileSystem& fs, const std::string& dir,
                                               ContainerId id, std::uint64_t seq, PageNo pages) {
  const std::string path = dir + "/" + name(id);
  if (!fs.exists(path)) return std::nullopt;
  auto file = fs.open(path, false);
  const std::size_t expected = kHeaderSize + 2 * std::size_t{pages} + 8;
  if (file->size() != expected) return std::nullopt;
  std::vector<std::byte> bytes(expected);
  if (file->read_at(0, bytes) != expected) return std::nullopt;
  std::span<const std::byte> body = std::span(bytes).first(expected - 8);
  if (get<std::uint64_t>(bytes, expected - 8) != bytes_checksum(body) ||
      std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0 ||
      get<std::uint32_t>(bytes, 8) != kVersion || get<std::uint32_t>(bytes, 12) != id ||
      get<std::uint64_t>(bytes, 16) != seq || get<std::uint32_t>(bytes, 24) != pages)
    return std::nullopt;
  std::vector<std::uint16_t> entries(pages);
  for (PageNo p = 0; p < pages; ++p) {
    entries[p] = get<std::uint16_t>(bytes, kHeaderSize + 2 * std::size_t{p});
    if (entries[p] > Page::kMaxValueSize) return std::nullopt;
  }
  return entries;
}

}  // namespace heapstore::free_space_file
