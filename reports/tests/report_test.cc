// The report model: JSON round trips, aggregates, metric directions, validation of malformed
// reports (with the path of what is wrong), report files. The run table: render_test.cc.
#include "report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>

#include "sample_report.h"

namespace heapstore::report {
namespace {

using nlohmann::json;
using testing::sample_report;

std::string error_of(const json& document) {
  try {
    from_json(document);
  } catch (const ReportError& error) {
    return error.what();
  }
  return "(accepted)";
}

std::string temp_path(const std::string& name) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "report_test_" + test->name() + "/" + name;
}

void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(ReportJson, RoundTripsEveryField) {
  const Report report = sample_report();
  const json document = to_json(report);
  EXPECT_EQ(document["schema"], "heapstore-report/2");
  EXPECT_EQ(document["engines"][1]["repetitions"][0]["phases"][2]["op"], "mix");
  const Report back = from_json(json::parse(document.dump(2)));
  EXPECT_EQ(to_json(back), document);
  EXPECT_EQ(back.context.memory_bytes, 1ull << 34);
  EXPECT_EQ(back.context.command_line, "heapstore run x.yaml");
  EXPECT_EQ(back.seed, 18446744073709551615ull);
  EXPECT_EQ(back.engines[1].settings.at("journal_mode"), "wal");
  EXPECT_EQ(back.engines[0].repetitions[2].phases[1].metrics.at("latency.get.p99_ns"),
            report.engines[0].repetitions[2].phases[1].metrics.at("latency.get.p99_ns"));
  EXPECT_EQ(back.engines[0].aggregates.at("load").at("ops_per_sec").median, 202000);
}

TEST(ReportJson, RoundTripsEmptyAggregatesOfAPhase) {
  json document = to_json(sample_report());
  document["engines"][0]["aggregates"]["read"] = json::object();
  EXPECT_EQ(to_json(from_json(document)), document);
}

TEST(ReportJson, WritesAnEmptyWorkloadAsAnObject) {
  Report report = sample_report();
  report.workload = nullptr;
  EXPECT_TRUE(from_json(to_json(report)).workload.is_object());
}

TEST(Aggregate, MedianMinMaxAndCoefficientOfVariation) {
  EngineResult engine{"e", {}, {}, {}};
  for (double value : {3.0, 1.0, 4.0, 2.0}) {
    engine.repetitions.push_back(
        {static_cast<std::uint32_t>(engine.repetitions.size()), {{"p", "get", {{"m", value}}}}});
  }
  aggregate(engine);
  const Aggregate& a = engine.aggregates.at("p").at("m");
  EXPECT_DOUBLE_EQ(a.median, 2.5);  // even count: mean of the two middle values
  EXPECT_DOUBLE_EQ(a.min, 1);
  EXPECT_DOUBLE_EQ(a.max, 4);
  EXPECT_NEAR(a.cv, std::sqrt(1.25) / 2.5, 1e-12);  // population stddev / mean
}

TEST(Aggregate, MedianOfOddCountsAndZeroMean) {
  EXPECT_DOUBLE_EQ(median({5, 1, 9}), 5);
  EXPECT_DOUBLE_EQ(median({7}), 7);
  EXPECT_DOUBLE_EQ(median({}), 0);
  EXPECT_DOUBLE_EQ(median({1e308, 1.5e308}), 1.25e308);  // no overflow
  EngineResult engine{
      "e", {}, {{0, {{"p", "get", {{"m", 0}}}}}, {1, {{"p", "get", {{"m", 0}}}}}}, {}};
  aggregate(engine);
  EXPECT_EQ(engine.aggregates.at("p").at("m").cv, 0);
}

TEST(Aggregate, MetricsMissingInSomeRepetitionsUseTheOthers) {
  EngineResult engine{
      "e", {}, {{0, {{"p", "get", {{"m", 1}, {"n", 10}}}}}, {1, {{"p", "get", {{"m", 3}}}}}}, {}};
  aggregate(engine);
  EXPECT_DOUBLE_EQ(engine.aggregates.at("p").at("m").median, 2);
  EXPECT_DOUBLE_EQ(engine.aggregates.at("p").at("n").median, 10);
}

TEST(Direction, FromMetricNames) {
  EXPECT_EQ(direction_of("ops_per_sec"), Direction::kHigherIsBetter);
  EXPECT_EQ(direction_of("mb_per_sec"), Direction::kHigherIsBetter);
  EXPECT_EQ(direction_of("latency.get.p50_ns"), Direction::kLowerIsBetter);
  EXPECT_EQ(direction_of("latency.insert.p99_ns"), Direction::kLowerIsBetter);
  for (const char* informational :
       {"latency.get.p90_ns", "latency.get.p999_ns", "latency.get.max_ns", "latency.get.mean_ns",
        "latency.get.count", "latency.p50_ns", "latency..p50_ns", "latency.get.x.p50_ns",
        "operations", "seconds", "engine.page_reads", "engine.space_amplification",
        "ops_per_sec_total", ""}) {
    EXPECT_EQ(direction_of(informational), Direction::kInformational) << informational;
  }
}

struct Malformed {
  std::function<void(json&)> mutate;
  std::string message;
};

json deeply_nested(int depth) {
  json value = json::object();
  for (int i = 0; i < depth; ++i) value = json{{"a", std::move(value)}};
  return value;
}

TEST(ReportJson, RejectsMalformedReportsWithThePath) {
  const std::vector<Malformed> cases = {
      {[](json& d) { d = json::array(); }, "report: not an object"},
      {[](json& d) { d.erase("schema"); }, "schema: missing"},
      {[](json& d) { d["schema"] = "heapstore-report/1"; },
       "schema: expected \"heapstore-report/2\", found \"heapstore-report/1\""},
      {[](json& d) { d["schema"] = 1; },
       "schema: expected \"heapstore-report/2\", found a value of type number"},
      {[](json& d) { d["bogus"] = 1; }, "bogus: unknown field"},
      {[](json& d) { d.erase("context"); }, "context: missing"},
      {[](json& d) { d["context"] = "x"; }, "context: not an object"},
      {[](json& d) { d["context"].erase("git_commit"); }, "context.git_commit: missing"},
      {[](json& d) { d["context"]["cpu_model"] = nullptr; }, "context.cpu_model: not a string"},
      {[](json& d) { d["context"]["cores"] = "8"; }, "context.cores: not an unsigned integer"},
      {[](json& d) { d["context"]["cores"] = -1; }, "context.cores: not an unsigned integer"},
      {[](json& d) { d["context"]["cores"] = 1.5; }, "context.cores: not an unsigned integer"},
      {[](json& d) { d["context"]["cores"] = 1ull << 32; },
       "context.cores: out of range (at most 4294967295)"},
      {[](json& d) { d["context"]["gpu"] = "none"; }, "context.gpu: unknown field"},
      {[](json& d) { d["workload"] = json::array(); }, "workload: not an object"},
      {[](json& d) { d["workload"] = deeply_nested(100000); },
       "workload: nested deeper than 64 levels"},
      {[](json& d) { d["workload_hash"] = ""; }, "workload_hash: empty"},
      {[](json& d) { d["workload_hash"] = 7; }, "workload_hash: not a string"},
      {[](json& d) { d["seed"] = -3; }, "seed: not an unsigned integer"},
      {[](json& d) { d["seed"] = 1e30; }, "seed: not an unsigned integer"},
      {[](json& d) { d["repetitions"] = "3"; }, "repetitions: not an unsigned integer"},
      {[](json& d) { d["engines"] = json::object(); }, "engines: not an array"},
      {[](json& d) { d["engines"][0] = 5; }, "engines[0]: not an object"},
      {[](json& d) { d["engines"][1].erase("name"); }, "engines[1].name: missing"},
      {[](json& d) { d["engines"][1]["name"] = "heapstore"; },
       "engines[1].name: duplicate name \"heapstore\""},
      {[](json& d) { d["engines"][0]["name"] = ""; }, "engines[0].name: empty"},
      {[](json& d) { d["engines"][0]["settings"] = json::array(); },
       "engines[0].settings: not an object"},
      {[](json& d) { d["engines"][0]["settings"]["journal_mode"] = 1; },
       "engines[0].settings.journal_mode: not a string"},
      {[](json& d) { d["engines"][0]["repetitions"] = nullptr; },
       "engines[0].repetitions: not an array"},
      {[](json& d) { d["engines"][0]["repetitions"][1]["index"] = 5; },
       "engines[0].repetitions[1].index: expected 1, found 5"},
      {[](json& d) { d["engines"][1]["repetitions"][0]["phases"][2]["metrics"] = json::array(); },
       "engines[1].repetitions[0].phases[2].metrics: not an object"},
      {[](json& d) {
         d["engines"][0]["repetitions"][0]["phases"][0]["metrics"]["ops_per_sec"] = "x";
       },
       "engines[0].repetitions[0].phases[0].metrics.ops_per_sec: not a number"},
      {[](json& d) {
         d["engines"][0]["repetitions"][0]["phases"][0]["metrics"]["seconds"] =
             std::numeric_limits<double>::quiet_NaN();
       },
       "engines[0].repetitions[0].phases[0].metrics.seconds: not a finite number"},
      {[](json& d) { d["engines"][0]["repetitions"][0]["phases"][0]["metrics"][""] = 1; },
       "engines[0].repetitions[0].phases[0].metrics: empty metric name"},
      {[](json& d) { d["engines"][0]["repetitions"][2]["phases"][1]["op"] = "Get It"; },
       "engines[0].repetitions[2].phases[1].op: not an operation name: \"Get It\""},
      {[](json& d) { d["engines"][0]["repetitions"][0]["phases"][1]["name"] = "load"; },
       "engines[0].repetitions[0].phases[1].name: duplicate name \"load\""},
      {[](json& d) { d["engines"][0]["repetitions"][0]["phases"] = json::object(); },
       "engines[0].repetitions[0].phases: not an array"},
      {[](json& d) { d["engines"][0]["aggregates"]["load"] = 3; },
       "engines[0].aggregates.load: not an object"},
      {[](json& d) { d["engines"][0]["aggregates"]["load"]["ops_per_sec"].erase("cv"); },
       "engines[0].aggregates.load.ops_per_sec.cv: missing"},
      {[](json& d) { d["engines"][1]["aggregates"]["read"]["mb_per_sec"]["min"] = true; },
       "engines[1].aggregates.read.mb_per_sec.min: not a number"},
      {[](json& d) { d["engines"][0].erase("aggregates"); }, "engines[0].aggregates: missing"},
  };
  const json valid = to_json(sample_report());
  for (const Malformed& malformed : cases) {
    json document = valid;
    malformed.mutate(document);
    EXPECT_EQ(error_of(document), malformed.message);
  }
}

// ---- Random and mutated documents never end in anything but a Report or a ReportError ----

json random_value(std::mt19937_64& rng, int depth) {
  switch (rng() % (depth > 0 ? 11 : 9)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(rng()) >> (rng() % 64);
    case 3:
      return rng() >> (rng() % 64);
    case 4:
      return static_cast<double>(static_cast<std::int64_t>(rng())) / 1e9;
    case 5: {
      const std::size_t length = rng() % 4;  // one call per statement: the same on every compiler
      return std::string(length, static_cast<char>('a' + rng() % 3));
    }
    case 6:
      return "heapstore-report/2";
    case 7:
      return std::string(1, static_cast<char>(rng() % 256));  // may be invalid UTF-8
    case 8:
      return json::array();
    case 9: {
      json array = json::array();
      for (std::size_t i = rng() % 4; i > 0; --i) array.push_back(random_value(rng, depth - 1));
      return array;
    }
    default: {
      json object = json::object();
      const char* keys[] = {"name", "op", "index", "schema", "metrics", "x", "load", "cv"};
      for (std::size_t i = rng() % 4; i > 0; --i) {
        object[keys[rng() % 8]] = random_value(rng, depth - 1);
      }
      return object;
    }
  }
}

// A random node: from the root into a random member or element (of two picks, a structured
// one first) until a leaf or a stop, so that deep fields such as metric values are reached.
struct Node {
  json* parent = nullptr;
  json::iterator position;  // of value within parent
  json* value = nullptr;
};

json::iterator random_child(json& value, std::mt19937_64& rng) {
  auto pick = [&] {
    auto position = value.begin();
    std::advance(position, static_cast<std::ptrdiff_t>(rng() % value.size()));
    return position;
  };
  const auto first = pick();
  return first->is_structured() ? first : pick();
}

Node random_node(json& document, std::mt19937_64& rng) {
  Node node{nullptr, {}, &document};
  while (node.value->is_structured() && !node.value->empty() && rng() % 8 != 0) {
    const auto position = random_child(*node.value, rng);
    node = {node.value, position, &*position};
  }
  return node;
}

void mutate(json& document, std::mt19937_64& rng) {
  const Node node = random_node(document, rng);
  json& target = *node.value;
  switch (rng() % 4) {
    case 0:
      if (node.parent != nullptr) {
        node.parent->erase(node.position);
        return;
      }
      break;
    case 1:
      if (target.is_array() && !target.empty()) {
        target.push_back(target[rng() % target.size()]);  // duplicates: names, indexes
        return;
      }
      break;
    case 2:
      if (target.is_object()) {
        target["extra"] = random_value(rng, 2);
        return;
      }
      break;
  }
  target = random_value(rng, 2);
}

void expect_report_or_report_error(const json& document) {
  try {
    const Report report = from_json(document);
    EXPECT_EQ(to_json(report), document);  // what is accepted comes back unchanged
  } catch (const ReportError& error) {
    EXPECT_EQ(std::string(error.what()).find("json.exception"), std::string::npos) << error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "not a ReportError: " << error.what() << "\n" << document.dump();
  }
}

TEST(ReportJson, MutatedAndRandomDocumentsOnlyEverThrowReportError) {
  std::mt19937_64 rng(20240601);
  json valid = to_json(sample_report());
  valid["engines"][0]["repetitions"].erase(2);  // smaller and still valid: faster mutations
  valid["engines"][1]["repetitions"].erase(1);
  valid["engines"][1]["repetitions"].erase(1);
  for (int i = 0; i < 1700; ++i) {
    json document = valid;
    for (std::uint64_t n = rng() % 4 == 0 ? 2 : 1; n > 0; --n) mutate(document, rng);
    expect_report_or_report_error(document);
  }
  for (int i = 0; i < 300; ++i) expect_report_or_report_error(random_value(rng, 4));
}

// ---- Files ----

TEST(ReportFile, WritesPrettyJsonAtomicallyIntoNewDirectories) {
  const std::string path = temp_path("a/b/report.json");
  std::filesystem::remove_all(std::filesystem::path(path).parent_path().parent_path());
  const Report report = sample_report();
  write_report(report, path);
  write_report(report, path);  // over an existing one
  EXPECT_EQ(to_json(read_report(path)), to_json(report));
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, to_json(report).dump(2) + "\n");
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    EXPECT_EQ(entry.path().filename(), "report.json");  // no temporary file left behind
  }
}

