// Every engine in the registry behind the one adapter interface: the same calls give the same
// answers (a std::map of handles to values is the model), each engine describes its settings and
// guarantees, rejects options it does not know, and runs the smoke workload to the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "engine_adapter.h"
#include "runner.h"

namespace heapstore::workload {
namespace {

// One configuration of one engine: its defaults, with sync, or with one of its own options.
struct Case {
  std::string engine;
  bool sync = false;
  std::map<std::string, std::string> options;
};

// gtest prints a failing case with this rather than as bytes.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.engine << (c.sync ? " sync" : "");
  for (const auto& [key, value] : c.options) *os << " " << key << "=" << value;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.engine + (info.param.sync ? "_sync" : "");
  for (const auto& [key, value] : info.param.options) name += "_" + key + "_" + value;
  return name;
}

std::vector<Case> every_engine() {
  std::vector<Case> cases;
  for (const std::string& name : engine_names()) cases.push_back({name, false, {}});
  return cases;
}

// Each engine with and without sync, and each peer's option set away from its default.
std::vector<Case> every_configuration() {
  std::vector<Case> cases = every_engine();
  for (const std::string& name : engine_names()) cases.push_back({name, true, {}});
  cases.push_back({"lmdb", false, {{"txn", "operation"}}});
  cases.push_back({"lmdb", true, {{"txn", "operation"}}});
  cases.push_back({"lmdb", false, {{"map_size_gib", "1"}}});
  cases.push_back({"rocksdb", true, {{"wal", "off"}}});
  cases.push_back({"rocksdb", false, {{"wal_flush", "auto"}}});
  cases.push_back({"leveldb", false, {{"write_buffer_mib", "1"}}});
  cases.push_back({"wiredtiger", true, {{"log", "off"}}});
  return cases;
}

class AdapterTest : public ::testing::TestWithParam<Case> {
 protected:
  AdapterTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("adapters-test-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(dir_);
  }
  ~AdapterTest() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<EngineAdapter> open() {
    EngineConfig config{
        .buffer_pool_mib = 8, .sync = GetParam().sync, .options = GetParam().options};
    return make_engine(GetParam().engine, (dir_ / "store").string(), config);
  }

  // Every value of `model` reads back as stored, and container `c` scans to exactly them.
  static void expect_contents(EngineAdapter& engine, std::uint32_t c,
                              const std::map<Handle, std::string>& model) {
    ScanTotals expected;
    std::string out;
    for (const auto& [handle, value] : model) {
      ASSERT_TRUE(engine.get(c, handle, out)) << "handle " << handle;
      EXPECT_EQ(out, value) << "handle " << handle;
      expected.values += 1;
      expected.bytes += value.size();
    }
    ScanTotals scanned = engine.scan(c);
    EXPECT_EQ(scanned.values, expected.values) << "container " << c;
    EXPECT_EQ(scanned.bytes, expected.bytes) << "container " << c;
  }

