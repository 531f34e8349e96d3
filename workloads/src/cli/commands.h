// The heapstore tool's subcommands, each one function called by main.cc once CLI11 has parsed
// its arguments. A command returns the tool's exit status or throws: SpecError and ReportError
// (exit 2), CorrectnessError (1), anything else (3); CommandError carries its own status.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "compare.h"

namespace heapstore::workload {

// The tool's exit statuses (README, "Exit status").
inline constexpr int kExitOk = 0;
inline constexpr int kExitWrongOrRegression = 1;  // wrong results, a regression, damage found
inline constexpr int kExitUnusable = 2;           // unusable input: files, arguments, options
inline constexpr int kExitEngineFailure = 3;      // an engine or I/O failure during a run

// A failure with a one-line message and the exit status it means.
class CommandError : public std::runtime_error {
 public:
  CommandError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct RunArgs {
  std::vector<std::string> workloads;
  std::vector<std::string> engines;  // empty: each workload's `engines`, else heapstore
  std::string out;
  std::string out_dir = "reports/latest";
  std::string data_dir;  // empty: a new directory under $TMPDIR for this run only
  std::vector<std::string> sets;
  std::optional<std::uint32_t> repetitions;
  std::optional<std::uint64_t> seed;
  std::string markdown;
  std::string html;  // one page for all the run's workloads, as markdown
  std::string meter = "time";
  std::string latency = "auto";  // "auto", "every" or N: one operation in N is timed
  double interval = 1.0;         // seconds per point of the time series
  bool keep_data = false;
  bool quiet = false;
};

// `heapstore run`. `argc`/`argv` are the tool's own: a counted run starts the tool again under
// Callgrind with them.
int run_command(const RunArgs& args, const std::string& command_line, int argc, char** argv);

struct CompareArgs {
  std::string baseline, candidate, markdown, json, html;
  std::string fail_above = "10%", warn_above = "5%";
};

// `heapstore compare`: 0 pass or improved, 1 a regression, 2 unusable input.
int compare_command(const CompareArgs& args);

struct ReportArgs {
  std::string report, markdown, html;
};

// `heapstore report`: a saved report's table on standard output, and its Markdown and HTML
// files when their paths are not empty. 0 success, 2 an unusable report or output path.
int report_command(const ReportArgs& args);

struct ExportArgs {
  std::string report, format, out;
};

// `heapstore export`: a report in another tool's format, to `out` or standard output.
int export_command(const ExportArgs& args);

struct AbArgs {
  std::string base_binary, head_binary, workload;
  std::vector<std::string> sets;
  std::vector<std::string> engines{"heapstore"};
  std::uint32_t rounds = 20;       // paired rounds before the first verdict, and between looks
  std::uint32_t max_rounds = 100;  // while inconclusive, more rounds up to this
  std::uint32_t repetitions = 1;   // per build and round; the round's value is their median
  std::string fail_above = "5%", warn_above = "2%";
  std::string markdown, json, out_dir;
  bool judge_latency = false;  // judge a phase by its p50 where resolved (PairedOptions)
  bool quiet = false;
};

// `heapstore ab`: the same workload with two builds of the tool, alternating base and head
// (ABBA), each round on a fresh store; a paired comparison over rounds. 0 pass or improved,
// 1 a regression, 2 unusable input, 3 a build failed to run.
int ab_command(const AbArgs& args);

// Helpers the commands share.

// "10%" or "10" -> 0.10; throws CommandError (exit 2) naming `option` otherwise.
double parse_percent(const std::string& text, const char* option);

// Throws CommandError (exit 2) naming `option` unless a file can be written at `path` (its
// directory exists or can be made, and is writable). Creates that directory.
void check_writable_file(const std::string& path, const char* option);

// Writes `text` to `path` (nothing when `path` is empty); CommandError (exit 3) on failure.
void write_text(const std::string& path, const std::string& text);

// The comparison's text table on stdout, and its Markdown and JSON files when their paths are
// not empty: what compare and ab both print and write.
void write_comparison(const report::Comparison& comparison, const report::Report& baseline,
                      const report::Report& candidate, const std::string& markdown,
                      const std::string& json);

}  // namespace heapstore::workload
