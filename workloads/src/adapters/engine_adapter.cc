#include "engine_adapter.h"

#include <stdexcept>

namespace heapstore::workload {

std::vector<std::string> engine_names() { return {"heapstore", "sqlite"}; }

std::unique_ptr<EngineAdapter> make_engine(std::string_view name, const std::string& dir,
                                           const EngineConfig& config) {
  if (name == "heapstore") return make_heapstore_engine(dir, config);
  if (name == "sqlite") return make_sqlite_engine(dir, config);
  throw std::invalid_argument("unknown engine '" + std::string(name) +
                              "' (known: heapstore, sqlite)");
}

}  // namespace heapstore::workload
