// The runner against heapstore, SQLite and recording or lying fakes: reports carry every metric,
// one seed gives one operation sequence, wrong results void the run, engines take turns, and a
// random sample of operations is timed.
#include "runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>

namespace heapstore::workload {
namespace {

const char* kSpec = R"(
schema: heapstore-workload/1
name: runner-test
seed: 7
repetitions: 2
containers: 2
phases:
  - {name: load, op: insert, count: 3000, value_size: {dist: uniform, min: 10, max: 300}}
  - {name: batch, op: insert, count: 1000, batch: 100}
  - {name: grow, op: update, count: 500, select: {dist: zipfian, theta: 0.9}, growth: {bytes: 64, max: 1500}}
  - {name: trim, op: delete, count: 400, select: reverse}
  - {name: read, op: get, count: 1000, select: uniform}
  - {name: full, op: scan, count: 2}
  - {name: ycsb, op: mix, count: 2000, threads: 2, mix: {get: 0.5, update: 0.3, insert: 0.1, delete: 0.1}}
)";

class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("runner-test-" + std::to_string(::getpid()))) {}
  ~RunnerTest() override { std::filesystem::remove_all(dir_); }

  RunOptions options(std::vector<std::string> engines) {
    RunOptions o;
    o.engines = std::move(engines);
    o.data_dir = dir_.string();
    o.latency_sample_every = 1;  // exact latency counts; the sampled default has its own test
    return o;
  }

  std::filesystem::path dir_;
  Progress quiet_{stderr, false, true};
};

// Records every call, delegating to a real heapstore; can be told to lie on gets or scans.
class RecordingEngine : public EngineAdapter {
 public:
  RecordingEngine(std::unique_ptr<EngineAdapter> real, std::vector<std::string>* log, int lie)
      : real_(std::move(real)), log_(log), lie_(lie) {}
  std::string name() const override { return real_->name(); }
  std::map<std::string, std::string> settings() const override { return real_->settings(); }
  report::Guarantees guarantees() const override { return real_->guarantees(); }
  void create_container(std::uint32_t c) override { real_->create_container(c); }
  Handle insert(std::uint32_t c, std::string_view v) override {
    note("insert", c, v.size());
    return real_->insert(c, v);
  }
  void insert_batch(std::uint32_t c, std::span<const std::string_view> vs,
                    std::vector<Handle>& out) override {
    note("insert_batch", c, vs.size());
    real_->insert_batch(c, vs, out);
  }
  bool get(std::uint32_t c, Handle h, std::string& out) override {
    note("get", c, h);
    bool found = real_->get(c, h, out);
    if (lie_ == 1 && !out.empty()) out[0] ^= 1;  // one flipped bit
    return found;
  }
  Handle update(std::uint32_t c, Handle h, std::string_view v) override {
    note("update", c, v.size());
    return real_->update(c, h, v);
  }
  void remove(std::uint32_t c, Handle h) override {
    note("delete", c, h);
    real_->remove(c, h);
  }
  ScanTotals scan(std::uint32_t c) override {
    ScanTotals t = real_->scan(c);
    if (lie_ == 2) t.values -= 1;  // one value lost
    return t;
  }
  void end_phase() override { real_->end_phase(); }
  EngineCounters counters() override { return real_->counters(); }

 private:
  void note(const char* op, std::uint32_t c, std::uint64_t n) {
    if (log_) log_->push_back(std::string(op) + " " + std::to_string(c) + " " + std::to_string(n));
  }
  std::unique_ptr<EngineAdapter> real_;
  std::vector<std::string>* log_;
  int lie_;
};

// Keeps every value written (inserted, batch-inserted or updated), from any thread.
class KeepingEngine : public RecordingEngine {
 public:
  KeepingEngine(std::unique_ptr<EngineAdapter> real, std::vector<std::string>* written)
      : RecordingEngine(std::move(real), nullptr, 0), written_(written) {}
  Handle insert(std::uint32_t c, std::string_view v) override {
    keep(v);
    return RecordingEngine::insert(c, v);
  }
  void insert_batch(std::uint32_t c, std::span<const std::string_view> vs,
                    std::vector<Handle>& out) override {
    for (std::string_view v : vs) keep(v);
    RecordingEngine::insert_batch(c, vs, out);
  }
  Handle update(std::uint32_t c, Handle h, std::string_view v) override {
    keep(v);
    return RecordingEngine::update(c, h, v);
  }

