#include "engine_adapter.h"

#include <algorithm>
#include <stdexcept>

namespace heapstore::workload {
namespace {

// The registry. max_value_bytes: heapstore's is page.h's kMaxValueSize; SQLite's is its default
// SQLITE_MAX_LENGTH (1e9), kept below 2^30 so a value always fits a 32-bit size.
constexpr EngineInfo kEngines[] = {
    {"heapstore", "this engine: slotted pages, a buffer pool and a write-ahead log", 4066,
     make_heapstore_engine},
    {"sqlite", "SQLite: a table per container (rowid, BLOB), WAL journal", 1'000'000'000,
     make_sqlite_engine},
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
  throw std::invalid_argument("unknown engine '" + std::string(name) + "' (known: " +
                              known_names() + ")");
}

std::vector<std::string> engine_names() {
  std::vector<std::string> names;
  for (const EngineInfo& e : kEngines) names.emplace_back(e.name);
  return names;
}

std::unique_ptr<EngineAdapter> make_engine(std::string_view name, const std::string& dir,
                                           const EngineConfig& config) {
  return engine_info(name).open(dir, config);
}

void expect_known_options(std::string_view engine,
                          const std::map<std::string, std::string>& options,
                          std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : options) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    throw std::invalid_argument(std::string(engine) + ": unknown option '" + key + "' (known: " +
                                (list.empty() ? "none" : list) + ")");
  }
}

}  // namespace heapstore::workload
