// Workload files: every way a file can be wrong gives one SpecError that names file, position,
// field and problem; valid files load with their defaults; to_json round-trips; no input crashes.
#include "spec.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <set>

namespace heapstore::workload {
namespace {

namespace fs = std::filesystem;

const char* const kStandardFiles[] = {"insert_heavy", "update_growth", "delete_from_end",
                                      "scan",         "mixed",         "smoke"};

fs::path workloads_dir() {
  if (const char* root = std::getenv("HEAPSTORE_SOURCE_DIR")) return fs::path(root) / "workloads";
  return fs::path(__FILE__).parent_path().parent_path();
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The message of the SpecError that parsing `text` throws ("" and a failure if none).
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_spec(text, "w.yaml", overrides);
  } catch (const SpecError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

void expect_error(const std::string& text, std::initializer_list<std::string_view> parts,
                  const std::vector<std::string>& overrides = {}) {
  std::string message = error_of(text, overrides);
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.rfind("w.yaml:", 0), 0u) << message;
  for (std::string_view part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

constexpr std::string_view kHead = "schema: heapstore-workload/1\nname: t\nphases:\n";

// A file whose line 4 is a load phase and line 5 is `phase` (its map starts at column 5).
std::string with_phase(std::string_view phase) {
  return std::string(kHead) + "  - {name: load, op: insert, count: 10}\n  - " + std::string(phase) +
         "\n";
}

// A file with `top` (one or more top-level lines, starting at line 3) and a load phase.
std::string with_top(std::string_view top) {
  return "schema: heapstore-workload/1\nname: t\n" + std::string(top) +
         "\nphases:\n  - {name: load, op: insert, count: 10}\n";
}

constexpr std::string_view kExample = R"(schema: heapstore-workload/1
name: update-growth
description: the issue's example
seed: 42
repetitions: 5
engine: {buffer_pool_mib: 64, sync: false}
containers: 1
phases:
  - {name: load, op: insert, count: 1000000, value_size: {dist: uniform, min: 80, max: 120}}
  - {name: grow, op: update, count: 200000, select: {dist: zipfian, theta: 0.99}, growth: {bytes: 32, max: 2048}}
  - {name: trim, op: delete, count: 100000, select: reverse}
  - {name: read, op: get, duration: 10s, select: uniform}
  - {name: full, op: scan, count: 5}
  - {name: ycsb, op: mix, duration: 10s, threads: 2, mix: {get: 0.5, update: 0.3, insert: 0.1, delete: 0.1}}
)";

// --- valid files -------------------------------------------------------------------------------

TEST(SpecLoad, IssueExampleHasItsValues) {
  Spec spec = parse_spec(kExample, "example.yaml");
  EXPECT_EQ(spec.name, "update-growth");
  EXPECT_EQ(spec.source, "example.yaml");
  EXPECT_EQ(spec.repetitions, 5u);
  ASSERT_EQ(spec.phases.size(), 6u);
  const Phase& load = spec.phases[0];
  EXPECT_EQ(load.op, Op::kInsert);
  EXPECT_EQ(load.count, 1000000u);
  EXPECT_EQ(load.value_size.kind, SizeDist::Kind::kUniform);
  EXPECT_EQ(load.value_size.min, 80u);
  EXPECT_EQ(load.value_size.max, 120u);
  const Phase& grow = spec.phases[1];
  EXPECT_EQ(grow.select.kind, Select::Kind::kZipfian);
  EXPECT_DOUBLE_EQ(grow.select.theta, 0.99);
  ASSERT_TRUE(grow.growth.has_value());
  EXPECT_EQ(grow.growth->bytes, 32);
  EXPECT_EQ(grow.growth->max, 2048u);
  EXPECT_EQ(spec.phases[2].select.kind, Select::Kind::kReverse);
  EXPECT_EQ(spec.phases[3].duration, std::chrono::seconds(10));
  EXPECT_FALSE(spec.phases[3].count.has_value());
  EXPECT_EQ(spec.phases[4].op, Op::kScan);
  const Phase& ycsb = spec.phases[5];
  EXPECT_EQ(ycsb.threads, 2u);
  EXPECT_DOUBLE_EQ(ycsb.mix[Op::kGet], 0.5);
  EXPECT_DOUBLE_EQ(ycsb.mix[Op::kDelete], 0.1);
}

TEST(SpecLoad, DefaultsAreFilled) {
  Spec spec = parse_spec(with_phase("{name: g, op: get, count: 1}"), "w.yaml");
  EXPECT_EQ(spec.description, "");
  EXPECT_EQ(spec.seed, 42u);
  EXPECT_EQ(spec.repetitions, 1u);
  EXPECT_EQ(spec.engine.buffer_pool_mib, 64u);
  EXPECT_FALSE(spec.engine.sync);
  EXPECT_EQ(spec.containers, 1u);
  const Phase& load = spec.phases[0];
  EXPECT_EQ(load.threads, 1u);
  EXPECT_EQ(load.batch, 1u);
  EXPECT_EQ(load.value_size.kind, SizeDist::Kind::kConstant);
  EXPECT_EQ(load.value_size.min, 100u);
  EXPECT_EQ(spec.phases[1].select.kind, Select::Kind::kUniform);
  EXPECT_FALSE(spec.phases[1].growth.has_value());
}

TEST(SpecLoad, ValueSizeSpellings) {
  auto size_of = [](std::string_view size) {
    return parse_spec(
               with_phase("{name: i, op: insert, count: 1, value_size: " + std::string(size) + "}"),
               "w.yaml")
        .phases[1]
        .value_size;
  };
  SizeDist constant = size_of("0");
  EXPECT_EQ(constant.kind, SizeDist::Kind::kConstant);
  EXPECT_EQ(constant.max, 0u);
  EXPECT_EQ(size_of("{dist: constant, value: 4066}").min, 4066u);
  SizeDist normal = size_of("{dist: normal, mean: 100, stddev: 10}");
  EXPECT_EQ(normal.kind, SizeDist::Kind::kNormal);
  EXPECT_EQ(normal.min, 0u);
  EXPECT_EQ(normal.max, 4066u);
  EXPECT_DOUBLE_EQ(normal.stddev, 10);
  SizeDist zipf = size_of("{dist: zipfian, min: 1, max: 9}");
  EXPECT_DOUBLE_EQ(zipf.theta, 0.99);
  EXPECT_DOUBLE_EQ(size_of("{dist: zipfian, min: 1, max: 9, theta: 1.5}").theta, 1.5);
}

TEST(SpecLoad, SelectGrowthAndDurations) {
  auto phase = [](std::string_view text) {
    return parse_spec(with_phase(text), "w.yaml").phases[1];
  };
  Phase latest = phase("{name: u, op: update, count: 1, select: latest, growth: {factor: 1.5}}");
  EXPECT_EQ(latest.select.kind, Select::Kind::kLatest);
  EXPECT_DOUBLE_EQ(latest.select.theta, 0.99);
  EXPECT_DOUBLE_EQ(latest.growth->factor, 1.5);
  EXPECT_EQ(latest.growth->bytes, 0);
  EXPECT_EQ(latest.growth->max, 4066u);
  EXPECT_EQ(phase("{name: u, op: update, count: 1, growth: {bytes: -8}}").growth->bytes, -8);
  EXPECT_EQ(phase("{name: s, op: get, count: 1, select: sequential}").select.kind,
            Select::Kind::kSequential);
  using std::chrono::nanoseconds;
  const std::pair<std::string_view, nanoseconds> durations[] = {
      {"10s", std::chrono::seconds(10)},
      {"500ms", std::chrono::milliseconds(500)},
      {"2m", std::chrono::minutes(2)},
      {"1.5s", std::chrono::milliseconds(1500)},
      {"100us", std::chrono::microseconds(100)},
      {"\"3h\"", std::chrono::hours(3)},
      {"250ns", nanoseconds(250)}};
  for (const auto& [text, expected] : durations) {
    EXPECT_EQ(phase("{name: g, op: get, duration: " + std::string(text) + "}").duration, expected)
        << text;
  }
}

TEST(SpecLoad, StandardFilesLoad) {
  for (const char* name : kStandardFiles) {
    SCOPED_TRACE(name);
    fs::path path = workloads_dir() / (std::string(name) + ".yaml");
    Spec spec = load_spec(path.string());
    EXPECT_EQ(spec.source, path.string());
    EXPECT_FALSE(spec.description.empty());
    ASSERT_FALSE(spec.phases.empty());
    EXPECT_EQ(spec.phases[0].op, Op::kInsert);
    EXPECT_EQ(spec.repetitions, std::string(name) == "smoke" ? 5u : 3u);
  }
}

TEST(SpecLoad, SmokeRunsEveryOpIncludingATwoThreadMix) {
  Spec spec = load_spec((workloads_dir() / "smoke.yaml").string());
  std::set<Op> ops;
  std::uint64_t total = 0;
  for (const Phase& phase : spec.phases) {
    ops.insert(phase.op);
    ASSERT_TRUE(phase.count.has_value()) << phase.name;
    total += phase.op == Op::kScan ? 0 : *phase.count;
    if (phase.op == Op::kMix) {
      EXPECT_EQ(phase.threads, 2u);
    }
  }
  EXPECT_EQ(ops.size(), 6u);
  EXPECT_LT(total, 20000u);
}

TEST(SpecLoad, MixedIsYcsbA) {
  Spec spec = load_spec((workloads_dir() / "mixed.yaml").string());
  ASSERT_EQ(spec.phases.size(), 2u);
  const Phase& mix = spec.phases[1];
  EXPECT_EQ(mix.op, Op::kMix);
  EXPECT_DOUBLE_EQ(mix.mix[Op::kGet], 0.5);
  EXPECT_DOUBLE_EQ(mix.mix[Op::kUpdate], 0.5);
  EXPECT_EQ(mix.select.kind, Select::Kind::kZipfian);
}

// --- to_json and spec_hash ---------------------------------------------------------------------

TEST(SpecJson, RoundTripsThroughParse) {
  std::vector<std::string> texts = {std::string(kExample)};
  for (const char* name : kStandardFiles) {
    texts.push_back(read_text(workloads_dir() / (std::string(name) + ".yaml")));
  }
  for (const std::string& text : texts) {
    Spec spec = parse_spec(text, "w.yaml");
    nlohmann::json json = to_json(spec);
    EXPECT_EQ(json["schema"], kSchema);
    Spec again = parse_spec(json.dump(2), "w.json");
    EXPECT_EQ(to_json(again), json) << json.dump(2);
    EXPECT_EQ(spec_hash(again), spec_hash(spec));
  }
}

TEST(SpecJson, EveryDefaultIsWritten) {
  nlohmann::json json = to_json(parse_spec(with_phase("{name: g, op: get, count: 1}"), "w.yaml"));
  EXPECT_EQ(json["seed"], 42);
  EXPECT_EQ(json["repetitions"], 1);
  EXPECT_EQ(json["engine"]["buffer_pool_mib"], 64);
  EXPECT_EQ(json["engine"]["sync"], false);
  EXPECT_EQ(json["phases"][0]["value_size"],
            (nlohmann::json{{"dist", "constant"}, {"value", 100}}));
  EXPECT_EQ(json["phases"][0]["batch"], 1);
  EXPECT_EQ(json["phases"][1]["select"], (nlohmann::json{{"dist", "uniform"}}));
  EXPECT_EQ(json["phases"][1]["threads"], 1);
  EXPECT_FALSE(json["phases"][1].contains("value_size"));
}

TEST(SpecJson, JsonAndYamlSpellingsAreEqual) {
  const std::string json_text = R"({
    "schema": "heapstore-workload/1", "name": "update-growth", "description": "the issue's example",
    "seed": 42, "repetitions": 5, "engine": {"buffer_pool_mib": 64, "sync": false},
    "containers": 1,
    "phases": [
      {"name": "load", "op": "insert", "count": 1000000,
       "value_size": {"dist": "uniform", "min": 80, "max": 120}},
      {"name": "grow", "op": "update", "count": 200000,
       "select": {"dist": "zipfian", "theta": 0.99}, "growth": {"bytes": 32, "max": 2048}},
      {"name": "trim", "op": "delete", "count": 100000, "select": "reverse"},
      {"name": "read", "op": "get", "duration": "10s", "select": "uniform"},
      {"name": "full", "op": "scan", "count": 5},
      {"name": "ycsb", "op": "mix", "duration": "10s", "threads": 2,
       "mix": {"get": 0.5, "update": 0.3, "insert": 0.1, "delete": 0.1}}]})";
  Spec from_yaml = parse_spec(kExample, "w.yaml");
  Spec from_json = parse_spec(json_text, "w.json");
  EXPECT_EQ(to_json(from_yaml), to_json(from_json));
  EXPECT_EQ(spec_hash(from_yaml), spec_hash(from_json));
}

// The message of the SpecError that parsing `text` as file "w.json" throws ("" if none).
std::string json_error_of(const std::string& text) {
  try {
    parse_spec(text, "w.json");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

TEST(SpecJson, AJsonFileIsStrictJsonWithLineAndColumn) {
  const std::string good =
      "{\"schema\": \"heapstore-workload/1\", \"name\": \"t\",\n"
      " \"phases\": [{\"name\": \"load\", \"op\": \"insert\", \"count\": 10}]}\n";
  EXPECT_EQ(json_error_of(good), "");
  // A trailing comma (line 2, column 59: the ']' after it) and a comment: YAML takes both.
  std::string trailing = good;
  trailing.replace(trailing.find("10}]"), 4, "10},]");
  std::string message = json_error_of(trailing);
  EXPECT_EQ(message.rfind("w.json:2:59: ", 0), 0u) << message;
  EXPECT_NE(message.find("JSON syntax error"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NO_THROW(parse_spec(trailing, "w.yaml"));  // the same bytes as YAML: a flow sequence
  message = json_error_of("// a comment\n" + good);
  EXPECT_EQ(message.rfind("w.json:1:1: ", 0), 0u) << message;
  message = json_error_of(good.substr(0, good.size() - 3));  // cut short
  EXPECT_NE(message.find("JSON syntax error"), std::string::npos) << message;
}

TEST(SpecJson, HashIgnoresSeedAndRepetitionsOnly) {
  std::string hash = spec_hash(parse_spec(kExample, "w.yaml"));
  EXPECT_EQ(hash.size(), 16u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(spec_hash(parse_spec(kExample, "w.yaml", {"seed=7", "repetitions=1"})), hash);
  EXPECT_NE(spec_hash(parse_spec(kExample, "w.yaml", {"phases.load.count=999999"})), hash);
  EXPECT_NE(spec_hash(parse_spec(kExample, "w.yaml", {"engine.sync=true"})), hash);
}

// --- overrides ---------------------------------------------------------------------------------

TEST(SpecOverrides, SetTopLevelEngineAndPhaseKeys) {
  Spec spec =
      parse_spec(kExample, "w.yaml",
                 {"seed=7", "repetitions=3", "engine.buffer_pool_mib=128", "engine.sync=true",
                  "containers=4", "phases.load.count=1000", "phases.load.value_size.max=200",
                  "phases[1].growth.max=100", "phases.trim.select=zipfian",
                  "phases.ycsb.mix.get=0.4", "phases.ycsb.mix.delete=0.2", "description=changed"});
  EXPECT_EQ(spec.seed, 7u);
  EXPECT_EQ(spec.repetitions, 3u);
  EXPECT_EQ(spec.engine.buffer_pool_mib, 128u);
  EXPECT_TRUE(spec.engine.sync);
  EXPECT_EQ(spec.containers, 4u);
  EXPECT_EQ(spec.phases[0].count, 1000u);
  EXPECT_EQ(spec.phases[0].value_size.max, 200u);
  EXPECT_EQ(spec.phases[1].growth->max, 100u);
  EXPECT_EQ(spec.phases[2].select.kind, Select::Kind::kZipfian);
  EXPECT_DOUBLE_EQ(spec.phases[5].mix[Op::kDelete], 0.2);
  EXPECT_EQ(spec.description, "changed");
}

TEST(SpecOverrides, CreatesMissingKeysAndMaps) {
  Spec spec = parse_spec(with_phase("{name: g, op: get, count: 1}"), "w.yaml",
                         {"engine.sync=true", "phases.g.select.dist=latest", "phases.g.threads=8"});
  EXPECT_TRUE(spec.engine.sync);
  EXPECT_EQ(spec.phases[1].select.kind, Select::Kind::kLatest);
  EXPECT_EQ(spec.phases[1].threads, 8u);
}

TEST(SpecOverrides, AnAliasedValueChangesOnlyWhereSet) {
  std::string text =
      std::string(kHead) +
      "  - {name: a, op: insert, count: &n 10}\n  - {name: b, op: insert, count: *n}\n";
  Spec spec = parse_spec(text, "w.yaml", {"phases.b.count=20"});
  EXPECT_EQ(spec.phases[0].count, 10u);
  EXPECT_EQ(spec.phases[1].count, 20u);
}

TEST(SpecOverrides, BadOverridesNameTheOverride) {
  std::string example(kExample);
  expect_error(example, {"--set phases.nope.count=5: no phase named nope"},
               {"phases.nope.count=5"});
  expect_error(example, {"--set phases[9].count=5", "no phase at index 9"}, {"phases[9].count=5"});
  expect_error(example, {"--set sed=7", "unknown key sed", "did you mean `seed`"}, {"sed=7"});
  expect_error(example, {"--set phases.load.cont=7", "did you mean `count`"},
               {"phases.load.cont=7"});
  expect_error(example, {"--set seed", "expected key=value"}, {"seed"});
  expect_error(example, {"--set phases..count=1", "malformed key"}, {"phases..count=1"});
  expect_error(example, {"--set seed.x=1", "seed has no subkeys"}, {"seed.x=1"});
  expect_error(example, {"--set phases=1", "is a list"}, {"phases=1"});
  expect_error(example, {"--set phases.load=1", "name a key of phases.load"}, {"phases.load=1"});
  expect_error(example, {"--set seed=[1", "bad value"}, {"seed=[1"});
  expect_error(example, {"--set seed={a: 1}", "must be a scalar"}, {"seed={a: 1}"});
  expect_error(example, {"--set phases.full.count=0", "phases.full.count", "at least 1"},
               {"phases.full.count=0"});
  expect_error(example, {"--set seed=abc", "seed: expected an integer"}, {"seed=abc"});
  expect_error(example, {"--set phases.grow.growth.max=2000000000", "at most 1 MiB"},
               {"phases.grow.growth.max=2000000000"});
  expect_error(with_phase("{name: g, op: get, count: 1, select: uniform}"),
               {"--set phases.g.select.dist=x", "phases.g.select is not a map"},
               {"phases.g.select.dist=x"});
}

// --- invalid files: each names file, line:col, field and problem ---------------------------------

TEST(SpecErrors, SyntaxMissingAndUnreadable) {
  expect_error("schema: heapstore-workload/1\nname: [t\n", {"w.yaml:3:1: YAML syntax error"});
  expect_error("a: 1\n  b: 2\n", {"w.yaml:2:4: YAML syntax error: illegal map value"});
  expect_error(",a\n", {"w.yaml:1:1: YAML syntax error: unexpected ','"});
  expect_error("name: *x\n",
               {"w.yaml:1:7: YAML syntax error: the referenced anchor is not defined"});
  for (const std::string path : {"/nonexistent/w.yaml", "/"}) {
    try {
      load_spec(path);
      ADD_FAILURE() << path;
    } catch (const SpecError& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": cannot read the workload file"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(SpecErrors, FileErrorsNameThePathAndPosition) {
  fs::path path = fs::temp_directory_path() / ("spec_test_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << with_phase("{name: g, op: get, count: 1, threads: 65}");
  try {
    load_spec(path.string());
    ADD_FAILURE() << "no error";
  } catch (const SpecError& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() +
                  ":5:43: phases.g.threads: out of range: must be between 1 and 64 "
                  "(got 65)");
  }
  fs::remove(path);
}

TEST(SpecErrors, JsonFilesGetPositionsToo) {
  expect_error(
      "{\"schema\": \"heapstore-workload/1\", \"name\": \"t\",\n \"phases\": [\n"
      "  {\"name\": \"load\", \"op\": \"insert\", \"count\": \"many\"}]}",
      {"w.yaml:3:45: phases.load.count: expected an integer, got the string 'many'"});
  expect_error("{\"schema\": \"heapstore-workload/1\", \"name\": \"t\", \"phases\": [}",
               {"w.yaml:1:", "YAML syntax error"});
}

TEST(SpecErrors, DocumentShape) {
  expect_error("", {"w.yaml:1:1: the file is empty"});
  expect_error("# only a comment\n\n", {"the file is empty"});
  expect_error("hello", {"w.yaml:1:1: expected a map", "got 'hello'"});
  expect_error("- a\n- b\n", {"w.yaml:1:1: expected a map", "got a list"});
  expect_error(with_top("") + "---\nb: 1\n", {"w.yaml:6:1: expected one YAML document"});
}

TEST(SpecErrors, SchemaVersion) {
  expect_error("name: t\nphases: []\n", {"w.yaml:1:1: schema: missing"});
  expect_error("schema: heapstore-workload/2\nname: t\n",
               {"w.yaml:1:9: schema: unknown schema version 'heapstore-workload/2'"});
  expect_error("schema: [1]\n", {"w.yaml:1:9: schema: expected a string, got a list"});
}

TEST(SpecErrors, UnknownAndDuplicateKeys) {
  expect_error(with_top("nmae: x"), {"w.yaml:3:1: nmae: unknown key (did you mean `name`?)"});
  expect_error(with_top("colour: red"), {"w.yaml:3:1: colour: unknown key (expected one of:"});
  expect_error(with_top("engine: {buffer_pool: 1}"),
               {"w.yaml:3:10: engine.buffer_pool: unknown key", "`buffer_pool_mib`"});
  expect_error(with_phase("{name: g, op: update, count: 5, grwoth: {bytes: 1}}"),
               {"w.yaml:5:37: phases.g.grwoth: unknown key (did you mean `growth`?)"});
  expect_error(with_phase("{name: i, op: insert, count: 5, value_size: {dist: uniform, mn: 1}}"),
               {"w.yaml:5:65: phases.i.value_size.mn: unknown key", "`min`"});
  expect_error(with_top("name: u"), {"w.yaml:3:1: name: duplicate key (first at line 2)"});
  expect_error(with_top("? [a]\n: 1"), {"w.yaml:3:3: keys must be plain strings"});
}

TEST(SpecErrors, WrongTypes) {
  expect_error(with_phase("{name: g, op: get, count: \"many\"}"),
               {"w.yaml:5:31: phases.g.count: expected an integer, got the string 'many'"});
  expect_error(with_phase("{name: g, op: get, count: many}"),
               {"phases.g.count: expected an integer, got 'many'"});
  expect_error(with_phase("{name: g, op: get, count: 100.5}"),
               {"w.yaml:5:31: phases.g.count: expected an integer, got '100.5'"});
  expect_error(with_phase("{name: g, op: get, count: \"5\"}"), {"expected an integer"});
  expect_error("schema: heapstore-workload/1\nname: t\nphases: 5\n",
               {"w.yaml:3:9: phases: expected a list of phases, got '5'"});
  expect_error(with_top("engine: [1]"), {"w.yaml:3:9: engine: expected a map, got a list"});
  expect_error(with_top("engine: {sync: 3}"), {"engine.sync: expected true or false, got '3'"});
  expect_error(with_top("seed: {a: 1}"), {"w.yaml:3:7: seed: expected an integer, got a map"});
  expect_error(with_top("description: [a]"), {"description: expected a string, got a list"});
  expect_error(std::string(kHead) + "  - load\n", {"w.yaml:4:5: phases[0]: expected a map"});
  expect_error(with_phase("{name: g, op: get, count: 1, select: [a]}"),
               {"phases.g.select: expected a dist name or a map"});
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: big}"),
               {"phases.i.value_size: expected an integer, got 'big'"});
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: [1]}"),
               {"phases.i.value_size: expected a size in bytes or a map"});
  expect_error(with_phase("{name: g, op: get, duration: 10}"),
               {"phases.g.duration: expected a duration such as 10s", "got '10'"});
  expect_error(with_phase("{name: g, op: get, duration: 10x}"), {"expected a duration"});
  expect_error(with_phase("{name: u, op: update, count: 1, growth: {factor: much}}"),
               {"phases.u.growth.factor: expected a finite number, got 'much'"});
  expect_error(with_phase("{name: u, op: update, count: 1, growth: {factor: .inf}}"),
               {"expected a finite number"});
}

TEST(SpecErrors, NullValues) {
  expect_error("schema: heapstore-workload/1\nname:\nphases: []\n",
               {"w.yaml:2:1: name: expected a string, got null"});
  expect_error("schema: heapstore-workload/1\nname: t\nphases:\n",
               {"phases: expected a list of phases, got null"});
  expect_error(with_phase("{name: g, op: get, count: ~}"),
               {"phases.g.count: expected an integer, got null"});
  expect_error(with_phase("{name: g, op: get, count: 1, select: null}"),
               {"phases.g.select: expected a dist name or a map"});
  expect_error(with_top("engine:"), {"engine: expected a map, got null"});
  expect_error(std::string(kHead) + "  - \n", {"phases[0]: expected a map, got null"});
}

TEST(SpecErrors, OutOfRange) {
  expect_error(with_phase("{name: g, op: get, count: -1}"),
               {"w.yaml:5:31: phases.g.count: out of range: must be at least 1 (got -1)"});
  expect_error(with_phase("{name: g, op: get, count: 0}"), {"phases.g.count", "at least 1"});
  expect_error(with_phase("{name: g, op: get, count: 1, threads: 0}"),
               {"phases.g.threads: out of range: must be between 1 and 64 (got 0)"});
  expect_error(with_phase("{name: g, op: get, count: 1, threads: 65}"),
               {"w.yaml:5:43: phases.g.threads", "between 1 and 64 (got 65)"});
  expect_error(with_phase("{name: g, op: get, count: 1, select: {dist: zipfian, theta: 0}}"),
               {"phases.g.select.theta: out of range: must be greater than 0"});
  expect_error(with_phase("{name: g, op: get, count: 1, select: {dist: latest, theta: -1}}"),
               {"phases.g.select.theta", "greater than 0", "(got -1)"});
  expect_error(with_top("repetitions: 0"),
               {"w.yaml:3:14: repetitions: out of range: must be between 1 and 1000 (got 0)"});
  expect_error(with_top("containers: 1025"), {"containers", "between 1 and 1024"});
  expect_error(with_top("engine: {buffer_pool_mib: 0}"),
               {"w.yaml:3:27: engine.buffer_pool_mib", "between 1 and 1048576 (got 0)"});
  expect_error(with_phase("{name: i, op: insert, count: 1, batch: 0}"), {"phases.i.batch"});
  expect_error(with_phase("{name: g, op: get, duration: 0s}"),
               {"phases.g.duration: out of range: must be at least 1ns"});
  expect_error(with_phase("{name: g, op: get, duration: 1000h}"), {"at most 720h"});
  expect_error(with_phase("{name: u, op: update, count: 1, growth: {factor: 0}}"),
               {"phases.u.growth.factor", "greater than 0"});
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: -1}"),
               {"phases.i.value_size: out of range"});
}

TEST(SpecErrors, HugeNumbersDoNotOverflow) {
  expect_error(with_phase("{name: g, op: get, count: 99999999999999999999999}"),
               {"phases.g.count: out of range", "(got 99999999999999999999999)"});
  expect_error(with_phase("{name: g, op: get, count: 9223372036854775808}"), {"out of range"});
  expect_error(with_top("seed: 18446744073709551616"), {"seed: out of range"});
  expect_error(with_top("seed: -1"), {"seed: out of range"});
  expect_error(
      with_phase("{name: u, op: update, count: 1, growth: {bytes: -99999999999999999999}}"),
      {"phases.u.growth.bytes: out of range: must be between -1048576 and 1048576"});
  expect_error(with_phase("{name: u, op: update, count: 1, growth: {factor: 1e999}}"),
               {"phases.u.growth.factor: expected a finite number"});
  expect_error(with_phase("{name: g, op: get, duration: 99999999999999999999999999h}"),
               {"at most 720h"});
  EXPECT_EQ(parse_spec(with_top("seed: 18446744073709551615"), "w.yaml").seed,
            18446744073709551615u);
}

TEST(SpecErrors, ValueSizes) {
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: {dist: uniform, min: 200, "
                          "max: 100}}"),
               {"w.yaml:5:70: phases.i.value_size.min: 200 is above max 100"});
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: 2000000000}"),
               {"w.yaml:5:49: phases.i.value_size: 2000000000 bytes is too large: a workload's "
                "values are at most 1 MiB (1048576 bytes)"});
  // Above heapstore's largest value is not the file's business: the run checks its engines.
  EXPECT_EQ(parse_spec(with_phase("{name: i, op: insert, count: 1, value_size: 5000}"), "w.yaml")
                .phases[1]
                .value_size.max,
            5000u);
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: {dist: uniform, min: 1, "
                          "max: 1048577}}"),
               {"phases.i.value_size.max", "values are at most 1 MiB"});
  expect_error(with_phase("{name: u, op: update, count: 1, growth: {bytes: 8, max: 9999999999999999"
                          "99999}}"),
               {"phases.u.growth.max", "values are at most 1 MiB"});
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: {dist: normal, mean: 5000, "
                          "stddev: 1}}"),
               {"phases.i.value_size.mean: out of range"});
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: {dist: uniform, min: 1, "
                          "max: 2, theta: 1}}"),
               {"phases.i.value_size.theta: not used by dist uniform"});
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: {dist: uniform, max: 2}}"),
               {"w.yaml:5:49: phases.i.value_size.min: missing"});
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: {min: 1}}"),
               {"phases.i.value_size.dist: missing"});
}

