// End to end: the heapstore tool as a user or a CI job runs it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// The tool under test and the source tree, from the build (an environment variable of the same
// name overrides either).
std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v) return v;
  return std::string(name) == "HEAPSTORE_BIN" ? HEAPSTORE_BIN : HEAPSTORE_SOURCE_DIR;
}

class CliTest : public ::testing::Test {
 protected:
  CliTest() : dir_(fs::temp_directory_path() / ("cli-test-" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~CliTest() override { fs::remove_all(dir_); }

  Result heapstore(const std::string& args) {
    std::string command = env("HEAPSTORE_BIN") + " " + args + " 2>&1";
    Result r;
    FILE* pipe = ::popen(command.c_str(), "r");
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.output.append(buf, n);
    int raw = ::pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return r;
  }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::string smoke() { return env("HEAPSTORE_SOURCE_DIR") + "/workloads/smoke.yaml"; }
  std::string data() { return " --data-dir " + (dir_ / "data").string(); }

  // Runs the smoke workload on both engines into `report` (once per test binary would be nicer,
  // but it takes well under a second).
  void run_smoke(const std::string& report) {
    Result r = heapstore("run " + smoke() + " --engine heapstore,sqlite --out " + report + data());
    ASSERT_EQ(r.status, 0) << r.output;
  }

  fs::path dir_;
};

TEST_F(CliTest, HelpExitsZeroAndNamesTheSubcommands) {
  Result r = heapstore("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("run"), std::string::npos);
  EXPECT_NE(r.output.find("compare"), std::string::npos);
}

TEST_F(CliTest, AnInvalidWorkloadIsOneLineAndExitTwo) {
  std::string path = write("bad.yaml",
                           "schema: heapstore-workload/1\nname: bad\nphases:\n"
                           "  - {name: load, op: insert, count: -5}\n");
  Result r = heapstore("run " + path + data());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_NE(r.output.find("bad.yaml:4:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("count"), std::string::npos) << r.output;
}

// Without --engine a workload runs on the engines its file names; --engine wins over them.
TEST_F(CliTest, TheWorkloadsEnginesRunUnlessTheCommandLineNamesOthers) {
  const std::string workload = write("two.yaml",
                                     "schema: heapstore-workload/1\nname: two\n"
                                     "engines: [sqlite, 'heapstore:buffer_pool_mib=2@small']\n"
                                     "phases:\n  - {name: load, op: insert, count: 200}\n");
  const std::string report = (dir_ / "two.json").string();
  Result r = heapstore("run " + workload + " -q --out " + report + data());
  ASSERT_EQ(r.status, 0) << r.output;
  auto json = nlohmann::json::parse(std::ifstream(report));
  ASSERT_EQ(json.at("engines").size(), 2u);
  EXPECT_EQ(json["engines"][1]["name"], "small");
  EXPECT_EQ(json["engines"][1]["engine"], "heapstore");
  EXPECT_EQ(json["engines"][1]["settings"]["buffer_pool_frames"], "512");
  r = heapstore("run " + workload + " -q --engine heapstore --out " + report + data());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(report)).at("engines").size(), 1u);
}

TEST_F(CliTest, MissingFileAndUnknownEngineAndBadOptionExitTwo) {
  EXPECT_EQ(heapstore("run " + (dir_ / "nope.yaml").string() + data()).status, 2);
  EXPECT_EQ(heapstore("run " + smoke() + " --engine nosuchdb" + data()).status, 2);
  EXPECT_EQ(heapstore("run " + smoke() + " --engine sqlite:journal=WAL" + data()).status, 2);
  EXPECT_EQ(heapstore("run " + smoke() + " --engine heapstore,heapstore" + data()).status, 2);
  EXPECT_EQ(heapstore("run " + smoke() + " --latency sometimes" + data()).status, 2);
  // 5000-byte values are more than heapstore stores: refused before anything runs.
  EXPECT_EQ(heapstore("run " + smoke() + " --set phases.load.value_size.max=5000" + data()).status,
            2);
  EXPECT_EQ(heapstore("run " + smoke() + " --repetitions 0" + data()).status, 2);
  EXPECT_EQ(heapstore("frobnicate").status, 2);
}

// A count the spec accepts but no machine could keep track of: one line, exit 3, no crash.
TEST_F(CliTest, APhaseTooLargeToTrackGetsOneLineAndExitThree) {
  Result r =
      heapstore("run " + smoke() + " --set phases.load.count=9000000000000000000 -q" + data());
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("phase load: keeping track of 9000000000000000000 more values"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 2) << r.output;  // + the seed
}

TEST_F(CliTest, RunWritesAReportAndPrintsTheSeedAndATable) {
  std::string report = (dir_ / "smoke.json").string();
  Result r = heapstore("run " + smoke() + " --engine heapstore,sqlite --seed 9 --out " + report +
                       " --markdown " + (dir_ / "smoke.md").string() + data());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("seed 9"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sqlite"), std::string::npos) << r.output;
  auto json = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(json.at("schema"), "heapstore-report/2");
  EXPECT_EQ(json.at("seed"), 9);
  EXPECT_EQ(json.at("engines").size(), 2u);
  EXPECT_TRUE(fs::exists(dir_ / "smoke.md"));
}

TEST_F(CliTest, ComparingAReportWithItselfPasses) {
  std::string report = (dir_ / "base.json").string();
  run_smoke(report);
  Result r = heapstore("compare " + report + " " + report);
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST_F(CliTest, AThirtyPercentSlowerCopyFailsWithExitOne) {
  std::string base = (dir_ / "base.json").string();
  run_smoke(base);
  auto json = nlohmann::json::parse(std::ifstream(base));
  for (auto& engine : json["engines"]) {  // compare works from the repetitions' values
    for (auto& rep : engine["repetitions"])
      for (auto& phase : rep["phases"])
        for (auto& [name, value] : phase["metrics"].items()) {
          if (name.ends_with("_per_sec")) value = value.get<double>() * 0.7;
          if (name.ends_with("_ns")) value = value.get<double>() / 0.7;
        }
  }
  std::string slow = write("slow.json", json.dump());
  Result r = heapstore("compare " + base + " " + slow + " --fail-above 10% --markdown " +
                       (dir_ / "cmp.md").string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("fail"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "cmp.md"));
}

TEST_F(CliTest, UnusableReportsExitTwo) {
  std::string base = (dir_ / "base.json").string();
  run_smoke(base);
  EXPECT_EQ(heapstore("compare " + base + " " + write("junk.json", "{not json")).status, 2);
  EXPECT_EQ(heapstore("compare " + base + " " + write("other.json", R"({"schema":"x/9"})")).status,
            2);
  EXPECT_EQ(heapstore("compare " + base + " " + (dir_ / "missing.json").string()).status, 2);
  EXPECT_EQ(heapstore("compare " + base + " " + base + " --fail-above lots").status, 2);
}

TEST_F(CliTest, CheckAndInspectAStoreAndReportDamage) {
  Result r = heapstore("run " + smoke() + " --repetitions 1 --keep-data -q --out " +
                       (dir_ / "k.json").string() + data());
  ASSERT_EQ(r.status, 0) << r.output;
  std::string store = (dir_ / "data" / "smoke" / "heapstore-0").string();
  r = heapstore("check " + store);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("0 problems"), std::string::npos) << r.output;
  r = heapstore("inspect " + store + " --container 0 --page 0 --hex");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("magic 0x5048"), std::string::npos) << r.output;
  {
    std::fstream f(store + "/c0.heap", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 100);
    f.write("\xde\xad", 2);
  }
  r = heapstore("check " + store);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("container 0 page 1"), std::string::npos) << r.output;
  EXPECT_EQ(heapstore("check " + (dir_ / "nothing").string()).status, 2);
  EXPECT_EQ(heapstore("inspect " + store + " --container 77").status, 2);
}

TEST_F(CliTest, VersionNamesTheBuild) {
  Result r = heapstore("--version");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind("heapstore 0.", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("commit"), std::string::npos) << r.output;
}

// Three runs at once with the default data directory: each gets its own (three parallel smoke
// runs once exited 3, 2 and 0).
TEST_F(CliTest, ParallelRunsWithDefaultDataDirectoriesDoNotCollide) {
  std::string command = "cd " + dir_.string() + " && (";
  for (int i = 0; i < 3; ++i)
    command += env("HEAPSTORE_BIN") + " run " + smoke() + " --repetitions 1 -q --out p" +
               std::to_string(i) + ".json > /dev/null 2>&1; echo $? > s" + std::to_string(i) +
               " & ";
  command += "wait)";
  ASSERT_EQ(std::system(command.c_str()), 0);
  for (int i = 0; i < 3; ++i) {
    std::ifstream status(dir_ / ("s" + std::to_string(i)));
    int code = -1;
    status >> code;
    EXPECT_EQ(code, 0) << "run " << i;
    EXPECT_TRUE(fs::exists(dir_ / ("p" + std::to_string(i) + ".json")));
  }
}

// Unwritable outputs and data directories are found before anything runs: one line, exit 2.
TEST_F(CliTest, OutputPathsAndTheDataDirectoryAreCheckedFirst) {
  const fs::path blocker = dir_ / "file";
  std::ofstream(blocker) << "x";
  const std::string under_a_file = (blocker / "r.json").string();
  for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
           {" --out " + under_a_file + data(), "--out:"},
           {" --out-dir " + under_a_file + data(), "--out-dir:"},
           {" --markdown " + dir_.string() + " --out " + (dir_ / "ok.json").string() + data(),
            "--markdown:"},
           {" --out " + (dir_ / "ok.json").string() + " --data-dir " + under_a_file,
            "--data-dir:"}}) {
    Result r = heapstore("run " + smoke() + " -q" + args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(option), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  EXPECT_FALSE(fs::exists(dir_ / "ok.json"));
}

// A full disk in the middle of a run (here: the file size limit) is an engine failure: exit 3.
TEST_F(CliTest, TheDiskFillingUpDuringARunIsOneLineAndExitThree) {
  const std::string out = (dir_ / "full.out").string();
  const std::string command = "sh -c 'trap \"\" XFSZ; ulimit -f 256; " + env("HEAPSTORE_BIN") +
                              " run " + smoke() + " -q --out " + (dir_ / "r.json").string() +
                              data() + "' > " + out + " 2>&1";
  const int raw = std::system(command.c_str());
  EXPECT_EQ(WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, 3);
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  // The last line is the error; before it, the seed and the engine's own note that closing the
  // store failed too (~StorageManager reports on stderr, since a destructor cannot throw).
  const std::size_t last = text.rfind('\n', text.size() - 2);
  EXPECT_EQ(text.compare(last + 1, 27, "heapstore: workload smoke: "), 0) << text;
  EXPECT_NE(text.find("File too large"), std::string::npos) << text;
}

TEST_F(CliTest, TwoWorkloadsWithOneNameWriteTwoReports) {
  Result r = heapstore("run " + smoke() + " " + smoke() + " --repetitions 1 -q --out-dir " +
                       dir_.string() + data());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "smoke.json"));
  EXPECT_TRUE(fs::exists(dir_ / "smoke-2.json"));
}

