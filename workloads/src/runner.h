// Runs a workload against engines and returns the report: for each engine and repetition, a
// fresh store; phase by phase, every operation timed; results checked as the run goes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "phase_worker.h"
#include "progress.h"
#include "report.h"
#include "spec.h"

namespace heapstore::workload {

struct RunOptions {
  std::vector<std::string> engines{"heapstore"};
  // Each engine and repetition gets <data_dir>/<workload>/<engine>-<repetition>, emptied
  // before and removed after (unless keep_data).
  std::string data_dir = "/tmp/heapstore-run";
  bool keep_data = false;
  std::uint32_t verify_every = 64;     // one get in this many is compared byte for byte
  std::uint32_t verify_sample = 1000;  // values compared after each repetition
  std::string command_line;            // recorded in the report
  // Opens an engine by name; make_engine unless a test substitutes its own.
  std::function<std::unique_ptr<EngineAdapter>(std::string_view, const std::string&,
                                               const EngineConfig&)>
      open_engine = make_engine;
};

// Throws CorrectnessError when an engine returns wrong values: the run is void, a wrong engine
// is never reported as a fast one. Engine failures propagate as the engine's exceptions.
report::Report run_workload(const Spec& spec, const RunOptions& options, Progress& progress);

}  // namespace heapstore::workload
