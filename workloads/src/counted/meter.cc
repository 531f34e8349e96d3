// Counted mode: starting the tool under Callgrind, the engine decorator that switches collection
// on around engine calls, and the per-phase dumps (see meter.h).
#include "meter.h"

#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "process.h"

namespace heapstore::workload {
namespace {

// Where the child's Callgrind files go; its presence marks the process the tool started.
constexpr const char* kOutEnv = "HEAPSTORE_CALLGRIND_OUT";

// A simulated cache fixed here rather than taken from the host, so that estimated cycles do not
// change with the machine CI happens to get: 32 KiB 8-way L1s, an 8 MiB 16-way last level.
constexpr const char* kCallgrindOptions[] = {
    "--tool=callgrind",     "-q",
    "--collect-atstart=no", "--cache-sim=yes",
    "--I1=32768,8,64",      "--D1=32768,8,64",
    "--LL=8388608,16,64",
};

// Collection on for the lifetime of this object (and off again when an engine call throws).
struct Collecting {
  Collecting() { CALLGRIND_TOGGLE_COLLECT; }
  ~Collecting() { CALLGRIND_TOGGLE_COLLECT; }
  Collecting(const Collecting&) = delete;
  Collecting& operator=(const Collecting&) = delete;
};

// Every engine call counted alone. The methods are kept out of line: Callgrind's per-operation
// costs are the inclusive costs of calls to them, found by name (callgrind_file.cc).
class CountedEngine final : public EngineAdapter {
 public:
  explicit CountedEngine(std::unique_ptr<EngineAdapter> engine) : engine_(std::move(engine)) {}

  std::string name() const override { return engine_->name(); }
  std::map<std::string, std::string> settings() const override { return engine_->settings(); }
  report::Guarantees guarantees() const override { return engine_->guarantees(); }
  void create_container(std::uint32_t c) override { engine_->create_container(c); }

  [[gnu::noinline]] Handle insert(std::uint32_t c, std::string_view value) override {
    Collecting on;
    return engine_->insert(c, value);
  }
  [[gnu::noinline]] void insert_batch(std::uint32_t c, std::span<const std::string_view> values,
                                      std::vector<Handle>& out) override {
    Collecting on;
    engine_->insert_batch(c, values, out);
  }
  [[gnu::noinline]] bool get(std::uint32_t c, Handle handle, std::string& out) override {
    Collecting on;
    return engine_->get(c, handle, out);
  }
  [[gnu::noinline]] Handle update(std::uint32_t c, Handle h, std::string_view value) override {
    Collecting on;
    return engine_->update(c, h, value);
  }
  [[gnu::noinline]] void remove(std::uint32_t c, Handle handle) override {
    Collecting on;
    engine_->remove(c, handle);
  }
  [[gnu::noinline]] ScanTotals scan(std::uint32_t c) override {
    Collecting on;
    return engine_->scan(c);
  }
  [[gnu::noinline]] void end_phase() override {
    Collecting on;
    engine_->end_phase();
  }
  EngineCounters counters() override { return engine_->counters(); }

 private:
  std::unique_ptr<EngineAdapter> engine_;
};

}  // namespace

std::string_view to_string(Meter meter) {
  return meter == Meter::kInstructions ? report::kMeterInstructions : report::kMeterTime;
}

Meter parse_meter(std::string_view word) {
  if (word == report::kMeterTime) return Meter::kTime;
  if (word == report::kMeterInstructions) return Meter::kInstructions;
  throw std::invalid_argument("--meter: '" + std::string(word) +
                              "' is not a meter (time, instructions)");
}

bool running_under_valgrind() { return RUNNING_ON_VALGRIND != 0; }

bool counting_under_callgrind() { return running_under_valgrind() && std::getenv(kOutEnv); }

std::string valgrind_version() {
  if (find_on_path("valgrind").empty()) return "";
  std::FILE* pipe = ::popen("valgrind --version 2>/dev/null", "r");
  if (!pipe) return "";
  char line[128] = {};
  std::string version = std::fgets(line, sizeof line, pipe) ? line : "";
  ::pclose(pipe);
  while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) version.pop_back();
  return version;
}

int run_under_callgrind(int argc, char** argv) {
  const std::string valgrind = find_on_path("valgrind");
  if (valgrind.empty())
    throw std::runtime_error(
        "--meter instructions needs valgrind, which is not on PATH (ci/install-deps.sh "
        "installs it; on Debian: apt-get install valgrind)");
  const std::string dir = make_temp_dir("heapstore-callgrind");
  const RemoveOnExit cleanup(dir);
  std::vector<std::string> args{valgrind};
  args.insert(args.end(), std::begin(kCallgrindOptions), std::end(kCallgrindOptions));
  args.push_back("--callgrind-out-file=" + dir + "/callgrind.out");
  // The tool runs under a name of fixed length: its command line lands on its heap, and the
  // simulated cache would see a checkout in a longer path as a (tiny) change of the engine.
  const std::string self = dir + "/heapstore";
  std::filesystem::create_symlink(self_executable(), self);
  args.push_back(self);
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  ProcessOptions options{.quiet_stdout = false,
                         .no_aslr = true,  // the simulated cache sees the same addresses each run
                         .env = {{kOutEnv, dir + "/callgrind.out"}}};
  const int status = run_program(args, options);
  if (status <= 3) return status;  // the tool's own statuses (valgrind passes them through)
  if (status > 128)
    std::fprintf(stderr, "heapstore: the counted run under valgrind ended by signal %d\n",
                 status - 128);
  else
    std::fprintf(stderr, "heapstore: valgrind could not run the tool (exit status %d)\n", status);
  return 3;
}

std::unique_ptr<EngineAdapter> counted(std::unique_ptr<EngineAdapter> engine) {
  return std::make_unique<CountedEngine>(std::move(engine));
}

void zero_counts() { CALLGRIND_ZERO_STATS; }

std::string dump_counts(const std::string& phase) {
  static int dumps = 0;  // Callgrind numbers its dump files from 1 within one process
  CALLGRIND_DUMP_STATS_AT(phase.c_str());
  return std::string(std::getenv(kOutEnv)) + "." + std::to_string(++dumps);
}

CountedPhase read_counts(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read Callgrind's dump " + path);
  return parse_callgrind(in, path);
}

}  // namespace heapstore::workload
