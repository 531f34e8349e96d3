// The export formats against their documented shapes (required keys, types, units): Google
// Benchmark JSON, Bencher Metric Format, github-action-benchmark's custom JSON; with 1 and 3
// repetitions, a counted report, a phase without latencies, odd names, and the registry.
#include "export.h"

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <limits>
#include <set>

namespace heapstore::report {
namespace {

using nlohmann::json;

PhaseResult timed_phase(const std::string& name, const std::string& op, double scale) {
  PhaseResult phase{name, op, {{"operations", 1000}, {"seconds", 0.002 * scale}}};
  phase.metrics["ops_per_sec"] = 1000 / (0.002 * scale);
  phase.metrics["mb_per_sec"] = 45.5 / scale;
  phase.metrics["engine.page_reads"] = 12;
  for (const std::string& timed :
       op == "mix" ? std::vector<std::string>{"get", "insert"} : std::vector<std::string>{op}) {
    phase.metrics["latency." + timed + ".p50_ns"] = 850 * scale;
    phase.metrics["latency." + timed + ".p90_ns"] = 2000 * scale;
    phase.metrics["latency." + timed + ".p99_ns"] = 4000 * scale;
  }
  return phase;
}

PhaseResult counted_phase(const std::string& name, const std::string& op) {
  PhaseResult phase{name, op, {{"operations", 1000}, {"instructions", 2.5e6}}};
  phase.metrics["estimated_cycles"] = 4e6;
  phase.metrics["instructions." + op + ".per_op"] = 2400;
  phase.metrics["estimated_cycles." + op + ".per_op"] = 3900;
  return phase;
}

using MakePhases = std::function<std::vector<PhaseResult>(double scale)>;

// heapstore and sqlite (journal_mode=wal), `repetitions` of the phases `make` gives; scale 1,
// 1.1, 1.2, ... by repetition.
Report make_report(std::uint32_t repetitions, const MakePhases& make) {
  Report report;
  report.context.tool_version = "0.1.0";
  report.context.git_commit = "abc123";
  report.context.build_type = "RelWithDebInfo";
  report.context.cores = 8;
  report.context.time = "2024-01-01T00:00:00Z";
  report.context.command_line = "./heapstore run mixed.yaml";
  report.workload = {{"name", "mixed"}, {"phases", {{{"name", "read"}, {"threads", 4}}}}};
  report.workload_hash = "0123456789abcdef";
  report.seed = 18446744073709551615ull;
  report.repetitions = repetitions;
  for (std::string name : {"heapstore", "sqlite"}) {
    EngineResult engine{name, {}, {}, {}};
    if (name == "sqlite") engine.settings = {{"journal_mode", "wal"}, {"synchronous", "normal"}};
    for (std::uint32_t i = 0; i < repetitions; ++i)
      engine.repetitions.push_back({i, make(1 + i / 10.0)});
    aggregate(engine);
    report.engines.push_back(std::move(engine));
  }
  return report;
}

Report timed_report(std::uint32_t repetitions) {
  return make_report(repetitions, [](double scale) {
    return std::vector{timed_phase("load", "insert", scale), timed_phase("read", "get", scale),
                       timed_phase("mixed", "mix", scale)};
  });
}

Report counted_report() {
  return make_report(1, [](double) { return std::vector{counted_phase("load", "insert")}; });
}

json parsed(const std::string& text) {
  EXPECT_TRUE(text.ends_with("\n"));
  return json::parse(text);
}

// (Copies: operator[] of a missing key fails the test, not an assertion.)
// The keys and types every benchmark entry of Google Benchmark's JSON has (json_reporter.cc).
void expect_gbench_entry(json entry) {
  for (const char* key : {"name", "run_name", "run_type", "time_unit"}) {
    EXPECT_TRUE(entry[key].is_string()) << key << " in " << entry;
  }
  for (const char* key :
       {"family_index", "per_family_instance_index", "repetitions", "threads", "iterations"}) {
    EXPECT_TRUE(entry[key].is_number_integer()) << key << " in " << entry;
  }
  EXPECT_TRUE(entry["real_time"].is_number()) << entry;
  EXPECT_TRUE(entry["cpu_time"].is_number()) << entry;
  EXPECT_EQ(entry["time_unit"], "ns");
  const bool aggregate = entry["run_type"] == "aggregate";
  EXPECT_TRUE(aggregate || entry["run_type"] == "iteration") << entry;
  EXPECT_EQ(entry.contains("repetition_index"), !aggregate) << entry;
  EXPECT_EQ(entry.contains("aggregate_name"), aggregate) << entry;
  for (auto& [key, value] : entry.items()) {
    EXPECT_TRUE(value.is_number() || value.is_string()) << key << " in " << entry;
  }
}

TEST(ExportRegistry, ListsEveryFormatOnceWithItsDescription) {
  const std::vector<std::string_view> expected = {
      "gbench", "bmf", "csv", "github-action-benchmark-bigger", "github-action-benchmark-smaller"};
  EXPECT_EQ(export_formats(), expected);
  for (const ExportFormat& format : export_format_table()) {
    EXPECT_FALSE(format.description.empty()) << format.name;
    EXPECT_EQ(export_report(timed_report(1), format.name), format.write(timed_report(1)));
  }
}

TEST(ExportRegistry, AnUnknownFormatNamesTheKnownOnes) {
  try {
    export_report(timed_report(1), "xml");
    FAIL() << "accepted xml";
  } catch (const ReportError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("'xml'"), std::string::npos) << message;
    for (std::string_view name : export_formats()) {
      EXPECT_NE(message.find(name), std::string::npos) << message;
    }
  }
}

// Bencher's slugs: lowercase words of [a-z0-9] joined by single '-'. (No std::regex: GCC 12
// warns falsely inside it at -O1 with sanitizers.)
bool is_slug(std::string_view text) {
  if (text.empty() || text.front() == '-' || text.back() == '-') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!word && !(c == '-' && text[i - 1] != '-')) return false;
  }
  return true;
}

