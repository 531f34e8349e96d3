// Counted mode end to end (`heapstore run --meter instructions`): the same build and workload
// give the same counts run after run, whatever else the machine is doing. Runs the release
// tool under Valgrind, so it is built only without sanitizers (ci/test.sh runs it).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

namespace fs = std::filesystem;

int shell(const std::string& command) {
  const int raw = std::system(command.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

class CountedTest : public ::testing::Test {
 protected:
  CountedTest() : dir_(fs::temp_directory_path() / ("counted-test-" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~CountedTest() override { fs::remove_all(dir_); }

  // The gate's workload made smaller, counted into `name`.json; returns the report.
  nlohmann::json counted_run(const std::string& name, const std::string& extra = "") {
    const std::string out = (dir_ / (name + ".json")).string();
    const std::string command =
        std::string(HEAPSTORE_BIN) + " run " + HEAPSTORE_SOURCE_DIR +
        "/workloads/perf_gate.yaml --meter instructions -q --out " + out +
        " --set phases.load.count=5000 --set phases.batched.count=2000"
        " --set phases.get.count=5000 --set phases.grow.count=2000 --set phases.trim.count=2000"
        " --set engine.buffer_pool_mib=1 " +
        extra + " > " + (dir_ / (name + ".log")).string() + " 2>&1";
    EXPECT_EQ(shell(command), 0) << command;
    std::ifstream in(out);
    return nlohmann::json::parse(in);
  }

  fs::path dir_;
};

TEST_F(CountedTest, TheSameBuildAndWorkloadGiveTheSameCounts) {
  if (shell("command -v valgrind > /dev/null") != 0) GTEST_SKIP() << "valgrind is not installed";
  // Names of one length: the command line is on the heap, and a longer one moves the engine's
  // allocations, which the cache simulation notices (about 0.2% of estimated cycles).
  const nlohmann::json first = counted_run("run1");
  // Other work on the machine while the second run counts: counts must not notice.
  std::FILE* busy = ::popen(
      "timeout 4 sh -c 'while :; do :; done' & timeout 4 sh -c "
      "'while :; do :; done' & wait",
      "r");
  const nlohmann::json second = counted_run("run2");
  if (busy) ::pclose(busy);
  EXPECT_EQ(first["context"]["meter"], "instructions");
  EXPECT_NE(first["context"]["valgrind"], "");
  const auto& a = first["engines"][0]["repetitions"][0]["phases"];
  const auto& b = second["engines"][0]["repetitions"][0]["phases"];
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t p = 0; p < a.size(); ++p) {
    for (const char* metric : {"instructions", "estimated_cycles"}) {
      const double x = a[p]["metrics"][metric], y = b[p]["metrics"][metric];
      EXPECT_GT(x, 0) << a[p]["name"] << " " << metric;
      EXPECT_LE(std::abs(x - y), 0.001 * x)
          << a[p]["name"] << " " << metric << ": " << x << " then " << y;
    }
    EXPECT_FALSE(a[p]["metrics"].contains("ops_per_sec")) << "a counted run reports no durations";
  }
  EXPECT_TRUE(a[0]["metrics"].contains("instructions.insert.per_op"));
  EXPECT_TRUE(a[2]["metrics"].contains("instructions.get.per_op"));
}

TEST_F(CountedTest, AWorkloadWithThreadsOrDurationsIsRefusedBeforeValgrindStarts) {
  const std::string bin = HEAPSTORE_BIN;
  const std::string gate = std::string(HEAPSTORE_SOURCE_DIR) + "/workloads/perf_gate.yaml";
  EXPECT_EQ(shell(bin + " run " + gate + " --meter instructions --set phases.get.threads=2 -q" +
                  " --out-dir " + dir_.string() + " 2> /dev/null"),
            2);
  const fs::path timed = dir_ / "timed.yaml";
  std::ofstream(timed) << "schema: heapstore-workload/1\nname: timed\n"
                          "phases: [{name: load, op: insert, duration: 1s}]\n";
  EXPECT_EQ(shell(bin + " run " + timed.string() + " --meter instructions -q --out-dir " +
                  dir_.string() + " 2> /dev/null"),
            2);
}

TEST_F(CountedTest, NoValgrindOnPathIsOneLineAndExitTwo) {
  const std::string command = "PATH=/nonexistent " + std::string(HEAPSTORE_BIN) + " run " +
                              HEAPSTORE_SOURCE_DIR +
                              "/workloads/perf_gate.yaml --meter instructions -q --out-dir " +
                              dir_.string() + " > " + (dir_ / "err").string() + " 2>&1";
  EXPECT_EQ(shell(command), 2);
  std::ifstream in(dir_ / "err");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("needs valgrind"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

}  // namespace