TEST(SpecErrors, EnumsAndNames) {
  expect_error(with_phase("{name: g, op: gte, count: 1}"),
               {"w.yaml:5:19: phases.g.op: unknown op 'gte' (did you mean `get`?)"});
  expect_error(
      with_phase("{name: g, op: fly, count: 1}"),
      {"unknown op 'fly' (expected one of: insert, update, delete, get, read_modify_write, "
       "scan, mix)"});
  expect_error(with_phase("{name: i, op: insert, count: 1, value_size: {dist: pareto}}"),
               {"phases.i.value_size.dist: unknown dist 'pareto'"});
  expect_error(with_phase("{name: g, op: get, count: 1, select: zipfain}"),
               {"phases.g.select: unknown select dist 'zipfain' (did you mean `zipfian`?)"});
  expect_error(with_phase("{name: g, op: get, count: 1, select: {dist: uniform, theta: 2}}"),
               {"phases.g.select.theta: only dist zipfian and latest take theta"});
  expect_error(with_phase("{name: a.b, op: get, count: 1}"),
               {"phases[1].name: 'a.b' is not a valid name"});
  expect_error(with_phase("{op: get, count: 1}"), {"w.yaml:5:5: phases[1].name: missing"});
  expect_error(with_phase("{name: g, count: 1}"), {"phases.g.op: missing"});
  expect_error(
      with_phase("{name: load, op: get, count: 1}"),
      {"w.yaml:5:5: phases[1].name: duplicate phase name 'load' (also phases[0], line 4)"});
}

