#include "engine_adapter.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <stdexcept>

namespace heapstore::workload {

// Each engine's factory, defined in its own .cc.
std::unique_ptr<EngineAdapter> make_heapstore_engine(const std::string& dir,
                                                     const EngineConfig& config);
std::unique_ptr<EngineAdapter> make_sqlite_engine(const std::string& dir,
                                                  const EngineConfig& config);
std::unique_ptr<EngineAdapter> make_lmdb_engine(const std::string& dir, const EngineConfig& config);
std::unique_ptr<EngineAdapter> make_rocksdb_engine(const std::string& dir,
                                                   const EngineConfig& config);
std::unique_ptr<EngineAdapter> make_leveldb_engine(const std::string& dir,
                                                   const EngineConfig& config);
std::unique_ptr<EngineAdapter> make_wiredtiger_engine(const std::string& dir,
                                                      const EngineConfig& config);

namespace {

// The registry. max_value_bytes: heapstore's is page.h's kMaxValueSize; SQLite's is its default
// SQLITE_MAX_LENGTH (1e9), kept below 2^30 so a value always fits a 32-bit size. The peers' real
// limits are larger (LMDB: 0xffffffff; RocksDB: ~3 GiB, its 32-bit varint lengths; LevelDB: the
// same; WiredTiger: 4 GB less a little), so theirs are recorded as 1 GiB (2^30), a 32-bit size;
// a workload's values are at most 1 MiB (spec.h) in any case.
constexpr std::uint32_t kOneGiB = std::uint32_t{1} << 30;
constexpr EngineInfo kEngines[] = {
    {"heapstore", "this engine: slotted pages, a buffer pool and a write-ahead log", 4066,
     make_heapstore_engine},
    {"sqlite", "SQLite: a table per container (rowid, BLOB), WAL journal", 1'000'000'000,
     make_sqlite_engine},
    {"lmdb", "LMDB: a copy-on-write B+tree in one memory map, a write transaction per phase",
     kOneGiB, make_lmdb_engine},
    {"rocksdb", "RocksDB: an LSM tree with a WAL, block cache, no compression", kOneGiB,
     make_rocksdb_engine},
    {"leveldb", "LevelDB: an LSM tree with a log, block cache, no compression", kOneGiB,
     make_leveldb_engine},
    {"wiredtiger", "WiredTiger: a B-tree with a cache and a write-ahead log, no compression",
     kOneGiB, make_wiredtiger_engine},
};

std::string known_names() {
  std::string names;
  for (const EngineInfo& e : kEngines) names += (names.empty() ? "" : ", ") + std::string(e.name);
  return names;
}

}  // namespace

std::span<const EngineInfo> engine_table() { return kEngines; }

const EngineInfo& engine_info(std::string_view name) {
  for (const EngineInfo& e : kEngines)
    if (e.name == name) return e;
  throw std::invalid_argument("unknown engine '" + std::string(name) +
                              "' (known: " + known_names() + ")");
}

std::vector<std::string> engine_names() {
  std::vector<std::string> names;
  for (const EngineInfo& e : kEngines) names.emplace_back(e.name);
  return names;
}

namespace {

// The options every engine takes, moved from config.options into the config's own fields.
EngineConfig with_common_options(EngineConfig config) {
  config.buffer_pool_mib = static_cast<std::uint32_t>(number_option(
      "every engine", config.options, "buffer_pool_mib", config.buffer_pool_mib, 1, 1'048'576));
  config.options.erase("buffer_pool_mib");
  config.sync = choose_option("every engine", config.options, "sync",
                              config.sync ? "true" : "false", {"true", "false"}) == "true";
  config.options.erase("sync");
  return config;
}

}  // namespace

std::unique_ptr<EngineAdapter> make_engine(std::string_view name, const std::string& dir,
                                           const EngineConfig& config) {
  return engine_info(name).open(dir, with_common_options(config));
}

EngineChoice parse_engine_choice(std::string_view text) {
  const std::string whole(text);
  EngineChoice choice;
  if (const auto at = text.rfind('@'); at != std::string_view::npos) {
    choice.label = std::string(text.substr(at + 1));
    text = text.substr(0, at);
    if (choice.label.empty()) throw std::invalid_argument("'" + whole + "': empty label after @");
  }
  std::vector<std::string_view> parts;  // split at ':'
  for (std::size_t start = 0;;) {
    const auto end = text.find(':', start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  choice.engine = std::string(parts[0]);
  engine_info(choice.engine);  // throws for an unknown engine
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto equals = parts[i].find('=');
    if (equals == std::string_view::npos || equals == 0)
      throw std::invalid_argument("'" + whole + "': expected KEY=VALUE after ':', got '" +
                                  std::string(parts[i]) + "'");
    choice.options[std::string(parts[i].substr(0, equals))] =
        std::string(parts[i].substr(equals + 1));
  }
  if (choice.label.empty()) choice.label = choice.engine;
  return choice;
}

std::vector<EngineChoice> parse_engine_choices(const std::vector<std::string>& texts) {
  std::vector<EngineChoice> choices;
  for (const std::string& text : texts) {
    choices.push_back(parse_engine_choice(text));
    for (std::size_t i = 0; i + 1 < choices.size(); ++i)
      if (choices[i].label == choices.back().label)
        throw std::invalid_argument("two engines are labelled '" + choices[i].label +
                                    "' (give one a label: ENGINE[:KEY=VALUE]...@LABEL)");
  }
  return choices;
}

std::uint64_t number_option(std::string_view engine,
                            const std::map<std::string, std::string>& options, std::string_view key,
                            std::uint64_t fallback, std::uint64_t lo, std::uint64_t hi) {
  const auto found = options.find(std::string(key));
  if (found == options.end()) return fallback;
  const std::string& text = found->second;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < lo ||
      value > hi)
    throw std::invalid_argument(std::string(engine) + ": option '" + std::string(key) +
                                "' must be a whole number from " + std::to_string(lo) + " to " +
                                std::to_string(hi) + " (got '" + text + "')");
  return value;
}

void expect_known_options(std::string_view engine,
                          const std::map<std::string, std::string>& options,
                          std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : options) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    throw std::invalid_argument(std::string(engine) + ": unknown option '" + key +
                                "' (known: " + (list.empty() ? "none" : list) + ")");
  }
}

std::uint64_t directory_bytes(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::uint64_t total = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (!it->is_regular_file(size_ec)) continue;
    std::uint64_t size = it->file_size(size_ec);
    if (!size_ec) total += size;
  }
  return total;
}

std::string choose_option(std::string_view engine,
                          const std::map<std::string, std::string>& options, std::string_view key,
                          std::string_view fallback,
                          std::initializer_list<std::string_view> allowed) {
  auto it = options.find(std::string(key));
  std::string value(it == options.end() ? fallback : std::string_view(it->second));
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw std::invalid_argument(std::string(engine) + ": option '" + std::string(key) +
                              "' must be one of " + list + " (got '" + value + "')");
}

}  // namespace heapstore::workload