// github-action-benchmark's extractRangeInfo: "+-" or "±", spaces, then a number. Returns the
// number, or -1 when `text` is not such a range.
double range_of(const std::string& text) {
  std::size_t at = 0;
  if (text.rfind("+-", 0) == 0)
    at = 2;
  else if (text.rfind("±", 0) == 0)
    at = std::string("±").size();
  else
    return -1;
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
  if (at == text.size() || !std::isdigit(static_cast<unsigned char>(text[at]))) return -1;
  return std::stod(text.substr(at));
}

TEST(ExportRegistry, MeasuresAgreeWithTheReportsDirectionsAndBencherSlugs) {
  EXPECT_FALSE(is_slug("Bad_Slug"));
  EXPECT_FALSE(is_slug("a--b"));
  std::set<std::string_view> slugs;
  for (const Measure& measure : export_measures()) {
    EXPECT_TRUE(is_slug(measure.slug)) << measure.slug;
    EXPECT_LE(measure.slug.size(), 64u);
    EXPECT_TRUE(slugs.insert(measure.slug).second) << measure.slug;
    EXPECT_NE(measure.direction, Direction::kInformational);
    std::string metric(measure.metric);
    if (const auto at = metric.find("<op>"); at != std::string::npos) metric.replace(at, 4, "get");
    EXPECT_EQ(match_measure(measure, metric), metric == measure.metric ? "" : "get") << metric;
    // direction_of() may not know every metric yet; where it does, it agrees.
    const Direction known = direction_of(metric);
    if (known != Direction::kInformational) {
      EXPECT_EQ(known, measure.direction) << metric;
    }
  }
  const Measure& latency = export_measures()[3];
  ASSERT_EQ(latency.metric, "latency.<op>.p50_ns");
  EXPECT_EQ(match_measure(latency, "latency..p50_ns"), std::nullopt);
  EXPECT_EQ(match_measure(latency, "latency.a.b.p50_ns"), std::nullopt);
  EXPECT_EQ(match_measure(latency, "latency.get.p99_ns"), std::nullopt);
}

