// The strict reader of the JSON form (from_json, read_report). Every field is read through a few
// checked accessors that name its path, so that any document, however malformed, ends in a Report
// or in one ReportError such as "engines[1].repetitions[0].phases[2].metrics: not an object".
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "context_fields.h"
#include "report.h"

namespace heapstore::report {
namespace {

using nlohmann::json;

// Copying a json value recurses once per level, so a workload nested deeper is refused.
constexpr int kMaxWorkloadDepth = 64;

// ---- Reading: paths and checked accessors ----

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string element(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw ReportError((path.empty() ? std::string("report") : path) + ": " + problem);
}

// What a value is, for messages; never dumps it (that recurses and may be huge).
std::string describe(const json& value) {
  if (!value.is_string()) return std::string("a value of type ") + value.type_name();
  const auto& text = value.get_ref<const std::string&>();
  return "\"" + text.substr(0, 40) + (text.size() > 40 ? "...\"" : "\"");
}

std::string read_string(const json& value, const std::string& path) {
  if (!value.is_string()) fail(path, "not a string");
  return value.get<std::string>();
}

std::uint64_t read_unsigned(const json& value, const std::string& path, std::uint64_t max) {
  std::uint64_t result = 0;
  if (value.is_number_unsigned()) {
    result = value.get<std::uint64_t>();
  } else if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    result = static_cast<std::uint64_t>(value.get<std::int64_t>());
  } else {
    fail(path, "not an unsigned integer");
  }
  if (result > max) fail(path, "out of range (at most " + std::to_string(max) + ")");
  return result;
}

double read_number(const json& value, const std::string& path) {
  if (!value.is_number()) fail(path, "not a number");
  const double result = value.get<double>();
  if (!std::isfinite(result)) fail(path, "not a finite number");
  return result;
}

const json& expect_object(const json& value, const std::string& path) {
  if (!value.is_object()) fail(path, "not an object");
  return value;
}

// One JSON object with a fixed set of fields: the required ones, the optional ones (added to
// the schema later, so older reports lack them) and no others.
class FieldReader {
 public:
  FieldReader(const json& object, std::string path, std::initializer_list<std::string_view> fields,
              std::initializer_list<std::string_view> optional = {})
      : object_(expect_object(object, path)), path_(std::move(path)) {
    for (std::string_view field : fields) {
      if (object_.find(field) == object_.end()) fail(this->path(field), "missing");
    }
    for (const auto& item : object_.items()) {
      auto known = [&](std::initializer_list<std::string_view> list) {
        return std::find(list.begin(), list.end(), item.key()) != list.end();
      };
      if (!known(fields) && !known(optional)) fail(this->path(item.key()), "unknown field");
    }
  }
  bool has(std::string_view field) const { return object_.find(field) != object_.end(); }
  const json& value(std::string_view field) const { return *object_.find(field); }
  std::string path(std::string_view field) const { return child(path_, field); }
  std::string string(std::string_view field) const {
    return read_string(value(field), path(field));
  }
  std::string name(std::string_view field) const {
    std::string result = string(field);
    if (result.empty()) fail(path(field), "empty");
    return result;
  }
  std::uint64_t unsigned_integer(std::string_view field, std::uint64_t max) const {
    return read_unsigned(value(field), path(field), max);
  }
  double number(std::string_view field) const { return read_number(value(field), path(field)); }

 private:
  const json& object_;
  std::string path_;
};

template <typename T, typename ReadElement>
std::vector<T> read_array(const json& value, const std::string& path, ReadElement read_element) {
  if (!value.is_array()) fail(path, "not an array");
  std::vector<T> result;
  for (std::size_t i = 0; i < value.size(); ++i)
    result.push_back(read_element(value[i], element(path, i)));
  return result;
}

template <typename T>
void expect_unique_names(const std::vector<T>& items, const std::string& path) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!seen.insert(items[i].name).second) {
      fail(child(element(path, i), "name"), "duplicate name \"" + items[i].name + "\"");
    }
  }
}

bool deeper_than(const json& value, int limit) {
  if (!value.is_structured()) return false;
  if (limit == 0) return true;
  return std::any_of(value.begin(), value.end(),
                     [limit](const json& item) { return deeper_than(item, limit - 1); });
}

// ---- Reading: the parts of a report ----

void expect_schema(const json& value) {
  if (!value.is_object()) fail("", "not an object");
  const auto schema = value.find("schema");
  if (schema == value.end()) fail("schema", "missing");
  if (!schema->is_string() || schema->get_ref<const std::string&>() != kSchema) {
    fail("schema", "expected \"" + std::string(kSchema) + "\", found " + describe(*schema));
  }
}

