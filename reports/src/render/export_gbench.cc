// `--format gbench`: the JSON Google Benchmark writes with --benchmark_format=json or
// --benchmark_out, so that its tools/compare.py, and every tool that reads that file, read
// heapstore's reports. The shape, from:
//   https://github.com/google/benchmark/blob/main/docs/user_guide.md#output-formats
//   https://github.com/google/benchmark/blob/main/src/json_reporter.cc (fields, their order)
//   https://github.com/google/benchmark/blob/main/tools/gbench/report.py and util.py (what
//   compare.py reads: name, run_type, aggregate_name, family_index, per_family_instance_index,
//   repetition_index, real_time, cpu_time, time_unit)
// and checked against the output of libbenchmark 1.7.1.
//
// The mapping:
// - "context": Google Benchmark's fields from the report's context: date (context.time),
//   executable (the command line's first word), num_cpus (cores), library_build_type ("release"
//   for the build types that define NDEBUG: Release, RelWithDebInfo, MinSizeRel; else "debug").
//   What a report does not record is empty, 0 or false: host_name, mhz_per_cpu,
//   cpu_scaling_enabled, caches, load_avg. Then, as custom context (--benchmark_context), every
//   string of the report's context, and workload, workload_hash and seed (a string: 64 bits).
// - One benchmark per engine and phase, "<workload>/<engine>/<phase>", with one "iteration" entry
//   per repetition: iterations = operations; real_time = seconds * 1e9 / operations in "ns", the
//   wall-clock time per operation over all the phase's threads (1e9 / ops/s). cpu_time is the
//   same number: the harness does not measure CPU time, so compare.py's CPU column repeats Time.
//   User counters: items_per_second (ops_per_sec), bytes_per_second (mb_per_sec * 1e6) and every
//   other metric under its own name ("latency.get.p50_ns", "instructions", "engine.page_reads").
// - With two repetitions or more, then "median" and "cv" aggregates, as Google Benchmark appends
//   them: iterations = the number of repetitions; cv is the report's (population standard
//   deviation / mean, what `heapstore compare` uses), a fraction, aggregate_unit "percentage".
// - A counted phase (no "seconds": Callgrind counted instructions and no clock ran) has
//   real_time = cpu_time = 0 and a label saying so; its counts are the counters "instructions",
//   "estimated_cycles" and "<...>.<op>.per_op". Not instructions in real_time: every reader
//   would plot and compare them as nanoseconds. compare.py takes the zeros: calculate_change(0,
//   0) is 0, so the rows show +0.0000, and the geometric mean of zeros leaves OVERALL_GEOMEAN out
//   (checked with compare.py 1.7.1). Compare counted reports with `heapstore compare`.
// - A phase without operations has real_time = cpu_time = 0 too: no time per operation exists.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "context_fields.h"
#include "export.h"

