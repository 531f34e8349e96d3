// Counted mode (`heapstore run --meter instructions`): the engine's work measured as instructions
// and estimated cycles under Valgrind's Callgrind, which the same build and workload repeat
// exactly on a busy or a quiet machine, where durations do not.
//
// How: the tool starts itself under `valgrind --tool=callgrind --collect-atstart=no` with a fixed
// simulated cache (so the counts do not depend on the host's caches) and address-space
// randomisation off. Each engine call goes through CountedEngine, which switches collection on
// around the call only (callgrind.h client requests), so the harness's own work is not counted.
// After each phase the runner dumps the counters (one Callgrind file per phase) and reads them
// back: the phase total, and per operation the inclusive cost of CountedEngine's method.
//
// Estimated cycles use KCachegrind's "cycle estimation" (CEst) without branch simulation:
//   estimated_cycles = Ir + 10 * L1m + 100 * LLm
//   L1m = I1mr + D1mr + D1mw   (first-level misses, instruction and data)
//   LLm = ILmr + DLmr + DLmw   (last-level misses)
// (KCachegrind's GlobalConfig::knownFormula; Josef Weidendorfer, its author, describes it as a
// rough estimate, so instructions stay the primary count.) System calls are not counted: the time
// a phase spends in pread, pwrite or fsync is invisible here; I/O-bound phases are gated by the
// same-machine A/B mode of ci/perf-gate.sh instead.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine_adapter.h"
#include "report.h"

namespace heapstore::workload {

enum class Meter { kTime, kInstructions };

// "time" or "instructions"; parse_meter throws std::invalid_argument for another word.
std::string_view to_string(Meter meter);
Meter parse_meter(std::string_view word);

// The Callgrind events a dump holds (the cache simulation's); all 0 when absent.
struct Events {
  std::uint64_t ir = 0, i1mr = 0, d1mr = 0, d1mw = 0, ilmr = 0, dlmr = 0, dlmw = 0;
  std::uint64_t estimated_cycles() const;  // the formula at the top of this file
  Events& operator+=(const Events& other);
};

// One Callgrind dump: its total, and per operation (insert, get, ..., end_phase) the calls made
// to CountedEngine and their inclusive cost.
struct CountedPhase {
  Events total;
  struct PerOp {
    std::uint64_t calls = 0;
    Events events;
  };
  std::map<std::string, PerOp> per_op;
};

// Parses a Callgrind output file ("callgrind format" version 1, with name compression).
// Throws std::runtime_error naming `source` when it is not one.
CountedPhase parse_callgrind(std::istream& in, const std::string& source);

// Adds "instructions", "estimated_cycles" and per operation "instructions.<op>.per_op" and
// "estimated_cycles.<op>.per_op" to `metrics`.
void add_counted_metrics(report::Metrics& metrics, const CountedPhase& counts);

// True when this process runs under Valgrind (any tool).
bool running_under_valgrind();

// In the process that the tool started under Callgrind: true (HEAPSTORE_CALLGRIND_OUT is set).
bool counting_under_callgrind();

// Runs this same program (`argv`) under Callgrind with the options above, waits for it, and
// returns its exit status. Throws std::runtime_error with a one-line message when valgrind is
// not on PATH or cannot be started.
int run_under_callgrind(int argc, char** argv);

// "valgrind-3.19.0": the version of the valgrind on PATH (empty when there is none).
std::string valgrind_version();

// Wraps `engine` so that only its calls are counted. Use only in counting_under_callgrind().
std::unique_ptr<EngineAdapter> counted(std::unique_ptr<EngineAdapter> engine);

// Discards what was collected so far (e.g. by the checks after the previous repetition).
void zero_counts();

// Dumps the counters collected since the last dump into the next Callgrind file and returns its
// path. Call between phases, never while an engine call runs. Read the files (read_counts) only
// when every counted phase has run: parsing allocates as much as the file is long (its pid and
// timings vary), and that would move the engine's later allocations between runs and change
// their cache behaviour.
std::string dump_counts(const std::string& phase);

// Reads a file dump_counts() wrote. Throws std::runtime_error naming it.
CountedPhase read_counts(const std::string& path);

}  // namespace heapstore::workload