// Warm-up (a count or a duration), an open-loop rate and YCSB's read-modify-write, which also
// takes a mix share; all of them round-trip through to_json.
TEST(SpecPhases, WarmupRateAndReadModifyWrite) {
  Spec spec = parse_spec(with_phase("{name: r, op: read_modify_write, count: 10, warmup: 5, "
                                    "rate: 2500.5, growth: {bytes: 8, max: 200}}"),
                         "w.yaml");
  const Phase& rmw = spec.phases[1];
  EXPECT_EQ(rmw.op, Op::kReadModifyWrite);
  EXPECT_EQ(rmw.warmup_count, 5u);
  EXPECT_EQ(rmw.rate, 2500.5);
  Spec timed =
      parse_spec(with_phase("{name: m, op: mix, duration: 1s, warmup: 250ms, mix: {get: 0.5, "
                            "read_modify_write: 0.5}}"),
                 "w.yaml");
  EXPECT_EQ(timed.phases[1].warmup_duration, std::chrono::milliseconds(250));
  EXPECT_EQ(timed.phases[1].mix[Op::kReadModifyWrite], 0.5);
  for (const Spec& s : {spec, timed})
    EXPECT_EQ(to_json(parse_spec(to_json(s).dump(), "again.json")), to_json(s));
  expect_error(with_phase("{name: s, op: scan, count: 1, rate: 5}"),
               {"phases.s.rate: not allowed for op scan"});
  expect_error(with_phase("{name: g, op: get, count: 1, rate: 0}"),
               {"phases.g.rate: out of range"});
  expect_error(with_phase("{name: g, op: get, count: 1, warmup: soon}"), {"phases.g.warmup"});
  expect_error(with_phase("{name: r, op: read_modify_write, count: 1, batch: 2}"),
               {"phases.r.batch: not allowed for op read_modify_write (batch is for insert)"});
}

