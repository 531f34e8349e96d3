// Runs a workload against engines and returns the report: for each engine and repetition, a
// fresh store; phase by phase, every operation timed; results checked as the run goes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "meter.h"
#include "phase_worker.h"
#include "progress.h"
#include "report.h"
#include "spec.h"

namespace heapstore::workload {

struct RunOptions {
  // Engine configurations, "ENGINE[:KEY=VALUE]...[@LABEL]" (parse_engine_choice).
  std::vector<std::string> engines{"heapstore"};
  // Each engine and repetition gets <data_dir>/<workload>/<engine>-<repetition>, emptied
  // before and removed after (unless keep_data).
  std::string data_dir = "/tmp/heapstore-run";
  bool keep_data = false;
  std::uint32_t verify_every = 64;     // one get in this many is compared byte for byte
  std::uint32_t verify_sample = 1000;  // values compared after each repetition
  std::string command_line;            // recorded in the report
  // kInstructions: only in the process run_under_callgrind() started. Each phase then runs on the
  // calling thread (nothing else may run while an engine call is counted) and reports counts,
  // not durations.
  Meter meter = Meter::kTime;
  // Opens an engine by name; make_engine unless a test substitutes its own.
  std::function<std::unique_ptr<EngineAdapter>(std::string_view, const std::string&,
                                               const EngineConfig&)>
      open_engine = make_engine;
  // One operation in this many is timed (at random gaps); 1 times every one; 0 chooses from
  // what reading the clock costs (auto_sample_every). Throughput never depends on it.
  std::uint32_t latency_sample_every = 0;
  double interval_seconds = 1.0;  // the time series' interval
};

// Throws SpecError when `spec` cannot run with options.meter (a counted run needs count phases
// and one thread). Call before anything runs.
void check_meter(const Spec& spec, Meter meter);

// Throws std::invalid_argument for an engine configuration that cannot be parsed, and SpecError
// when a phase of `spec` writes values larger than an engine of `engines` stores. Call before
// anything runs.
void check_engines(const Spec& spec, const std::vector<std::string>& engines);

// Throws CorrectnessError when an engine returns wrong values: the run is void, a wrong engine
// is never reported as a fast one. Engine failures propagate as the engine's exceptions. Every
// engine configuration is opened once before anything runs: a bad option throws
// std::invalid_argument then.
report::Report run_workload(const Spec& spec, const RunOptions& options, Progress& progress);

}  // namespace heapstore::workload
