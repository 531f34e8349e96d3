// A workload file, loaded and validated: the schema `heapstore-workload/1`, written in YAML or
// JSON (reports/schema/workload.schema.json describes it field by field). Loading never trusts
// the file: anything wrong is one SpecError naming file, line, column, field and the problem.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace heapstore::workload {

inline constexpr std::string_view kSchema = "heapstore-workload/1";

// The largest value size a workload file may name (1 MiB: the harness keeps sizes in 21 bits,
// key.h). The default bound of sizes and growth is heapstore's largest value.
inline constexpr std::uint32_t kMaxValueBytes = 1u << 20;
inline constexpr std::uint32_t kDefaultMaxValueBytes = 4066;

// How long values are. Sizes are bytes, at most kMaxValueBytes here; the engines of a run may
// take less (EngineInfo::max_value_bytes), which the runner checks before anything runs.
struct SizeDist {
  enum class Kind { kConstant, kUniform, kNormal, kZipfian };
  Kind kind = Kind::kConstant;
  std::uint32_t min = 100;  // constant: min == max == the size
  std::uint32_t max = 100;
  double mean = 100;    // normal only (clamped to [min, max])
  double stddev = 0;    // normal only
  double theta = 0.99;  // zipfian only: sizes near min are the most frequent
};

// Which live value an update, delete or get picks.
struct Select {
  enum class Kind {
    kSequential,  // oldest first, in insertion order, wrapping around
    kReverse,     // newest first ("delete from the end")
    kUniform,
    kZipfian,  // a few old values are hot (theta)
    kLatest,   // zipfian over recency: the newest values are hot
  };
  Kind kind = Kind::kUniform;
  double theta = 0.99;  // zipfian and latest
};

// How an update changes a value's size: by `bytes` or by `factor`, never beyond `max`.
struct Growth {
  std::int32_t bytes = 0;  // may be negative (shrink), not below 0 bytes
  double factor = 1.0;     // used when `bytes` is 0
  std::uint32_t max = kDefaultMaxValueBytes;
};

// The operations of a workload, in kOpTable's order.
enum class Op { kInsert, kUpdate, kDelete, kGet, kReadModifyWrite, kScan, kMix };

// Phase keys only some ops take: bits of OpInfo::takes.
inline constexpr unsigned kTakesBatch = 1u << 0;
inline constexpr unsigned kTakesValueSize = 1u << 1;
inline constexpr unsigned kTakesSelect = 1u << 2;
inline constexpr unsigned kTakesGrowth = 1u << 3;
inline constexpr unsigned kTakesMix = 1u << 4;
inline constexpr unsigned kTakesDuration = 1u << 5;
inline constexpr unsigned kTakesRate = 1u << 6;

// What an op is. kOpTable is the one place that says it: the spec loader reads names, keys and
// shares from it, the runner whether an op needs a live value, the reports its name. Adding an
// op is a row here and its case in the phase worker.
struct OpInfo {
  Op op;
  std::string_view name;  // in workload files, mix shares and reports
  unsigned takes;         // kTakes* bits: the phase keys a phase of this op may have
  bool needs_live_value;  // acts on a value inserted before it
  bool mixable;           // may have a share in a mix phase
};

inline constexpr unsigned kPicks = kTakesSelect | kTakesDuration | kTakesRate;
inline constexpr unsigned kWrites = kTakesValueSize | kTakesGrowth;
// clang-format off
inline constexpr OpInfo kOpTable[] = {
    {Op::kInsert, "insert", kTakesBatch | kTakesValueSize | kTakesDuration | kTakesRate, false, true},
    {Op::kUpdate, "update", kPicks | kWrites, true, true},
    {Op::kDelete, "delete", kPicks, true, true},
    {Op::kGet, "get", kPicks, true, true},
    // YCSB's read-modify-write: a get of a value, then an update of it, timed as one operation.
    {Op::kReadModifyWrite, "read_modify_write", kPicks | kWrites, true, true},
    {Op::kScan, "scan", 0, false, false},  // count is the number of full scans
    {Op::kMix, "mix", kPicks | kWrites | kTakesMix, false, false},
};
// clang-format on
inline constexpr std::size_t kOpCount = std::size(kOpTable);

