// The runner against heapstore, SQLite and recording or lying fakes: reports carry every metric,
// one seed gives one operation sequence, and wrong results void the run.
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

TEST_F(RunnerTest, DataDirectoriesAreRemovedAfterTheRun) {
  Spec spec = parse_spec(kSpec, "runner-test.yaml", {"repetitions=1"});
  run_workload(spec, options({"heapstore", "sqlite"}), quiet_);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "runner-test"));
}

}  // namespace
}  // namespace heapstore::workload