 private:
  void keep(std::string_view v) {
    std::lock_guard lock(mutex_);
    written_->emplace_back(v);
  }
  std::mutex mutex_;
  std::vector<std::string>* written_;
};

std::vector<std::string> recorded(const Spec& spec, RunOptions options, Progress& progress) {
  std::vector<std::string> log;
  options.open_engine = [&](std::string_view name, const std::string& dir, const EngineConfig& c) {
    return std::make_unique<RecordingEngine>(make_engine(name, dir, c), &log, 0);
  };
  run_workload(spec, options, progress);
  return log;
}

TEST_F(RunnerTest, ReportHasEveryEnginePhaseAndMetric) {
  Spec spec = parse_spec(kSpec, "runner-test.yaml");
  report::Report r = run_workload(spec, options({"heapstore", "sqlite"}), quiet_);
  ASSERT_EQ(r.engines.size(), 2u);
  EXPECT_EQ(r.workload_hash, spec_hash(spec));
  EXPECT_EQ(r.seed, 7u);
  for (const auto& engine : r.engines) {
    ASSERT_EQ(engine.repetitions.size(), 2u);
    const auto& phases = engine.repetitions[0].phases;
    ASSERT_EQ(phases.size(), spec.phases.size());
    EXPECT_EQ(phases[0].metrics.at("operations"), 3000);
    EXPECT_EQ(phases[1].metrics.at("latency.insert_batch.count"), 10);
    EXPECT_EQ(phases[3].metrics.at("latency.delete.count"), 400);
    EXPECT_GT(phases[0].metrics.at("ops_per_sec"), 0);
    EXPECT_GT(phases[0].metrics.at("latency.insert.p99_ns"), 0);
    EXPECT_GE(phases[0].metrics.at("latency.insert.p99_ns"),
              phases[0].metrics.at("latency.insert.p50_ns"));
    EXPECT_GT(phases[0].metrics.at("engine.bytes_on_disk"), 0);
    EXPECT_EQ(phases[5].metrics.at("latency.scan.count"), 4);  // 2 scans x 2 containers
    EXPECT_TRUE(engine.aggregates.at("load").contains("ops_per_sec"));
  }
  EXPECT_EQ(r.engines[1].settings.at("journal_mode"), "WAL");
}

// Handles depend on how threads interleave, so the sequence is compared with one thread.
TEST_F(RunnerTest, SameSeedGivesTheSameOperationSequence) {
  std::vector<std::string> one_thread = {"repetitions=1", "phases.ycsb.threads=1"};
  Spec spec = parse_spec(kSpec, "runner-test.yaml", one_thread);
  auto first = recorded(spec, options({"heapstore"}), quiet_);
  auto second = recorded(spec, options({"heapstore"}), quiet_);
  EXPECT_GT(first.size(), 7000u);
  EXPECT_EQ(first, second);
  one_thread.push_back("seed=8");
  auto third =
      recorded(parse_spec(kSpec, "runner-test.yaml", one_thread), options({"heapstore"}), quiet_);
  EXPECT_NE(first, third);
}

// Ids come from one sequence per repetition, shared out among phases and threads, so no two
// values written are alike: a get answered with another value's bytes cannot pass.
TEST_F(RunnerTest, EveryValueWrittenIsDistinctAcrossPhasesAndThreads) {
  Spec spec = parse_spec(kSpec, "runner-test.yaml", {"repetitions=1", "phases.ycsb.threads=4"});
  RunOptions o = options({"heapstore"});
  std::vector<std::string> written;
  o.open_engine = [&](std::string_view name, const std::string& dir, const EngineConfig& c) {
    return std::make_unique<KeepingEngine>(make_engine(name, dir, c), &written);
  };
  run_workload(spec, o, quiet_);
  EXPECT_GT(written.size(), 4500u);
  std::sort(written.begin(), written.end());
  EXPECT_EQ(std::adjacent_find(written.begin(), written.end()), written.end());
}

