// The report model: what `heapstore run` writes and `heapstore compare` reads, as JSON with
// `schema: heapstore-report/2` (reports/schema/report.schema.json).
//
// Metrics are named numbers per phase ("ops_per_sec", "latency.get.p50_ns", "instructions",
// "engine.page_reads", ...). What each name means, which way is better, whether compare gates
// it and whether it is deterministic: the one table in metrics.h.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace heapstore::report {

inline constexpr std::string_view kSchema = "heapstore-report/2";

// Where and how a report was made.
struct Context {
  std::string tool_version;
  std::string git_commit;
  std::string compiler;  // "GCC 12.2.0"
  std::string compiler_flags;
  std::string build_type;  // "Release"
  std::string cpu_model;
  std::uint32_t cores = 0;
  std::uint64_t memory_bytes = 0;
  std::string kernel;      // uname -sr
  std::string filesystem;  // of the data directory, e.g. "ext4"
  std::string data_dir;
  std::string time;  // ISO 8601, UTC
  std::string command_line;
  std::string meter;     // what measured the phases: "time" (the clock) or "instructions"
  std::string valgrind;  // "valgrind-3.19.0" in counted runs, else empty
  std::map<std::string, std::string> libraries;  // library -> version the tool was built with
  double clock_resolution_ns = 0;  // the tick clock's smallest step, measured at the start
  double clock_read_ns = 0;  // what one clock read costs; sizes the latency sample (0: unknown)
};

using Metrics = std::map<std::string, double>;

// One interval of a phase's time series (the runner's --interval, 1 s by default).
struct SeriesPoint {
  double end_seconds = 0;  // since the phase's timed part began
  double ops_per_sec = 0;  // operations finished in the interval / its length
  double p50_ns = 0;       // of the latencies sampled in the interval; 0 when none was
  double p99_ns = 0;
};

// A latency histogram, so any percentile can be recomputed: its non-empty buckets in ascending
// order, each the bucket's upper edge in ns and how many sampled operations fell in it.
struct LatencyHistogram {
  std::vector<std::pair<double, std::uint64_t>> buckets;
};

struct PhaseResult {
  std::string name;
  std::string op;  // insert, update, delete, get, scan, mix
  Metrics metrics;
  std::vector<SeriesPoint> series = {};                     // may be empty (counted runs)
  std::map<std::string, LatencyHistogram> histograms = {};  // timed op ("get", "insert_batch")
};

struct Repetition {
  std::uint32_t index = 0;  // 0-based
  std::vector<PhaseResult> phases;
};

// Over the repetitions of one engine, for one phase and metric.
struct Aggregate {
  double median = 0;
  double min = 0;
  double max = 0;
  double cv = 0;  // coefficient of variation: stddev / mean (0 when the mean is 0)
};

// What an engine promises about crashes, as its adapter declares it for the settings it ran
// with: shown beside its results so a logged engine is never compared with an unlogged one
// unawares.
struct Guarantees {
  std::string atomicity;   // what a crash leaves of an operation, e.g. "each operation (WAL)"
  std::string durability;  // when acknowledged data survives a power loss, e.g. "end of phase"
};

struct EngineResult {
  std::string name;  // unique in the report: the configuration's label, else the engine's name
  std::map<std::string, std::string> settings;  // e.g. sqlite journal_mode, synchronous
  std::vector<Repetition> repetitions;
  // phase name -> metric name -> aggregate; filled by aggregate().
  std::map<std::string, std::map<std::string, Aggregate>> aggregates;
  std::string engine = {};  // the registry's name ("heapstore", "sqlite", "lmdb", ...)
  Guarantees guarantees = {};
  std::uint64_t max_value_bytes = 0;  // the largest value the engine stores (0: unknown)
};

struct Report {
  Context context;
  nlohmann::json workload;  // the normalized workload (workload::to_json)
  std::string workload_hash;
  std::uint64_t seed = 0;
  std::uint32_t repetitions = 0;
  std::vector<EngineResult> engines;
};

// Thrown when a report cannot be used: bad JSON, another schema, a missing field.
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Which way a metric is better, from its name (metric_info of metrics.h).
enum class Direction { kHigherIsBetter, kLowerIsBetter, kInformational };
Direction direction_of(std::string_view metric);

// Per phase name and metric name, the values of the repetitions that have it, in repetition
// order: what aggregate() summarizes and compare() resamples.
using Samples = std::map<std::string, std::map<std::string, std::vector<double>>>;
Samples samples_of(const EngineResult& engine);

// Fills engine.aggregates from engine.repetitions.
void aggregate(EngineResult& engine);

// The median of `values`: the middle one, or the mean of the two middle ones for an even
// count; 0 when empty. The one median that aggregate(), compare() and the renderers share.
double median(std::vector<double> values);

// A normalized workload without the fields that do not change what runs: description, seed,
// repetitions, the engines to run, and each phase's gate flag. What the workload hash digests
// (workload::spec_hash) and what compare looks at when two hashes differ: one list of ignored
// fields for both.
nlohmann::json workload_identity(nlohmann::json workload);

// Context::meter: what measured a report's phases.
inline constexpr std::string_view kMeterTime = "time";
inline constexpr std::string_view kMeterInstructions = "instructions";  // counted by Callgrind

nlohmann::json to_json(const Report& report);
// Throws ReportError saying what is wrong and where ("engines[1].repetitions[0]: ...").
Report from_json(const nlohmann::json& json);

// Files: write pretty JSON; read and parse (ReportError names the path on any problem).
void write_report(const Report& report, const std::string& path);
Report read_report(const std::string& path);

}  // namespace heapstore::report
