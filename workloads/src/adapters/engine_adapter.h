// The one interface through which the harness drives an engine, so one workload file runs
// against several engines in one run, and the one registry of engines (engine_table()). Adding
// an engine: its adapter in its own .cc, and in engine_adapter.cc its factory's declaration and
// its line in kEngines (plus its source and package in workloads/CMakeLists.txt). The
// key-value peers (LMDB, RocksDB, LevelDB, WiredTiger) share one key layout (range_keys.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "report.h"
#include "spec.h"

namespace heapstore::workload {

// An engine's name for one stored value (heapstore: page and slot; SQLite: rowid). It fits in
// 48 bits: the runner packs it with the container (see key.h) and refuses larger ones.
using Handle = std::uint64_t;

// Counters read before and after each phase. Engines fill what they know; the rest stay 0.
struct EngineCounters {
  std::uint64_t page_reads = 0;
  std::uint64_t page_writes = 0;
  std::uint64_t buffer_hits = 0;
  std::uint64_t buffer_misses = 0;
  std::uint64_t bytes_on_disk = 0;
};

struct ScanTotals {
  std::uint64_t values = 0;
  std::uint64_t bytes = 0;
};

// Calls may come from several threads at once; an adapter whose engine is not thread-safe
// serialises them itself (and says so in settings()). Errors are thrown as exceptions derived
// from std::exception whose what() is one line.
class EngineAdapter {
 public:
  virtual ~EngineAdapter() = default;

  virtual std::string name() const = 0;
  // Settings that shape the results (journal mode, sync, cache), recorded in the report.
  virtual std::map<std::string, std::string> settings() const = 0;
  // What a crash leaves, with the settings the engine was opened with; recorded in the report
  // and shown beside the results.
  virtual report::Guarantees guarantees() const = 0;

  virtual void create_container(std::uint32_t container) = 0;
  virtual Handle insert(std::uint32_t container, std::string_view value) = 0;
  // Appends one handle per value to `out`, in order.
  virtual void insert_batch(std::uint32_t container, std::span<const std::string_view> values,
                            std::vector<Handle>& out) = 0;
  // False when there is no such value.
  virtual bool get(std::uint32_t container, Handle handle, std::string& out) = 0;
  // Returns the value's handle afterwards (it may change).
  virtual Handle update(std::uint32_t container, Handle handle, std::string_view value) = 0;
  virtual void remove(std::uint32_t container, Handle handle) = 0;
  virtual ScanTotals scan(std::uint32_t container) = 0;

  // The end of a phase: commit or flush, so that the phase's work is as durable as the
  // engine's sync setting makes it. Timed as part of the phase.
  virtual void end_phase() = 0;
  virtual EngineCounters counters() = 0;
};

// Opens an engine on a fresh, empty directory `dir` with `config` (config.options are the
// engine's own; an unknown or bad one throws std::invalid_argument naming it).
using EngineFactory = std::unique_ptr<EngineAdapter> (*)(const std::string& dir,
                                                         const EngineConfig& config);

// What the registry knows of an engine before one is opened.
struct EngineInfo {
  std::string_view name;          // what --engine and a workload's `engines:` call it
  std::string_view description;   // one line for --help
  std::uint32_t max_value_bytes;  // the largest value it stores
  EngineFactory open;
};

// The registry: every engine the harness can run, in the order --help lists them. Static.
std::span<const EngineInfo> engine_table();

// The registry's entry named `name`; throws std::invalid_argument naming the known ones.
const EngineInfo& engine_info(std::string_view name);

// The registry's names, in order.
std::vector<std::string> engine_names();

// Opens engine `name` on a fresh, empty directory `dir`. Options every engine takes are applied
// first: buffer_pool_mib=N and sync=true|false override the workload's engine settings. Throws
// std::invalid_argument for an unknown name or option, or a bad value.
std::unique_ptr<EngineAdapter> make_engine(std::string_view name, const std::string& dir,
                                           const EngineConfig& config);

// One configuration of an engine in a run: the registry's engine, its own options, and the label
// the report names it by (unique in a run; the engine's name when not given).
struct EngineChoice {
  std::string label;
  std::string engine;
  std::map<std::string, std::string> options;
};

// Parses "ENGINE[:KEY=VALUE]...[@LABEL]", e.g. "sqlite:journal_mode=DELETE@sqlite-rollback".
// Throws std::invalid_argument for an unknown engine or a malformed text, naming it. Options are
// checked when the engine is opened (make_engine).
EngineChoice parse_engine_choice(std::string_view text);

// Parses every choice; throws std::invalid_argument when two share a label.
std::vector<EngineChoice> parse_engine_choices(const std::vector<std::string>& texts);

// Throws std::invalid_argument unless every key of `options` is in `known`; `engine` names the
// engine in the message. For adapters, which each accept a few options of their own.
void expect_known_options(std::string_view engine,
                          const std::map<std::string, std::string>& options,
                          std::initializer_list<std::string_view> known);

// The total size in bytes of the regular files under `dir` (recursively): an engine's
// bytes_on_disk when the engine does not count them itself. Files that vanish during the walk
// (an LSM tree's compactions delete them) count 0; a missing `dir` gives 0.
std::uint64_t directory_bytes(const std::string& dir);

// The whole number option `key` in `options` gives, or `fallback` when absent; throws
// std::invalid_argument ("<engine>: option 'key' must be a whole number from lo to hi (got 'x')")
// for anything else.
std::uint64_t number_option(std::string_view engine,
                            const std::map<std::string, std::string>& options, std::string_view key,
                            std::uint64_t fallback, std::uint64_t lo, std::uint64_t hi);

// The value of option `key` in `options`, or `fallback` when absent; throws
// std::invalid_argument ("<engine>: option 'key' must be one of a, b (got 'x')") unless it is
// one of `allowed`.
std::string choose_option(std::string_view engine,
                          const std::map<std::string, std::string>& options, std::string_view key,
                          std::string_view fallback,
                          std::initializer_list<std::string_view> allowed);

}  // namespace heapstore::workload