TEST_F(RunnerTest, WrongBytesFromAGetVoidTheRun) {
  Spec spec = parse_spec(kSpec, "runner-test.yaml", {"repetitions=1"});
  RunOptions o = options({"heapstore"});
  o.verify_every = 1;
  o.open_engine = [](std::string_view name, const std::string& dir, const EngineConfig& c) {
    return std::make_unique<RecordingEngine>(make_engine(name, dir, c), nullptr, 1);
  };
  EXPECT_THROW(run_workload(spec, o, quiet_), CorrectnessError);
}

TEST_F(RunnerTest, AScanMissingAValueVoidsTheRun) {
  Spec spec = parse_spec(kSpec, "runner-test.yaml", {"repetitions=1"});
  RunOptions o = options({"heapstore"});
  o.open_engine = [](std::string_view name, const std::string& dir, const EngineConfig& c) {
    return std::make_unique<RecordingEngine>(make_engine(name, dir, c), nullptr, 2);
  };
  try {
    run_workload(spec, o, quiet_);
    FAIL() << "a lying scan was accepted";
  } catch (const CorrectnessError& e) {
    EXPECT_NE(std::string(e.what()).find("scan of container"), std::string::npos) << e.what();
  }
}

TEST_F(RunnerTest, DurationPhasesStopOnTime) {
  Spec spec = parse_spec(R"(
schema: heapstore-workload/1
name: timed
phases:
  - {name: load, op: insert, count: 100}
  - {name: read, op: get, duration: 200ms}
  - {name: more, op: insert, duration: 100ms, batch: 100}
)",
                         "timed.yaml");
  report::Report r = run_workload(spec, options({"heapstore"}), quiet_);
  double seconds = r.engines[0].repetitions[0].phases[1].metrics.at("seconds");
  EXPECT_GE(seconds, 0.15);
  EXPECT_LT(seconds, 2.0);
  EXPECT_GT(r.engines[0].repetitions[0].phases[1].metrics.at("operations"), 100);
}

// Round r starts with engine r mod n, so no engine always runs first (or last).
TEST_F(RunnerTest, EnginesTakeTurnsRoundByRound) {
  Spec spec = parse_spec(kSpec, "runner-test.yaml", {"repetitions=3"});
  RunOptions o = options({"heapstore", "sqlite", "heapstore@second"});
  std::vector<std::string> opened;
  o.open_engine = [&](std::string_view name, const std::string& dir, const EngineConfig& c) {
    const std::string leaf = std::filesystem::path(dir).filename().string();
    if (leaf != ".try") opened.push_back(leaf);  // each is first opened once, to check options
    return make_engine(name, dir, c);
  };
  report::Report r = run_workload(spec, o, quiet_);
  EXPECT_EQ(opened,
            (std::vector<std::string>{"heapstore-0", "sqlite-0", "second-0", "sqlite-1", "second-1",
                                      "heapstore-1", "second-2", "heapstore-2", "sqlite-2"}));
  ASSERT_EQ(r.engines.size(), 3u);
  EXPECT_EQ(r.engines[2].name, "second");
  EXPECT_EQ(r.engines[2].engine, "heapstore");
  for (const auto& engine : r.engines) {
    ASSERT_EQ(engine.repetitions.size(), 3u);
    for (std::uint32_t i = 0; i < 3; ++i) EXPECT_EQ(engine.repetitions[i].index, i);
    EXPECT_FALSE(engine.guarantees.atomicity.empty());
    EXPECT_GT(engine.max_value_bytes, 0u);
  }
}

