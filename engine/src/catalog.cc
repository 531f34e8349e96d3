// Catalog encoding (format.md, "Catalog"): a fixed header, one record per container, and an
// XXH3-64 trailer over everything before it. Reading treats the file as untrusted.
#include "catalog.h"

#include <charconv>
#include <cstring>

#include "checksum.h"
#include "heapstore/error.h"
#include "page.h"

namespace heapstore::catalog {
namespace {

constexpr char kMagic[8] = {'H', 'S', 'C', 'A', 'T', 'L', 'G', '1'};
constexpr std::uint32_t kVersion = 3;
constexpr std::uint32_t kInlineFreeSpaceVersion = 2;  // still read: its records hold the map
constexpr std::size_t kHeaderSize = 40;
// u32 id, u32 page count, u64 live values, u64 live bytes, u64 free-space seq (version 2: no seq,
// then a u16 per page)
constexpr std::size_t kRecordSize = 32;
constexpr std::size_t kInlineRecordSize = 24;

class Writer {
 public:
  template <typename T>
  void put(T value) {
    auto at = bytes_.size();
    bytes_.resize(at + sizeof value);
    std::memcpy(bytes_.data() + at, &value, sizeof value);
  }
  std::vector<std::byte>& bytes() { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

class Reader {
 public:
  Reader(std::span<const std::byte> bytes, std::string path)
      : bytes_(bytes), path_(std::move(path)) {}
  template <typename T>
  T get() {
    T value;
    need(sizeof value);
    std::memcpy(&value, bytes_.data() + at_, sizeof value);
    at_ += sizeof value;
    return value;
  }
  void need(std::size_t n) const {
    if (bytes_.size() - at_ < n) fail("truncated at byte " + std::to_string(at_));
  }
  bool at_end() const { return at_ == bytes_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::kCorruption, "catalog " + path_ + ": " + what);
  }

 private:
  std::span<const std::byte> bytes_;
  std::string path_;
  std::size_t at_ = 0;
};

std::string path_of(const std::string& dir) { return dir + "/" + std::string(kFileName); }

ContainerEntry read_entry(Reader& in, std::uint32_t version) {
  ContainerEntry e;
  e.id = in.get<std::uint32_t>();
  e.pages = in.get<std::uint32_t>();
  e.live_values = in.get<std::uint64_t>();
  e.live_bytes = in.get<std::uint64_t>();
  if (version != kInlineFreeSpaceVersion) {
    e.free_space_seq = in.get<std::uint64_t>();
    return e;
  }
  in.need(std::size_t{e.pages} * 2);
  e.inline_free_space.resize(e.pages);
  for (auto& free : e.inline_free_space) {
    free = in.get<std::uint16_t>();
    if (free > Page::kMaxValueSize)
      in.fail("container " + std::to_string(e.id) + " free space " + std::to_string(free) +
              " exceeds a page");
  }
  return e;
}

}  // namespace

void write(FileSystem& fs, const std::string& dir, const Catalog& catalog, bool sync) {
  Writer out;
  for (char c : kMagic) out.put(c);
  out.put(kVersion);
  out.put(std::uint32_t{0});
  out.put(static_cast<std::uint32_t>(catalog.containers.size()));
  out.put(std::uint32_t{0});
  out.put(catalog.log_seq);
  out.put(catalog.redo_lsn);
  for (const ContainerEntry& e : catalog.containers) {
    out.put(e.id);
    out.put(e.pages);
    out.put(e.live_values);
    out.put(e.live_bytes);
    out.put(e.free_space_seq);
  }
  out.put(bytes_checksum(out.bytes()));
  std::string temp = path_of(dir) + ".tmp";
  {
    auto file = fs.open(temp, true);
    file->truncate(0);
    file->write_at(0, out.bytes());
    if (sync) file->sync();
  }
  fs.rename(temp, path_of(dir));
  if (sync) fs.sync_directory(dir);
}

std::optional<Catalog> read(FileSystem& fs, const std::string& dir) {
  std::string path = path_of(dir);
  if (!fs.exists(path)) return std::nullopt;
  auto file = fs.open(path, false);
  std::vector<std::byte> bytes(file->size());
  bytes.resize(file->read_at(0, bytes));
  Reader in(bytes, path);
  if (bytes.size() < kHeaderSize + 8)
    in.fail("too short (" + std::to_string(bytes.size()) + " bytes)");
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  std::span<const std::byte> body_bytes = std::span(bytes).first(bytes.size() - 8);
  if (stored != bytes_checksum(body_bytes)) in.fail("checksum mismatch");
  Reader body{body_bytes, path};
  for (char c : kMagic)
    if (body.get<char>() != c) body.fail("bad magic");
  const auto version = body.get<std::uint32_t>();
  if (version != kVersion && version != kInlineFreeSpaceVersion)
    body.fail("unknown version " + std::to_string(version) +
              (version == 1 ? " (written before the write-ahead log; recreate the store)" : ""));
  if (auto flags = body.get<std::uint32_t>(); flags != 0)
    body.fail("unknown flags " + std::to_string(flags));
  Catalog catalog;
  auto count = body.get<std::uint32_t>();
  body.get<std::uint32_t>();
  catalog.log_seq = body.get<std::uint64_t>();
  catalog.redo_lsn = body.get<std::uint64_t>();
  body.need(std::size_t{count} * (version == kVersion ? kRecordSize : kInlineRecordSize));
  for (std::uint32_t i = 0; i < count; ++i) {
    catalog.containers.push_back(read_entry(body, version));
    if (i > 0 && catalog.containers[i - 1].id >= catalog.containers[i].id)
      body.fail("container ids out of order");
  }
  if (!body.at_end()) body.fail("trailing bytes after the last container");
  return catalog;
}

std::string container_file(ContainerId id) { return "c" + std::to_string(id) + ".heap"; }

std::optional<ContainerId> parse_container_file(std::string_view name) {
  return parse_container_name(name, ".heap");
}

std::optional<ContainerId> parse_container_name(std::string_view name, std::string_view suffix) {
  if (name.size() <= 1 + suffix.size() || name.front() != 'c' || !name.ends_with(suffix))
    return std::nullopt;
  std::string_view digits = name.substr(1, name.size() - 1 - suffix.size());
  ContainerId id;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() ||
      "c" + std::to_string(id) != name.substr(0, name.size() - suffix.size()))
    return std::nullopt;
  return id;
}

}  // namespace heapstore::catalog