// `engines`: strings or maps, checked against the registry where the file names them, and not
// part of the workload's identity.
TEST(SpecEngines, TheFileNamesItsEnginesAsTextOrMaps) {
  const std::string top =
      "engines:\n  - heapstore\n  - {engine: sqlite, label: rollback, options: {journal_mode: "
      "DELETE, buffer_pool_mib: 128}}\n";
  Spec spec = parse_spec(with_top(top), "w.yaml");
  EXPECT_EQ(spec.engines,
            (std::vector<std::string>{"heapstore",
                                      "sqlite:journal_mode=DELETE:buffer_pool_mib=128@rollback"}));
  EXPECT_EQ(spec_hash(spec), spec_hash(parse_spec(with_top(""), "w.yaml")));
  EXPECT_EQ(to_json(parse_spec(to_json(spec).dump(), "again.json")), to_json(spec));
  expect_error(with_top("engines: [heapstore, nosuchdb]\n"),
               {"engines[1]: unknown engine 'nosuchdb'"});
  expect_error(with_top("engines: [heapstore, heapstore]\n"),
               {"engines: two engines are labelled 'heapstore'"});
  expect_error(with_top("engines: []\n"), {"engines: expected a non-empty list"});
  expect_error(with_top("engines: [{engine: sqlite, colour: red}]\n"),
               {"engines[0].colour: unknown key"});
}