Context context_from_json(const json& value, const std::string& path) {
  std::initializer_list<std::string_view> fields = {"tool_version",
                                                    "git_commit",
                                                    "compiler",
                                                    "compiler_flags",
                                                    "build_type",
                                                    "cpu_model",
                                                    "cores",
                                                    "memory_bytes",
                                                    "kernel",
                                                    "filesystem",
                                                    "data_dir",
                                                    "time",
                                                    "command_line",
                                                    "meter",
                                                    "valgrind",
                                                    "libraries",
                                                    "clock_resolution_ns"};
  const FieldReader reader(value, path, fields, {"clock_read_ns"});
  Context context;
  for (const auto& [name, field] : kContextStrings) context.*field = reader.string(name);
  context.cores = static_cast<std::uint32_t>(
      reader.unsigned_integer("cores", std::numeric_limits<std::uint32_t>::max()));
  context.memory_bytes =
      reader.unsigned_integer("memory_bytes", std::numeric_limits<std::uint64_t>::max());
  const json& libraries = expect_object(reader.value("libraries"), reader.path("libraries"));
  for (const auto& [name, version] : libraries.items())
    context.libraries[name] = read_string(version, child(reader.path("libraries"), name));
  context.clock_resolution_ns = reader.number("clock_resolution_ns");
  if (reader.has("clock_read_ns")) {
    context.clock_read_ns = reader.number("clock_read_ns");
    if (!(context.clock_read_ns > 0)) fail(reader.path("clock_read_ns"), "not above 0");
  }
  return context;
}

json workload_from_json(const json& value, const std::string& path) {
  expect_object(value, path);
  if (deeper_than(value, kMaxWorkloadDepth)) {
    fail(path, "nested deeper than " + std::to_string(kMaxWorkloadDepth) + " levels");
  }
  return value;
}

Metrics metrics_from_json(const json& value, const std::string& path) {
  Metrics metrics;
  for (const auto& item : expect_object(value, path).items()) {
    if (item.key().empty()) fail(path, "empty metric name");
    metrics[item.key()] = read_number(item.value(), child(path, item.key()));
  }
  return metrics;
}

std::vector<SeriesPoint> series_from_json(const json& value, const std::string& path) {
  return read_array<SeriesPoint>(value, path, [](const json& point, const std::string& at) {
    const FieldReader reader(point, at, {"end_seconds", "ops_per_sec", "p50_ns", "p99_ns"});
    return SeriesPoint{reader.number("end_seconds"), reader.number("ops_per_sec"),
                       reader.number("p50_ns"), reader.number("p99_ns")};
  });
}

// {"get": [[upper_ns, count], ...], ...}
std::map<std::string, LatencyHistogram> histograms_from_json(const json& value,
                                                             const std::string& path) {
  std::map<std::string, LatencyHistogram> histograms;
  for (const auto& item : expect_object(value, path).items()) {
    histograms[item.key()].buckets = read_array<std::pair<double, std::uint64_t>>(
        item.value(), child(path, item.key()), [](const json& bucket, const std::string& at) {
          if (!bucket.is_array() || bucket.size() != 2) fail(at, "not a pair [upper_ns, count]");
          return std::pair{
              read_number(bucket[0], element(at, 0)),
              read_unsigned(bucket[1], element(at, 1), std::numeric_limits<std::uint64_t>::max())};
        });
  }
  return histograms;
}