TEST_F(CliTest, CompareWritesJsonAndExportWritesEachFormat) {
  const std::string report = (dir_ / "base.json").string();
  run_smoke(report);
  const std::string json = (dir_ / "cmp.json").string();
  ASSERT_EQ(heapstore("compare " + report + " " + report + " --json " + json).status, 0);
  const auto comparison = nlohmann::json::parse(std::ifstream(json));
  EXPECT_NE(comparison.at("overall"), "fail") << comparison.dump();  // inconclusive if noisy
  EXPECT_EQ(comparison.at("exit_code"), 0);
  EXPECT_FALSE(comparison.at("metrics").empty());
  for (const char* format : {"gbench", "bmf", "github-action-benchmark-bigger"}) {
    const std::string out = (dir_ / (std::string(format) + ".json")).string();
    Result r = heapstore("export " + report + " --format " + format + " --out " + out);
    ASSERT_EQ(r.status, 0) << format << ": " << r.output;
    EXPECT_TRUE(nlohmann::json::accept(std::ifstream(out))) << format;
  }
  EXPECT_EQ(heapstore("export " + report + " --format xml").status, 2);
  Result csv = heapstore("export " + report + " --format csv");
  ASSERT_EQ(csv.status, 0) << csv.output;
  EXPECT_EQ(
      csv.output.rfind("workload,engine,engine_kind,repetition,phase,op,metric,at,value\n", 0), 0u);
  EXPECT_NE(csv.output.find(",heapstore,heapstore,0,load,insert,ops_per_sec,,"), std::string::npos);
  EXPECT_NE(csv.output.find(",load,insert,histogram.insert,"), std::string::npos);
}

// One build against itself, two rounds: too few to judge, so inconclusive and exit 0.
TEST_F(CliTest, AbOfABuildAgainstItselfRunsPairedRounds) {
  const std::string bin = env("HEAPSTORE_BIN");
  Result r = heapstore("ab " + smoke() + " --base " + bin + " --head " + bin +
                       " --set phases.ycsb.threads=1 --rounds 2 --max-rounds 2 -q --json " +
                       (dir_ / "ab.json").string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("paired rounds: 2"), std::string::npos) << r.output;
  EXPECT_EQ(
      heapstore("ab " + smoke() + " --base " + (dir_ / "nope").string() + " --head " + bin).status,
      2);
}

}  // namespace