TEST(SpecErrors, PhasesAndOps) {
  expect_error("schema: heapstore-workload/1\nname: t\nphases: []\n",
               {"w.yaml:3:9: phases: empty"});
  expect_error(with_phase("{name: g, op: get, count: 1, duration: 1s}"),
               {"w.yaml:5:34: phases.g.duration: give count or duration, not both"});
  expect_error(with_phase("{name: g, op: get}"),
               {"w.yaml:5:5: phases.g: missing count or duration"});
  expect_error(with_phase("{name: s, op: scan, duration: 1s}"),
               {"phases.s.duration: not allowed for op scan"});
  expect_error(with_phase("{name: s, op: scan}"), {"phases.s: missing count"});
  expect_error(with_phase("{name: i, op: insert, count: 1, growth: {bytes: 1}}"),
               {"w.yaml:5:37: phases.i.growth: not allowed for op insert (growth is for update, "
                "read_modify_write and mix)"});
  expect_error(with_phase("{name: g, op: get, count: 1, mix: {get: 1}}"),
               {"phases.g.mix: not allowed for op get"});
  expect_error(with_phase("{name: u, op: update, count: 1, batch: 4}"),
               {"phases.u.batch: not allowed for op update"});
  expect_error(with_phase("{name: i, op: insert, count: 1, select: uniform}"),
               {"phases.i.select: not allowed for op insert"});
  expect_error(with_phase("{name: s, op: scan, count: 1, select: uniform}"),
               {"phases.s.select: not allowed for op scan"});
  expect_error(with_phase("{name: u, op: update, count: 1, value_size: 9, growth: {bytes: 1}}"),
               {"phases.u.value_size: give growth or value_size, not both"});
  expect_error(with_phase("{name: u, op: update, count: 1, growth: {bytes: 1, factor: 2}}"),
               {"phases.u.growth.factor: give bytes or factor, not both"});
  expect_error(with_phase("{name: u, op: update, count: 1, growth: {max: 2}}"),
               {"phases.u.growth: missing bytes or factor"});
  expect_error(std::string(kHead) + "  - {name: g, op: get, count: 1}\n",
               {"w.yaml:4:5: phases.g: op get picks live values, but no earlier phase inserts"});
}