// One operation in N timed on average, at random gaps: the count is near ops / N, throughput is
// still over every operation, and the histogram holds exactly the timed ones.
TEST_F(RunnerTest, LatencyIsSampledAndTheHistogramKeepsEverySample) {
  Spec spec = parse_spec(kSpec, "runner-test.yaml", {"repetitions=1"});
  RunOptions o = options({"heapstore"});
  o.latency_sample_every = 10;
  report::Report r = run_workload(spec, o, quiet_);
  const report::PhaseResult& load = r.engines[0].repetitions[0].phases[0];
  EXPECT_EQ(load.metrics.at("operations"), 3000);
  EXPECT_EQ(load.metrics.at("latency.sample_every"), 10);
  EXPECT_GT(load.metrics.at("latency.insert.count"), 200);
  EXPECT_LT(load.metrics.at("latency.insert.count"), 400);
  std::uint64_t in_histogram = 0;
  for (const auto& [upper_ns, count] : load.histograms.at("insert").buckets) in_histogram += count;
  EXPECT_EQ(static_cast<double>(in_histogram), load.metrics.at("latency.insert.count"));
  ASSERT_FALSE(load.series.empty());
  EXPECT_NEAR(load.series.back().end_seconds, load.metrics.at("seconds"), 1e-9);
  EXPECT_GT(load.series.back().ops_per_sec, 0);
}

TEST_F(RunnerTest, TheTimeSeriesHasAPointPerInterval) {
  Spec spec = parse_spec(R"(
schema: heapstore-workload/1
name: series
phases:
  - {name: load, op: insert, count: 1000}
  - {name: read, op: get, duration: 350ms}
)",
                         "series.yaml");
  RunOptions o = options({"heapstore"});
  o.interval_seconds = 0.1;
  report::Report r = run_workload(spec, o, quiet_);
  const auto& series = r.engines[0].repetitions[0].phases[1].series;
  ASSERT_GE(series.size(), 3u);
  ASSERT_LE(series.size(), 5u);
  for (std::size_t i = 1; i < series.size(); ++i)
    EXPECT_GT(series[i].end_seconds, series[i - 1].end_seconds);
  EXPECT_GT(series[1].ops_per_sec, 0);
  EXPECT_GT(series[1].p50_ns, 0);
  EXPECT_GE(series[1].p99_ns, series[1].p50_ns);
}

// The value limit is the engines', not the file's: 5000-byte values run on SQLite, and are
// refused for heapstore before anything runs.
TEST_F(RunnerTest, ValuesLargerThanAnEngineStoresAreRefusedBeforeTheRun) {
  Spec spec = parse_spec(R"(
schema: heapstore-workload/1
name: big
phases:
  - {name: load, op: insert, count: 10, value_size: 5000}
)",
                         "big.yaml");
  EXPECT_NO_THROW(run_workload(spec, options({"sqlite"}), quiet_));
  try {
    run_workload(spec, options({"sqlite", "heapstore"}), quiet_);
    FAIL() << "5000-byte values were run on heapstore";
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("heapstore stores at most 4066"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "big" / "sqlite-0"));
}

TEST_F(RunnerTest, EngineConfigurationsParseAndBadOnesAreNamed) {
  EngineChoice c = parse_engine_choice("sqlite:journal_mode=DELETE:cache=1@rollback");
  EXPECT_EQ(c.engine, "sqlite");
  EXPECT_EQ(c.label, "rollback");
  EXPECT_EQ(c.options,
            (std::map<std::string, std::string>{{"cache", "1"}, {"journal_mode", "DELETE"}}));
  EXPECT_EQ(parse_engine_choice("heapstore").label, "heapstore");
  EXPECT_THROW(parse_engine_choice("nosuch"), std::invalid_argument);
  EXPECT_THROW(parse_engine_choice("sqlite:novalue"), std::invalid_argument);
  EXPECT_THROW(parse_engine_choice("sqlite@"), std::invalid_argument);
  EXPECT_THROW(parse_engine_choices({"heapstore", "heapstore"}), std::invalid_argument);
  Spec spec = parse_spec(kSpec, "runner-test.yaml", {"repetitions=1"});
  EXPECT_THROW(run_workload(spec, options({"heapstore:nosuch=1"}), quiet_), std::invalid_argument);
}

