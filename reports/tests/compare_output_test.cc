// The forms of a Comparison: render_text, render_markdown and to_json, the last checked against
// reports/schema/comparison.schema.json by a small validator of the keywords that schema uses.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <string>

#include "compare.h"
#include "compare_fixtures.h"

namespace heapstore::report {
namespace {

using nlohmann::json;
using testing::at_speed;
using testing::kQuiet;
using testing::make_report;

// "read" 30% slower, "load" unchanged, on another CPU.
Report read_slower(const Report& baseline) {
  const Report slower = at_speed(baseline, 0.7);
  Report candidate = baseline;
  for (std::size_t i = 0; i < candidate.engines[0].repetitions.size(); ++i) {
    candidate.engines[0].repetitions[i].phases[1] = slower.engines[0].repetitions[i].phases[1];
  }
  aggregate(candidate.engines[0]);
  candidate.context.cpu_model = "EPYC Y";
  candidate.context.git_commit = "cand456";
  return candidate;
}

TEST(Render, TextHasModeFailsFirstWarningsAndOverall) {
  const Report baseline = make_report();
  const std::string text = render_text(compare(baseline, read_slower(baseline), {}));
  EXPECT_EQ(text.rfind("mode: repetitions\n\nengine ", 0), 0u) << text;
  EXPECT_NE(text.find("change [95% interval]  verdict"), std::string::npos) << text;
  EXPECT_NE(text.find("  fail\n"), std::string::npos) << text;
  EXPECT_LT(text.rfind("  fail\n"), text.find("  pass\n")) << text;  // every fail first
  EXPECT_NE(text.find("warnings:\n  baseline ran on Xeon X"), std::string::npos) << text;
  EXPECT_NE(text.find("\noverall: fail (4 fail, 0 warn, 0 inconclusive, 0 improved, 4 pass)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("140k  -30.0% [-30."), std::string::npos) << text;
  EXPECT_NE(text.find("+42.9% ["), std::string::npos) << text;  // latency's own direction
}

TEST(Render, MarkdownHasHeadlineContextTableAndWarnings) {
  const Report baseline = make_report();
  Report candidate = at_speed(baseline, 0.7);
  candidate.context.cpu_model = "EPYC Y";
  candidate.context.cores = 8;
  candidate.seed = 9;
  const std::string markdown =
      render_markdown(compare(baseline, candidate, {}), baseline, candidate);
  EXPECT_EQ(markdown.rfind("## heapstore compare: FAIL\n\n8 fail, 0 warn, 0 inconclusive, 0 "
                           "improved, 0 pass over the gated metrics; mode: repetitions.",
                           0),
            0u)
      << markdown;
  const auto context = markdown.find("| commit | base123 | cand456 |");
  EXPECT_NE(context, std::string::npos) << markdown;
  EXPECT_LT(context, markdown.find("| engine | phase | metric |")) << markdown;  // at the top
  for (const char* line :
       {"| CPU | Xeon X | EPYC Y (8 cores) |", "| compiler | GCC 12.2.0 | GCC 12.2.0 |",
        "| build type | Release | Release |", "| repetitions | 5 | 5 |", "| seed | 1 | 9 |",
        "| meter | time | time |", "| heapstore | load | ops_per_sec | 200k | 140k | -30.0% [",
        "### Warnings\n\n- baseline ran on Xeon X"}) {
    EXPECT_NE(markdown.find(line), std::string::npos) << line << "\n" << markdown;
  }
  EXPECT_EQ(markdown.find("| valgrind |"), std::string::npos);  // no counted side
  EXPECT_EQ(markdown.find("<details>"), std::string::npos);     // no pass to fold
}

TEST(Render, MarkdownFoldsPassesAndNotGatedRows) {
  const Report baseline = make_report();
  Report candidate = read_slower(baseline);
  candidate.workload["phases"][1]["gate"] = false;
  candidate.context.valgrind = "valgrind-3.19.0";
  const Comparison comparison = compare(baseline, candidate, {});
  const std::string markdown = render_markdown(comparison, baseline, candidate);
  EXPECT_NE(markdown.find("## heapstore compare: PASS"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("0 fail, 0 warn, 0 inconclusive, 0 improved, 4 pass over the gated "
                          "metrics (4 more shown, not gated); mode: repetitions."),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("No gated metric failed, warned, was inconclusive or improved."),
            std::string::npos);
  EXPECT_NE(markdown.find("<details><summary>4 passing metrics</summary>"), std::string::npos);
  EXPECT_NE(markdown.find("<details><summary>4 not gated (shown, never judged)</summary>"),
            std::string::npos);
  EXPECT_NE(markdown.find("| fail | not gated (gate: false) |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| valgrind | (unknown) | valgrind-3.19.0 |"), std::string::npos);
  EXPECT_NE(render_text(comparison)
                .find("\noverall: pass (0 fail, 0 warn, 0 inconclusive, 0 "
                      "improved, 4 pass; 4 not gated)\n"),
            std::string::npos);
}

// ---- JSON ----

json schema() {
  std::ifstream in(std::string(HEAPSTORE_SCHEMA_DIR) + "/comparison.schema.json");
  return json::parse(in);
}

bool has_type(const json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "null") return value.is_null();
  ADD_FAILURE() << "the schema uses type " << type;
  return false;
}

// The keywords comparison.schema.json uses: $ref (to $defs), type (one or a list), const, enum,
// required, properties, additionalProperties: false, items, minimum.
void validate(const json& value, const json& rule, const json& root, const std::string& path) {
  if (rule.contains("$ref")) {
    const std::string ref = rule["$ref"];
    ASSERT_EQ(ref.rfind("#/$defs/", 0), 0u) << ref;
    return validate(value, root["$defs"][ref.substr(8)], root, path);
  }
  if (rule.contains("type")) {
    const json types = rule["type"].is_array() ? rule["type"] : json::array({rule["type"]});
    bool any = false;
    for (const json& type : types) any |= has_type(value, type);
    EXPECT_TRUE(any) << path << " is " << value.dump() << ", not " << types.dump();
  }
  if (rule.contains("const")) {
    EXPECT_EQ(value, rule["const"]) << path;
  }
  if (rule.contains("enum")) {
    EXPECT_NE(std::find(rule["enum"].begin(), rule["enum"].end(), value), rule["enum"].end())
        << path << " is " << value.dump();
  }
  if (rule.contains("minimum") && value.is_number()) {
    EXPECT_GE(value.get<double>(), rule["minimum"].get<double>()) << path;
  }
  if (value.is_object()) {
    for (const json& key : rule.value("required", json::array())) {
      EXPECT_TRUE(value.contains(key)) << path << " lacks " << key;
    }
    const json properties = rule.value("properties", json::object());
    for (const auto& [key, item] : value.items()) {
      if (properties.contains(key)) {
        validate(item, properties[key], root, path + "." + key);
      } else {
        EXPECT_NE(rule.value("additionalProperties", true), false) << path << " has " << key;
      }
    }
  }
  if (value.is_array() && rule.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      validate(value[i], rule["items"], root, path + "[" + std::to_string(i) + "]");
    }
  }
}

TEST(Json, EveryRowHasItsFieldsTyped) {
  const Report baseline = make_report(kQuiet, {"heapstore", "sqlite"});
  const json document = to_json(compare(baseline, read_slower(baseline), {}));
  EXPECT_EQ(document["schema"], "heapstore-comparison/1");
  EXPECT_EQ(document["mode"], "repetitions");
  EXPECT_EQ(document["overall"], "fail");
  EXPECT_EQ(document["exit_code"], 1);
  ASSERT_EQ(document["metrics"].size(), 16u);
  const json& first = document["metrics"][0];
  EXPECT_EQ(first["verdict"], "fail");
  EXPECT_EQ(first["phase"], "read");
  for (const char* key : {"engine", "phase", "metric", "direction", "unit", "verdict", "note"}) {
    EXPECT_TRUE(first[key].is_string()) << key;
  }
  for (const char* key : {"gated", "deterministic"}) EXPECT_TRUE(first[key].is_boolean()) << key;
  for (const char* key : {"baseline", "candidate", "change", "change_low", "change_high"}) {
    EXPECT_TRUE(first[key].is_number()) << key;
  }
  EXPECT_TRUE(document["warnings"].is_array());
  EXPECT_EQ(document["warnings"][0],
            "baseline ran on Xeon X, candidate on EPYC Y: ratios mix "
            "machine and code");
}

TEST(Json, MatchesTheSchema) {
  const json rules = schema();
  EXPECT_EQ(rules["$schema"], "https://json-schema.org/draft/2020-12/schema");
  const Report baseline = make_report();
  Report candidate = read_slower(baseline);
  for (Repetition& repetition : candidate.engines[0].repetitions) {
    repetition.phases[0].metrics.erase("mb_per_sec");  // a row of nulls
  }
  candidate.workload["phases"][0]["gate"] = false;
  const json document = to_json(compare(baseline, candidate, {}));
  validate(document, rules, rules, "comparison");
  // Every field the schema describes is written, so the two cannot drift apart.
  for (const auto& [key, rule] : rules["properties"].items()) {
    EXPECT_TRUE(document.contains(key)) << key;
  }
  for (const auto& [key, rule] : rules["$defs"]["metric"]["properties"].items()) {
    EXPECT_TRUE(document["metrics"][0].contains(key)) << key;
  }
  json broken = document;
  broken["metrics"][0]["gated"] = "yes";
  EXPECT_NONFATAL_FAILURE(validate(broken, rules, rules, "comparison"), "gated");
}

TEST(Json, NotFiniteValuesAreNull) {
  MetricComparison m;
  m.engine = "e";
  m.metric = "ops_per_sec";
  m.baseline_median = std::numeric_limits<double>::quiet_NaN();
  m.candidate_median = std::numeric_limits<double>::infinity();
  m.change = -std::numeric_limits<double>::infinity();
  m.change_low = 0.5;
  Comparison comparison;
  comparison.metrics.push_back(m);
  const json document = to_json(comparison);
  const json& row = document["metrics"][0];
  EXPECT_TRUE(row["baseline"].is_null());
  EXPECT_TRUE(row["candidate"].is_null());
  EXPECT_TRUE(row["change"].is_null());
  EXPECT_EQ(row["change_low"], 0.5);
  EXPECT_NO_THROW(json::parse(document.dump()));
}

}  // namespace
}  // namespace heapstore::report