TEST(SpecErrors, MixShares) {
  expect_error(with_phase("{name: m, op: mix, count: 1, mix: {get: 0.5, update: 0.4}}"),
               {"w.yaml:5:39: phases.m.mix: shares must sum to 1, they sum to 0.9"});
  expect_error(with_phase("{name: m, op: mix, count: 1, mix: {get: 1.5, update: 0.5}}"),
               {"phases.m.mix.get: out of range"});
  expect_error(with_phase("{name: m, op: mix, count: 1, mix: {get: 1, update: -0.5}}"),
               {"phases.m.mix.update: out of range: must be at least 0", "(got -0.5)"});
  expect_error(with_phase("{name: m, op: mix, count: 1, mix: {got: 1}}"),
               {"phases.m.mix.got: unknown key (did you mean `get`?)"});
  expect_error(with_phase("{name: m, op: mix, count: 1}"), {"phases.m.mix: missing"});
  EXPECT_NO_THROW(parse_spec(
      with_phase("{name: m, op: mix, count: 1, mix: {get: 0.3333333, update: 0.6666667}}"), "w"));
}

TEST(SpecErrors, GarbageNeverCrashes) {
  const std::string deep(100000, '[');
  expect_error(deep, {"w.yaml"});
  expect_error("a: " + std::string(5000, '{') + std::string(5000, '}'), {"w.yaml"});
  expect_error(std::string("\0\xff\xfe\x01\x02", 5), {"w.yaml"});
  expect_error("\xef\xbb\xbf\xc3\x28: \xa0\xa1", {"w.yaml"});
  expect_error("a: &x [*x]\n", {"w.yaml"});
  expect_error("schema: heapstore-workload/1\nname: t\nphases: &p [*p]\n", {"phases[0]"});
  expect_error("a: &a [1, 2]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c]\n",
               {"w.yaml"});
  expect_error("*unknown\n", {"w.yaml"});
  expect_error("!!binary AAAA: 1\n", {"w.yaml"});
}