constexpr const OpInfo& op_info(Op op) { return kOpTable[static_cast<std::size_t>(op)]; }
static_assert(
    [] {
      for (std::size_t i = 0; i < kOpCount; ++i)
        if (static_cast<std::size_t>(kOpTable[i].op) != i) return false;
      return true;
    }(),
    "kOpTable's rows are in the order of enum Op");

// Shares of each mixable operation in a mix phase, indexed by Op; they sum to 1. A mix chooses
// among them in kOpTable's order.
struct Mix {
  std::array<double, kOpCount> shares{};
  double operator[](Op op) const { return shares[static_cast<std::size_t>(op)]; }
  double& operator[](Op op) { return shares[static_cast<std::size_t>(op)]; }
};

struct Phase {
  std::string name;
  Op op = Op::kInsert;
  // Exactly one of count and duration. For scan, count is the number of full scans.
  std::optional<std::uint64_t> count;
  std::optional<std::chrono::nanoseconds> duration;
  std::uint32_t threads = 1;     // 1 to 64
  std::uint32_t batch = 1;       // insert only: values per insert_values call (1 to 65536)
  SizeDist value_size;           // insert, and the inserts of a mix
  Select select;                 // update, delete, get, mix
  std::optional<Growth> growth;  // update (and the updates of a mix); absent: new size from
                                 // value_size
  Mix mix;                       // mix only
  bool gate = true;              // false: run and reported, but never judged by compare
  // Run before the measured part and left out of every result: a number of operations (scans
  // for a scan phase) or a duration. Its changes to the store are real.
  std::optional<std::uint64_t> warmup_count;
  std::optional<std::chrono::nanoseconds> warmup_duration;
  // Open loop: operations per second over all threads, each started at its intended time (not
  // when the previous one ended), and its latency measured from that time, so that a stall
  // shows in the latency of every operation it delayed (coordinated omission corrected). Absent:
  // closed loop, as fast as the engine goes.
  std::optional<double> rate;
};

struct EngineConfig {
  std::uint32_t buffer_pool_mib = 64;  // 1 to 1048576; every engine's cache is this size
  bool sync = false;                   // fsync at each flush
  // The engine's own options ("journal_mode" -> "DELETE" for SQLite), from a labelled
  // configuration; each adapter rejects keys it does not know.
  std::map<std::string, std::string> options;
};

// Containers a workload may spread its values over.
inline constexpr std::uint32_t kMaxContainers = 1024;

struct Spec {
  std::string name;
  std::string description;
  std::uint64_t seed = 42;
  std::uint32_t repetitions = 1;  // 1 to 1000
  EngineConfig engine;
  std::uint32_t containers = 1;  // 1 to 1024; values are spread over them round-robin
  std::vector<Phase> phases;     // non-empty, names unique
  // The engine configurations to run when the command line names none, each
  // "ENGINE[:KEY=VALUE]...[@LABEL]" (a map {engine, label, options} in the file is turned into
  // this form). Not part of the workload's identity: compare matches engines by name.
  std::vector<std::string> engines;
  std::string source;  // the file it came from, for messages
};

// "FILE:LINE:COL: FIELD: PROBLEM" (line and column where the parser knows them).
class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Loads and validates the workload file at `path`: YAML, or JSON when the name ends in .json
// (strict JSON: a trailing comma or a comment is an error naming its line and column).
// `overrides` are "key=value" settings applied before validation, as --set gives them:
// "seed=7", "repetitions=3", "engine.buffer_pool_mib=128", "phases.load.count=1000",
// "phases.load.value_size.max=200". Throws SpecError.
Spec load_spec(const std::string& path, const std::vector<std::string>& overrides = {});

// As load_spec, from text; `source` names it in messages.
Spec parse_spec(std::string_view text, const std::string& source,
                const std::vector<std::string>& overrides = {});

// The spec with every default filled in, in the file's own schema (a valid workload file).
nlohmann::json to_json(const Spec& spec);

// A stable hex digest of to_json(spec) without description, seed, repetitions and the phases'
// gate flags: two runs with the same hash ran the same workload, whatever their seed, number of
// repetitions, wording or choice of judged phases.
std::string spec_hash(const Spec& spec);

std::string_view to_string(Op op);

}  // namespace heapstore::workload