TEST(Gbench, ContextHasGoogleBenchmarksFieldsAndTheReportsAsCustomContext) {
  json context = parsed(export_gbench(timed_report(3)))["context"];
  EXPECT_EQ(context["date"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(context["executable"], "./heapstore");
  EXPECT_EQ(context["num_cpus"], 8);
  EXPECT_TRUE(context["host_name"].is_string() && context["mhz_per_cpu"].is_number());
  EXPECT_TRUE(context["cpu_scaling_enabled"].is_boolean());
  EXPECT_TRUE(context["caches"].is_array() && context["load_avg"].is_array());
  EXPECT_EQ(context["library_build_type"], "release");  // RelWithDebInfo defines NDEBUG
  EXPECT_TRUE(context["tool_version"] == "0.1.0" && context["git_commit"] == "abc123") << context;
  EXPECT_EQ(context["workload"], "mixed");
  EXPECT_EQ(context["workload_hash"], "0123456789abcdef");
  EXPECT_EQ(context["seed"], "18446744073709551615");
  Report debug = timed_report(1);
  debug.context.build_type = "";
  EXPECT_EQ(parsed(export_gbench(debug))["context"]["library_build_type"], "debug");
}

TEST(Gbench, ThreeRepetitionsGiveThreeIterationsThenMedianAndCvPerEnginePhase) {
  const Report report = timed_report(3);
  json benchmarks = parsed(export_gbench(report))["benchmarks"];
  ASSERT_EQ(benchmarks.size(), 2u * 3u * (3u + 2u));
  for (json& entry : benchmarks) expect_gbench_entry(entry);
  // The first family: heapstore's load, 3 iterations, then its median and cv.
  for (std::uint32_t i = 0; i < 3; ++i) {
    json& entry = benchmarks[i];
    const Metrics& metrics = report.engines[0].repetitions[i].phases[0].metrics;
    EXPECT_EQ(entry["name"], "mixed/heapstore/load");
    EXPECT_EQ(entry["family_index"], 0);
    EXPECT_EQ(entry["repetitions"], 3);
    EXPECT_EQ(entry["repetition_index"], i);
    EXPECT_EQ(entry["threads"], 1);
    EXPECT_EQ(entry["iterations"], 1000);
    const double per_operation = metrics.at("seconds") * 1e9 / 1000;
    EXPECT_DOUBLE_EQ(entry["real_time"].get<double>(), per_operation);
    EXPECT_DOUBLE_EQ(entry["cpu_time"].get<double>(), per_operation);
    EXPECT_DOUBLE_EQ(entry["items_per_second"].get<double>(), metrics.at("ops_per_sec"));
    EXPECT_DOUBLE_EQ(entry["bytes_per_second"].get<double>(), metrics.at("mb_per_sec") * 1e6);
    EXPECT_EQ(entry["latency.insert.p50_ns"], metrics.at("latency.insert.p50_ns"));
    EXPECT_EQ(entry["engine.page_reads"], 12);
    for (const char* gone : {"ops_per_sec", "mb_per_sec", "operations", "label"}) {
      EXPECT_FALSE(entry.contains(gone)) << gone;
    }
  }
  json& median = benchmarks[3];
  EXPECT_EQ(median["name"], "mixed/heapstore/load_median");
  EXPECT_EQ(median["run_name"], "mixed/heapstore/load");
  EXPECT_EQ(median["aggregate_name"], "median");
  EXPECT_EQ(median["aggregate_unit"], "time");
  EXPECT_EQ(median["iterations"], 3);
  EXPECT_DOUBLE_EQ(median["real_time"].get<double>(), benchmarks[1]["real_time"].get<double>());
  json& cv = benchmarks[4];
  EXPECT_EQ(cv["name"], "mixed/heapstore/load_cv");
  EXPECT_EQ(cv["aggregate_unit"], "percentage");
  EXPECT_NEAR(cv["real_time"].get<double>(),
              report.engines[0].aggregates.at("load").at("seconds").cv, 1e-12);
  EXPECT_EQ(benchmarks[5]["family_index"], 1);
  EXPECT_EQ(benchmarks[5]["name"], "mixed/heapstore/read");
  EXPECT_EQ(benchmarks[5]["threads"], 4);  // from the workload's phase
}

TEST(Gbench, ACountedPhaseHasZeroTimesALabelAndItsCountsAsCounters) {
  json entries = parsed(export_gbench(counted_report()))["benchmarks"];
  ASSERT_EQ(entries.size(), 2u);  // one repetition of one phase, of two engines
  for (json& entry : entries) {
    expect_gbench_entry(entry);
    EXPECT_EQ(entry["real_time"], 0);
    EXPECT_EQ(entry["cpu_time"], 0);
    EXPECT_EQ(entry["time_unit"], "ns");
    EXPECT_EQ(entry["iterations"], 1000);
    EXPECT_EQ(entry["instructions"], 2.5e6);
    EXPECT_EQ(entry["estimated_cycles"], 4e6);
    EXPECT_EQ(entry["instructions.insert.per_op"], 2400);
    EXPECT_NE(entry["label"].get<std::string>().find("counted"), std::string::npos);
    EXPECT_FALSE(entry.contains("items_per_second"));
  }
}

TEST(Bmf, EveryMeasureIsAValueWithTheRepetitionsBoundsOnBencherBuiltIns) {
  const Report report = timed_report(3);
  json bmf = parsed(export_bmf(report));
  ASSERT_TRUE(bmf.is_object());
  for (auto& [benchmark, measures] : bmf.items()) {
    ASSERT_TRUE(measures.is_object() && !measures.empty()) << benchmark;
    for (auto& [slug, metric] : measures.items()) {
      ASSERT_TRUE(metric["value"].is_number() && metric["lower_value"].is_number() &&
                  metric["upper_value"].is_number())
          << benchmark << " " << slug;
      EXPECT_LE(metric["lower_value"].get<double>(), metric["value"].get<double>());
      EXPECT_LE(metric["value"].get<double>(), metric["upper_value"].get<double>());
    }
  }
  const auto& load = report.engines[1].aggregates.at("load");
  json& phase = bmf["mixed/sqlite/load"];
  EXPECT_EQ(phase["throughput"]["value"], load.at("ops_per_sec").median);
  EXPECT_EQ(phase["throughput"]["lower_value"], load.at("ops_per_sec").min);
  EXPECT_EQ(phase["throughput"]["upper_value"], load.at("ops_per_sec").max);
  EXPECT_EQ(phase["megabytes-per-second"]["value"], load.at("mb_per_sec").median);
  EXPECT_EQ(phase.size(), 2u);
  json& insert = bmf["mixed/sqlite/load/insert"];
  EXPECT_EQ(insert["latency"]["value"], load.at("latency.insert.p50_ns").median);
  EXPECT_EQ(insert["latency-p99"]["value"], load.at("latency.insert.p99_ns").median);
  EXPECT_EQ(insert.size(), 2u);  // p90 is informational
  EXPECT_TRUE(bmf.contains("mixed/heapstore/mixed/get"));
  EXPECT_TRUE(bmf.contains("mixed/heapstore/mixed/insert"));
  EXPECT_EQ(bmf.size(), 2u * (3u + 4u));  // per engine: 3 phases, 4 operations' latencies
}

TEST(Bmf, ACountedReportHasInstructionsAndCyclesNotThroughputOrLatency) {
  json bmf = parsed(export_bmf(counted_report()));
  EXPECT_EQ(bmf["mixed/heapstore/load"],
            json({{"instructions", {{"value", 2.5e6}}}, {"estimated-cycles", {{"value", 4e6}}}}));
  EXPECT_EQ(bmf["mixed/heapstore/load/insert"],
            json({{"instructions-per-op", {{"value", 2400}}},
                  {"estimated-cycles-per-op", {{"value", 3900}}}}));
  EXPECT_EQ(bmf.size(), 4u);
}

// The keys and types of github-action-benchmark's custom JSON; returns the units seen.
std::set<std::string> expect_custom_entries(json entries, bool ranges) {
  std::set<std::string> units, names;
  EXPECT_TRUE(entries.is_array());
  for (json& entry : entries) {
    EXPECT_TRUE(entry["name"].is_string() && entry["unit"].is_string()) << entry;
    EXPECT_TRUE(entry["value"].is_number()) << entry;
    EXPECT_TRUE(entry["extra"].is_string()) << entry;
    EXPECT_TRUE(names.insert(entry["name"].get<std::string>()).second) << entry["name"];
    EXPECT_EQ(entry.contains("range"), ranges) << entry;
    if (ranges) {  // what the action's extractRangeInfo reads
      const std::string text = entry["range"].get<std::string>();
      EXPECT_GE(range_of(text), 0) << text;
    }
    units.insert(entry["unit"].get<std::string>());
  }
  return units;
}

TEST(GithubActionBenchmark, BiggerAndSmallerSplitTheMeasuresByDirection) {
  const Report report = timed_report(3);
  json bigger = parsed(export_github_action_benchmark_bigger(report));
  json smaller = parsed(export_github_action_benchmark_smaller(report));
  EXPECT_EQ(expect_custom_entries(bigger, true), (std::set<std::string>{"ops/s", "MB/s"}));
  EXPECT_EQ(expect_custom_entries(smaller, true), (std::set<std::string>{"ns"}));
  EXPECT_EQ(bigger.size(), 2u * 3u * 2u);
  EXPECT_EQ(smaller.size(), 2u * 4u * 2u);
  json& throughput = bigger[6];
  EXPECT_EQ(throughput["name"], "mixed/sqlite/load - throughput");
  const Aggregate& ops = report.engines[1].aggregates.at("load").at("ops_per_sec");
  EXPECT_EQ(throughput["value"], ops.median);
  const double spread = std::stod(throughput["range"].get<std::string>().substr(3));
  EXPECT_GE(spread * 1.001, ops.median - ops.min);  // every repetition within the range
  EXPECT_GE(spread * 1.001, ops.max - ops.median);
  const std::string extra = throughput["extra"];
  EXPECT_NE(extra.find("repetitions: 3\ncv: "), std::string::npos) << extra;
  EXPECT_NE(extra.find("sqlite settings: journal_mode=wal, synchronous=normal"), std::string::npos);
  EXPECT_EQ(smaller[0]["name"], "mixed/heapstore/load/insert - p50 latency");
  EXPECT_EQ(smaller[0]["unit"], "ns");
}

TEST(GithubActionBenchmark, ACountedReportIsAllSmallerIsBetter) {
  EXPECT_EQ(export_github_action_benchmark_bigger(counted_report()), "[]\n");
  json smaller = parsed(export_github_action_benchmark_smaller(counted_report()));
  EXPECT_EQ(expect_custom_entries(smaller, false),
            (std::set<std::string>{"instructions", "cycles", "instructions/op", "cycles/op"}));
  EXPECT_EQ(smaller[0]["name"], "mixed/heapstore/load - instructions");
  EXPECT_EQ(smaller[2]["name"], "mixed/heapstore/load/insert - instructions per op");
}

TEST(Export, OneRepetitionShowsNoSpread) {
  const Report report = timed_report(1);
  json benchmarks = parsed(export_gbench(report))["benchmarks"];
  ASSERT_EQ(benchmarks.size(), 2u * 3u);  // no aggregates
  for (json& entry : benchmarks) {
    expect_gbench_entry(entry);
    EXPECT_TRUE(entry["repetitions"] == 1 && entry["repetition_index"] == 0) << entry;
  }
  json bmf = parsed(export_bmf(report));
  for (auto& [benchmark, measures] : bmf.items()) {
    for (auto& [slug, metric] : measures.items()) {
      EXPECT_TRUE(metric.size() == 1 && metric["value"].is_number()) << benchmark << " " << slug;
    }
  }
  expect_custom_entries(parsed(export_github_action_benchmark_bigger(report)), false);
  expect_custom_entries(parsed(export_github_action_benchmark_smaller(report)), false);
}

TEST(Export, APhaseWithoutLatencyHasOnlyItsPhaseWideMeasures) {
  const Report report = make_report(2, [](double scale) {
    PhaseResult phase = timed_phase("load", "insert", scale);
    std::erase_if(phase.metrics,
                  [](const auto& item) { return item.first.starts_with("latency."); });
    return std::vector{phase};
  });
  json benchmarks = parsed(export_gbench(report))["benchmarks"];
  for (json& entry : benchmarks) {
    expect_gbench_entry(entry);
    for (auto& [key, value] : entry.items()) EXPECT_FALSE(key.starts_with("latency.")) << key;
  }
  json bmf = parsed(export_bmf(report));
  EXPECT_EQ(bmf.size(), 2u);
  EXPECT_TRUE(bmf["mixed/heapstore/load"].contains("throughput"));
  EXPECT_EQ(export_github_action_benchmark_smaller(report), "[]\n");
  EXPECT_EQ(parsed(export_github_action_benchmark_bigger(report)).size(), 4u);
}

TEST(Export, OddNamesAreKeptAsTheyAreInEveryFormat) {
  Report report = timed_report(2);
  report.workload["name"] = "w \"q\" \\ {x}";
  report.engines[0].name = "e\t\xc3\xb6";
  for (Repetition& repetition : report.engines[0].repetitions) {
    repetition.phases[0].name = "p/1 \n \xe2\x9c\x93";
  }
  const std::string name = "w \"q\" \\ {x}/e\t\xc3\xb6/p/1 \n \xe2\x9c\x93";
  EXPECT_EQ(parsed(export_gbench(report))["benchmarks"][0]["name"], name);
  EXPECT_TRUE(parsed(export_bmf(report)).contains(name));
  EXPECT_EQ(parsed(export_github_action_benchmark_bigger(report))[0]["name"],
            name + " - throughput");
  // Invalid UTF-8 cannot be JSON: the bytes become U+FFFD, and the file still parses.
  report.engines[0].name = "bad\xff";
  for (const ExportFormat& format : export_format_table()) {
    if (format.name == "csv") continue;  // bytes as they are: CSV has no encoding of its own
    const std::string text = format.write(report);
    EXPECT_NE(text.find("bad\xef\xbf\xbd"), std::string::npos) << format.name;
    EXPECT_NO_THROW(parsed(text)) << format.name;
  }
}

TEST(Export, NonFiniteNumbersAreLeftOutAndAnEmptyReportIsEmpty) {
  Report report = timed_report(1);
  report.engines[0].repetitions[0].phases[0].metrics["ops_per_sec"] =
      std::numeric_limits<double>::infinity();
  for (const ExportFormat& format : export_format_table()) {
    if (format.name == "csv") continue;  // writes every number as it is, inf included
    EXPECT_EQ(format.write(report).find("null"), std::string::npos) << format.name;
  }
  EXPECT_FALSE(parsed(export_gbench(report))["benchmarks"][0].contains("items_per_second"));
  EXPECT_FALSE(parsed(export_bmf(report))["mixed/heapstore/load"].contains("throughput"));
  report.engines.clear();
  EXPECT_EQ(parsed(export_gbench(report))["benchmarks"], json::array());
  EXPECT_EQ(export_bmf(report), "{}\n");
  EXPECT_EQ(export_github_action_benchmark_bigger(report), "[]\n");
  EXPECT_EQ(export_github_action_benchmark_smaller(report), "[]\n");
}

// One row per value: metrics with an empty `at`, series points at their interval's end,
// histogram buckets at their upper edge; names with commas or quotes are quoted.
TEST(Export, CsvHasARowPerValueAndQuotesWhatNeedsIt) {
  Report report = timed_report(1);
  PhaseResult& phase = report.engines[0].repetitions[0].phases[0];
  phase.series = {{1.0, 5000, 100, 900}};
  phase.histograms["insert"].buckets = {{25.5, 7}, {51, 3}};
  report.engines[0].name = "heap,\"store\"";
  report.engines[0].engine = "heapstore";
  const std::string csv = export_csv(report);
  EXPECT_EQ(csv.rfind("workload,engine,engine_kind,repetition,phase,op,metric,at,value\n", 0), 0u);
  const std::string head = "mixed,\"heap,\"\"store\"\"\",heapstore,0,load,insert,";
  EXPECT_NE(csv.find(head + "series.ops_per_sec,1,5000\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(head + "series.p99_ns,1,900\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(head + "histogram.insert,25.5,7\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(head + "ops_per_sec,,"), std::string::npos) << csv;
  EXPECT_TRUE(csv.ends_with("\n"));
}

}  // namespace
}  // namespace heapstore::report