PhaseResult phase_from_json(const json& value, const std::string& path) {
  const FieldReader reader(value, path, {"name", "op", "metrics"}, {"series", "histograms"});
  PhaseResult phase;
  phase.name = reader.name("name");
  // Any op name of lowercase words: the ops are the workload's table (kOpTable), which grows.
  phase.op = reader.name("op");
  if (phase.op.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
    fail(reader.path("op"), "not an operation name: " + describe(reader.value("op")));
  phase.metrics = metrics_from_json(reader.value("metrics"), reader.path("metrics"));
  // Written only when not empty (report.cc): an empty one would not come back the same.
  if (reader.has("series")) {
    phase.series = series_from_json(reader.value("series"), reader.path("series"));
    if (phase.series.empty()) fail(reader.path("series"), "empty (leave it out instead)");
  }
  if (reader.has("histograms")) {
    phase.histograms = histograms_from_json(reader.value("histograms"), reader.path("histograms"));
    if (phase.histograms.empty()) fail(reader.path("histograms"), "empty (leave it out instead)");
  }
  return phase;
}

Repetition repetition_from_json(const json& value, const std::string& path) {
  const FieldReader reader(value, path, {"index", "phases"});
  Repetition repetition;
  repetition.index = static_cast<std::uint32_t>(
      reader.unsigned_integer("index", std::numeric_limits<std::uint32_t>::max()));
  repetition.phases =
      read_array<PhaseResult>(reader.value("phases"), reader.path("phases"), phase_from_json);
  expect_unique_names(repetition.phases, reader.path("phases"));
  return repetition;
}

std::map<std::string, std::string> settings_from_json(const json& value, const std::string& path) {
  std::map<std::string, std::string> settings;
  for (const auto& item : expect_object(value, path).items()) {
    settings[item.key()] = read_string(item.value(), child(path, item.key()));
  }
  return settings;
}

std::map<std::string, std::map<std::string, Aggregate>> aggregates_from_json(
    const json& value, const std::string& path) {
  std::map<std::string, std::map<std::string, Aggregate>> aggregates;
  for (const auto& phase : expect_object(value, path).items()) {
    const std::string phase_path = child(path, phase.key());
    auto& phase_aggregates = aggregates[phase.key()];  // kept even when empty: round trips
    for (const auto& metric : expect_object(phase.value(), phase_path).items()) {
      const FieldReader reader(metric.value(), child(phase_path, metric.key()),
                               {"median", "min", "max", "cv"});
      phase_aggregates[metric.key()] = {reader.number("median"), reader.number("min"),
                                        reader.number("max"), reader.number("cv")};
    }
  }
  return aggregates;
}

EngineResult engine_from_json(const json& value, const std::string& path) {
  const FieldReader reader(value, path, {"name", "settings", "repetitions", "aggregates"},
                           {"engine", "guarantees", "max_value_bytes"});
  EngineResult engine;
  engine.name = reader.name("name");
  if (reader.has("engine")) engine.engine = reader.name("engine");
  engine.settings = settings_from_json(reader.value("settings"), reader.path("settings"));
  if (reader.has("guarantees")) {
    const FieldReader g(reader.value("guarantees"), reader.path("guarantees"),
                        {"atomicity", "durability"});
    engine.guarantees = {g.string("atomicity"), g.string("durability")};
    if (engine.guarantees.atomicity.empty() && engine.guarantees.durability.empty())
      fail(reader.path("guarantees"), "empty (leave it out instead)");
  }
  if (reader.has("max_value_bytes")) {
    engine.max_value_bytes =
        reader.unsigned_integer("max_value_bytes", std::numeric_limits<std::uint64_t>::max());
    if (engine.max_value_bytes == 0)
      fail(reader.path("max_value_bytes"), "0 (leave it out instead)");
  }
  engine.repetitions = read_array<Repetition>(reader.value("repetitions"),
                                              reader.path("repetitions"), repetition_from_json);
  for (std::size_t i = 0; i < engine.repetitions.size(); ++i) {
    if (engine.repetitions[i].index != i) {
      fail(child(element(reader.path("repetitions"), i), "index"),
           "expected " + std::to_string(i) + ", found " +
               std::to_string(engine.repetitions[i].index));
    }
  }
  engine.aggregates = aggregates_from_json(reader.value("aggregates"), reader.path("aggregates"));
  return engine;
}

Report report_from_json(const json& value) {
  expect_schema(value);  // first, so that another kind of document is named as such
  const FieldReader reader(
      value, "",
      {"schema", "context", "workload", "workload_hash", "seed", "repetitions", "engines"});
  Report report;
  report.context = context_from_json(reader.value("context"), "context");
  report.workload = workload_from_json(reader.value("workload"), "workload");
  report.workload_hash = reader.name("workload_hash");
  report.seed = reader.unsigned_integer("seed", std::numeric_limits<std::uint64_t>::max());
  report.repetitions = static_cast<std::uint32_t>(
      reader.unsigned_integer("repetitions", std::numeric_limits<std::uint32_t>::max()));
  report.engines = read_array<EngineResult>(reader.value("engines"), "engines", engine_from_json);
  expect_unique_names(report.engines, "engines");
  return report;
}

// "[json.exception.parse_error.101] parse error at ..." without the bracketed id.
std::string without_exception_id(const char* what) {
  std::string text(what);
  const auto end = text.find("] ");
  return text.starts_with("[json.exception") && end != std::string::npos ? text.substr(end + 2)
                                                                         : text;
}

}  // namespace

Report from_json(const nlohmann::json& json) {
  try {
    return report_from_json(json);
  } catch (const nlohmann::json::exception& error) {
    // Not expected (every access is checked first); kept so the contract holds regardless.
    throw ReportError("report: " + without_exception_id(error.what()));
  }
}

Report read_report(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw ReportError(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ReportError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  json document;
  try {
    document = json::parse(text.str());
  } catch (const json::parse_error& parse_error) {
    throw ReportError(path + ": not JSON: " + without_exception_id(parse_error.what()) + " (byte " +
                      std::to_string(parse_error.byte) + ")");
  }
  try {
    return from_json(document);
  } catch (const ReportError& report_error) {
    throw ReportError(path + ": " + report_error.what());
  }
}

}  // namespace heapstore::report