TEST(ReportFile, MissingFileNamesThePath) {
  const std::string path = temp_path("nothing-here.json");
  try {
    read_report(path);
    FAIL() << "accepted a missing file";
  } catch (const ReportError& error) {
    EXPECT_EQ(std::string(error.what()), path + ": cannot open: No such file or directory");
  }
}

TEST(ReportFile, NotJsonNamesThePathAndTheBytePosition) {
  const std::string path = temp_path("broken.json");
  write_file(path, "{\"schema\": \"heapstore-report/2\",\n  oops}");
  try {
    read_report(path);
    FAIL() << "accepted broken JSON";
  } catch (const ReportError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(path + ": not JSON: parse error at line 2, column 3", 0), 0u)
        << message;
    EXPECT_NE(message.find("(byte 36)"), std::string::npos) << message;
  }
}

TEST(ReportFile, AnotherSchemaNamesThePath) {
  const std::string path = temp_path("workload.json");
  write_file(path, R"({"schema": "heapstore-workload/1", "phases": []})");
  try {
    read_report(path);
    FAIL() << "accepted a workload file";
  } catch (const ReportError& error) {
    EXPECT_EQ(std::string(error.what()),
              path + ": schema: expected \"heapstore-report/2\", found \"heapstore-workload/1\"");
  }
}

TEST(ReportFile, DirectoryAndEmptyFileAreRejected) {
  const std::string path = temp_path("empty.json");
  write_file(path, "");
  EXPECT_THROW(read_report(path), ReportError);
  EXPECT_THROW(read_report(std::filesystem::path(path).parent_path()), ReportError);
}

}  // namespace
}  // namespace heapstore::report