// A warm-up runs the phase's operation first and is left out of its results, but what it
// inserted stays in the store.
TEST_F(RunnerTest, AWarmUpIsLeftOutOfTheResults) {
  Spec spec = parse_spec(R"(
schema: heapstore-workload/1
name: warm
phases:
  - {name: load, op: insert, count: 500, warmup: 300}
  - {name: read, op: get, count: 200, warmup: 20ms}
)",
                         "warm.yaml");
  RunOptions o = options({"heapstore"});
  std::vector<std::string> log;
  o.open_engine = [&](std::string_view name, const std::string& dir, const EngineConfig& c) {
    return std::make_unique<RecordingEngine>(make_engine(name, dir, c), &log, 0);
  };
  report::Report r = run_workload(spec, o, quiet_);
  const auto& phases = r.engines[0].repetitions[0].phases;
  EXPECT_EQ(phases[0].metrics.at("operations"), 500);
  EXPECT_EQ(phases[0].metrics.at("latency.insert.count"), 500);
  EXPECT_EQ(phases[1].metrics.at("operations"), 200);
  EXPECT_EQ(std::count_if(log.begin(), log.end(),
                          [](const std::string& call) { return call.starts_with("insert"); }),
            800);
  EXPECT_GT(std::count_if(log.begin(), log.end(),
                          [](const std::string& call) { return call.starts_with("get"); }),
            200);
  EXPECT_EQ(phases[1].metrics.at("engine.live_bytes"), 800 * 100);
}

// Open loop: operations start on schedule, so the phase takes count / rate seconds, and each
// latency runs from its intended start.
TEST_F(RunnerTest, AnOpenLoopRateIsKeptAndEveryOperationTimed) {
  Spec spec = parse_spec(R"(
schema: heapstore-workload/1
name: paced
phases:
  - {name: load, op: insert, count: 100}
  - {name: read, op: get, count: 2000, rate: 10000, threads: 2}
)",
                         "paced.yaml");
  report::Report r = run_workload(spec, options({"heapstore"}), quiet_);
  const auto& m = r.engines[0].repetitions[0].phases[1].metrics;
  EXPECT_GE(m.at("seconds"), 0.19);
  EXPECT_LT(m.at("seconds"), 5.0);  // generous: only that it does not run unpaced forever
  EXPECT_EQ(m.at("latency.get.count"), 2000);
  EXPECT_EQ(m.at("target_ops_per_sec"), 10000);
  EXPECT_EQ(m.at("latency.sample_every"), 1);
}

// YCSB's read-modify-write, as a phase and as a share of a mix: timed as one operation, the
// value read checked, the new one written; the report reads back.
TEST_F(RunnerTest, ReadModifyWriteRunsAloneAndInAMix) {
  Spec spec = parse_spec(R"(
schema: heapstore-workload/1
name: rmw
phases:
  - {name: load, op: insert, count: 500}
  - {name: rmw, op: read_modify_write, count: 300, growth: {bytes: 10, max: 400}}
  - {name: ycsb-f, op: mix, count: 400, mix: {get: 0.5, read_modify_write: 0.5}}
)",
                         "rmw.yaml");
  report::Report r = run_workload(spec, options({"heapstore", "sqlite"}), quiet_);
  for (const auto& engine : r.engines) {
    const auto& phases = engine.repetitions[0].phases;
    EXPECT_EQ(phases[1].op, "read_modify_write");
    EXPECT_EQ(phases[1].metrics.at("latency.read_modify_write.count"), 300);
    EXPECT_GT(phases[2].metrics.at("latency.read_modify_write.count"), 100);
    EXPECT_GT(phases[2].metrics.at("latency.get.count"), 100);
    EXPECT_EQ(phases[1].metrics.at("engine.live_bytes"), 500 * 100 + 300 * 10);  // each grew
  }
  EXPECT_NO_THROW(report::from_json(report::to_json(r)));
}

TEST_F(RunnerTest, DataDirectoriesAreRemovedAfterTheRun) {
  Spec spec = parse_spec(kSpec, "runner-test.yaml", {"repetitions=1"});
  run_workload(spec, options({"heapstore", "sqlite"}), quiet_);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "runner-test"));
}

}  // namespace
}  // namespace heapstore::workload