// Every input either loads or throws SpecError; the sanitizers judge the rest.
void expect_loads_or_spec_error(const std::string& text,
                                const std::vector<std::string>& sets = {}) {
  try {
    parse_spec(text, "fuzz.yaml", sets);
  } catch (const SpecError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a SpecError: " << e.what() << " for:\n" << text;
  } catch (...) {
    ADD_FAILURE() << "unknown exception for:\n" << text;
  }
}

TEST(SpecFuzz, RandomBytes) {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 1000; ++i) {
    std::string text(rng() % 300, '\0');
    for (char& c : text) c = static_cast<char>(rng());
    expect_loads_or_spec_error(text);
  }
}

// Mutations of the standard files: byte flips, YAML-significant characters, cut-outs, splices.
std::string mutate(std::string text, std::mt19937_64& rng) {
  static const std::string kTokens[] = {
      "[",   "]",      "{",  "}",   ":",    ",",   "-", "&a ", "*a",
      "\n",  "  ",     "#",  "\"",  "'",    "~",   "0", "-1",  "99999999999999999999",
      "1.5", "!!str ", "? ", "|\n", "null", "true"};
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    std::size_t at = rng() % text.size();
    switch (rng() % 4) {
      case 0:
        text[at] = static_cast<char>(rng());
        break;
      case 1:
        text.insert(at, kTokens[rng() % std::size(kTokens)]);
        break;
      case 2:
        text.erase(at, rng() % 40);
        break;
      default:
        text.insert(at, text.substr(rng() % text.size(), rng() % 80));
    }
  }
  return text;
}

TEST(SpecFuzz, MutatedStandardFiles) {
  std::vector<std::string> seeds = {std::string(kExample)};
  for (const char* name : kStandardFiles) {
    seeds.push_back(read_text(workloads_dir() / (std::string(name) + ".yaml")));
  }
  seeds.push_back(to_json(parse_spec(kExample, "w")).dump());
  const std::vector<std::string> sets[] = {{},
                                           {"phases.load.count=5"},
                                           {"phases[0].value_size.max=7", "seed=x"},
                                           {"engine.sync=yes", "phases.ycsb.mix.get=0.5"}};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    std::string text = mutate(seeds[rng() % seeds.size()], rng);
    expect_loads_or_spec_error(text, sets[rng() % std::size(sets)]);
  }
}

}  // namespace
}  // namespace heapstore::workload