  std::filesystem::path dir_;
};

constexpr Handle kMaxHandle = (Handle{1} << 48) - 1;

TEST_P(AdapterTest, AnswersAsAMapWouldAcrossTwoContainers) {
  auto engine = open();
  engine->create_container(0);
  engine->create_container(1);
  std::map<Handle, std::string> c0, c1;
  Handle first = engine->insert(0, std::string(100, 'a'));
  c0[first] = std::string(100, 'a');
  c1[engine->insert(1, "other container")] = "other container";
  std::vector<std::string> batch = {std::string(10, 'b'), std::string(200, 'c'), "d"};
  std::vector<std::string_view> views(batch.begin(), batch.end());
  std::vector<Handle> handles;
  engine->insert_batch(0, views, handles);
  ASSERT_EQ(handles.size(), 3u);
  for (std::size_t i = 0; i < handles.size(); ++i) c0[handles[i]] = batch[i];
  ASSERT_EQ(c0.size(), 4u) << "handles are not distinct";
  for (const auto& [handle, value] : c0) EXPECT_LE(handle, kMaxHandle);
  expect_contents(*engine, 0, c0);
  expect_contents(*engine, 1, c1);

  std::string grown(3000, 'g');  // from one page's worth to a large value
  Handle moved = engine->update(0, first, grown);
  if (moved != first) c0.erase(first);
  c0[moved] = grown;
  engine->remove(0, handles[1]);
  c0.erase(handles[1]);
  engine->end_phase();
  expect_contents(*engine, 0, c0);
  expect_contents(*engine, 1, c1);
  std::string out;
  EXPECT_FALSE(engine->get(0, handles[1], out)) << "a removed value is still there";
  EXPECT_GT(engine->counters().bytes_on_disk, 0u);
}

TEST_P(AdapterTest, AnEmptyContainerScansToNothing) {
  auto engine = open();
  engine->create_container(0);
  engine->create_container(1);
  engine->insert(1, "only in 1");
  ScanTotals empty = engine->scan(0);
  EXPECT_EQ(empty.values, 0u);
  EXPECT_EQ(empty.bytes, 0u);
}

TEST_P(AdapterTest, DescribesItsSettingsAndGuarantees) {
  auto engine = open();
  EXPECT_EQ(engine->name(), GetParam().engine);
  EXPECT_FALSE(engine->settings().empty());
  report::Guarantees g = engine->guarantees();
  EXPECT_FALSE(g.atomicity.empty());
  EXPECT_FALSE(g.durability.empty());
  EXPECT_EQ(g.durability.starts_with("none"), !GetParam().sync) << g.durability;
}

INSTANTIATE_TEST_SUITE_P(Engines, AdapterTest, ::testing::ValuesIn(every_configuration()),
                         case_name);

class EngineOptionTest : public AdapterTest {};

TEST_P(EngineOptionTest, AnUnknownOptionThrowsInvalidArgument) {
  EngineConfig config{.options = {{"no_such_option", "1"}}};
  EXPECT_THROW(make_engine(GetParam().engine, (dir_ / "store").string(), config),
               std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineOptionTest, ::testing::ValuesIn(every_engine()), case_name);

TEST(EngineOptions, ABadValueOfAKnownOptionThrowsInvalidArgument) {
  const std::map<std::string, std::pair<std::string, std::string>> bad = {
      {"lmdb", {"txn", "sometimes"}},
      {"rocksdb", {"wal", "maybe"}},
      {"leveldb", {"write_buffer_mib", "0"}},
      {"wiredtiger", {"log", "maybe"}}};
  auto dir = std::filesystem::temp_directory_path() /
             ("adapters-test-options-" + std::to_string(::getpid()));
  for (const auto& [engine, option] : bad) {
    EngineConfig config{.options = {{option.first, option.second}}};
    try {
      make_engine(engine, dir.string(), config);
      ADD_FAILURE() << engine << " accepted " << option.first << "=" << option.second;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(option.first), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

class SmokeWorkloadTest : public AdapterTest {};

TEST_P(SmokeWorkloadTest, RunsToTheEnd) {
  Spec spec = load_spec(HEAPSTORE_SOURCE_DIR "/workloads/smoke.yaml", {"repetitions=1"});
  RunOptions options;
  options.engines = {GetParam().engine};
  options.data_dir = dir_.string();
  Progress quiet(stderr, false, true);
  report::Report r = run_workload(spec, options, quiet);
  ASSERT_EQ(r.engines.size(), 1u);
  const report::EngineResult& result = r.engines[0];
  EXPECT_FALSE(result.settings.empty());
  ASSERT_EQ(result.repetitions.size(), 1u);
  ASSERT_EQ(result.repetitions[0].phases.size(), spec.phases.size());
  EXPECT_EQ(result.repetitions[0].phases[0].metrics.at("operations"), 3000);
}

INSTANTIATE_TEST_SUITE_P(Engines, SmokeWorkloadTest, ::testing::ValuesIn(every_engine()),
                         case_name);

}  // namespace
}  // namespace heapstore::workload