namespace heapstore::report {
namespace {

using nlohmann::ordered_json;

constexpr double kNanosecondsPerSecond = 1e9;
constexpr double kBytesPerMegabyte = 1e6;
constexpr std::string_view kCountedLabel =
    "counted: Callgrind counted instructions, no time was measured (real_time and cpu_time are "
    "0); see the counters instructions and estimated_cycles";

// One benchmark: one engine's phase.
struct Family {
  std::string name;  // benchmark_name()
  std::size_t index = 0;
  std::size_t repetitions = 0;  // the engine's
  std::uint64_t threads = 1;
};

std::string library_build_type(const std::string& build_type) {
  for (std::string_view release : {"Release", "RelWithDebInfo", "MinSizeRel"}) {
    if (build_type == release) return "release";
  }
  return "debug";
}

ordered_json context_of(const Report& report) {
  const Context& context = report.context;
  const std::string command = context.command_line.substr(0, context.command_line.find(' '));
  ordered_json result = {
      {"date", context.time},
      {"host_name", ""},
      {"executable", command.empty() ? "heapstore" : command},
      {"num_cpus", context.cores},
      {"mhz_per_cpu", 0},
      {"cpu_scaling_enabled", false},
      {"caches", ordered_json::array()},
      {"load_avg", ordered_json::array()},
      {"library_build_type", library_build_type(context.build_type)},
  };
  // emplace: a custom field never replaces one of Google Benchmark's.
  for (const auto& [name, field] : kContextStrings)
    result.emplace(std::string(name), context.*field);
  result.emplace("workload", workload_name(report));
  result.emplace("workload_hash", report.workload_hash);
  result.emplace("seed", std::to_string(report.seed));
  return result;
}

// The phase's "threads" in the report's workload; 1 when it does not say.
std::uint64_t threads_of(const nlohmann::json& workload, const std::string& phase) {
  const auto phases = workload.is_object() ? workload.find("phases") : workload.end();
  if (phases == workload.end() || !phases->is_array()) return 1;
  for (const nlohmann::json& item : *phases) {
    if (!item.is_object() || item.value("name", nlohmann::json()) != phase) continue;
    const auto threads = item.find("threads");
    if (threads != item.end() && threads->is_number_integer() && *threads > 0) {
      return threads->get<std::uint64_t>();
    }
  }
  return 1;
}

double metric_or_zero(const Metrics& metrics, const std::string& name) {
  const auto found = metrics.find(name);
  return found == metrics.end() || !std::isfinite(found->second) ? 0 : found->second;
}

// The numbers of one iteration entry: real_time, cpu_time and the user counters.
Metrics numbers_of(const PhaseResult& phase) {
  const double operations = metric_or_zero(phase.metrics, "operations");
  const double seconds = metric_or_zero(phase.metrics, "seconds");
  double per_operation = operations > 0 ? seconds * kNanosecondsPerSecond / operations : 0;
  if (!std::isfinite(per_operation)) per_operation = 0;  // JSON has no infinity
  Metrics numbers = {{"real_time", per_operation}, {"cpu_time", per_operation}};
  for (const auto& [metric, value] : phase.metrics) {
    if (metric == "operations") continue;  // the entry's iterations
    if (metric == "ops_per_sec") {
      numbers["items_per_second"] = value;
    } else if (metric == "mb_per_sec") {
      numbers["bytes_per_second"] = value * kBytesPerMegabyte;
    } else {
      numbers.emplace(metric, value);
    }
  }
  return numbers;
}

ordered_json entry_head(const Family& family, std::string_view run_type) {
  return {{"name", family.name},
          {"family_index", family.index},
          {"per_family_instance_index", 0},
          {"run_name", family.name},
          {"run_type", run_type},
          {"repetitions", family.repetitions}};
}

// The times and counters of an entry, after its head. JSON has no NaN or infinity: such a time
// is written as 0, such a counter left out.
void add_numbers(ordered_json& entry, const Metrics& numbers, bool timed) {
  for (const char* time : {"real_time", "cpu_time"}) {
    const double value = numbers.at(time);
    entry[time] = std::isfinite(value) ? value : 0;
  }
  entry["time_unit"] = "ns";
  for (const auto& [name, value] : numbers) {
    if (std::isfinite(value)) entry.emplace(name, value);  // never over a field of the format
  }
  if (!timed) entry["label"] = kCountedLabel;
}

// `numbers`: numbers_of(phase).
ordered_json iteration_entry(const Family& family, std::uint32_t index, const PhaseResult& phase,
                             const Metrics& numbers) {
  ordered_json entry = entry_head(family, "iteration");
  entry["repetition_index"] = index;
  entry["threads"] = family.threads;
  const double operations = metric_or_zero(phase.metrics, "operations");
  constexpr double kMostIterations = 9e18;  // within int64_t, as Google Benchmark writes them
  entry["iterations"] = operations > 0 ? std::llround(std::min(operations, kMostIterations)) : 0;
  add_numbers(entry, numbers, phase.metrics.contains("seconds"));
  return entry;
}

// aggregate() summarizes the entries' numbers as it does any metric: each entry's numbers are
// one repetition of one phase.
std::map<std::string, Aggregate> summaries_of(const std::vector<Metrics>& entries) {
  EngineResult numbers;
  for (const Metrics& entry : entries) {
    const auto index = static_cast<std::uint32_t>(numbers.repetitions.size());
    numbers.repetitions.push_back({index, {{"entries", "", entry}}});
  }
  aggregate(numbers);
  return numbers.aggregates["entries"];
}

ordered_json aggregate_entry(const Family& family, std::string_view statistic_name,
                             double Aggregate::*statistic,
                             const std::map<std::string, Aggregate>& summaries, std::size_t entries,
                             bool timed) {
  ordered_json entry = entry_head(family, "aggregate");
  entry["name"] = family.name + "_" + std::string(statistic_name);
  entry["threads"] = family.threads;
  entry["aggregate_name"] = statistic_name;
  entry["aggregate_unit"] = statistic_name == "cv" ? "percentage" : "time";
  entry["iterations"] = entries;
  Metrics numbers;
  for (const auto& [name, summary] : summaries) numbers[name] = summary.*statistic;
  add_numbers(entry, numbers, timed);
  return entry;
}

// The entries of one family: an iteration per repetition, then the aggregates.
void add_family(const Family& family, const EngineResult& engine, const std::string& phase,
                ordered_json& benchmarks) {
  std::vector<Metrics> numbers;
  bool timed = true;
  for (const Repetition& repetition : engine.repetitions) {
    for (const PhaseResult& result : repetition.phases) {
      if (result.name != phase) continue;
      numbers.push_back(numbers_of(result));
      benchmarks.push_back(iteration_entry(family, repetition.index, result, numbers.back()));
      timed = timed && result.metrics.contains("seconds");
    }
  }
  if (numbers.size() < 2) return;  // Google Benchmark aggregates repetitions only
  const auto summaries = summaries_of(numbers);
  benchmarks.push_back(
      aggregate_entry(family, "median", &Aggregate::median, summaries, numbers.size(), timed));
  benchmarks.push_back(
      aggregate_entry(family, "cv", &Aggregate::cv, summaries, numbers.size(), timed));
}

}  // namespace

std::string export_gbench(const Report& report) {
  ordered_json benchmarks = ordered_json::array();
  std::size_t index = 0;
  for (const EngineResult& engine : report.engines) {
    for (const std::string& phase : phases_of(engine)) {
      const Family family{benchmark_name(report, engine, phase), index++, engine.repetitions.size(),
                          threads_of(report.workload, phase)};
      add_family(family, engine, phase, benchmarks);
    }
  }
  ordered_json result = ordered_json::object();
  result["context"] = context_of(report);
  result["benchmarks"] = std::move(benchmarks);
  return json_file_text(result);
}

}  // namespace heapstore::report
