// `heapstore ab`: same-machine A/B of two builds. Both builds run the same workload (same seed)
// in alternating order, base-head then head-base (ABBA), --repetitions each on a fresh store,
// so slow drifts of the machine fall on both sides alike; the paired comparison (paired.h) then
// works on the per-round ratios. While a gated metric is inconclusive, --rounds more rounds run,
// up to --max-rounds.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "compare.h"
#include "paired.h"
#include "process.h"
#include "spec.h"

namespace heapstore::workload {
namespace {

namespace fs = std::filesystem;

struct Side {
  std::string name;  // "base" or "head"
  std::string binary;
  std::vector<report::Report> rounds;
};

void check_binary(const std::string& path, const char* option) {
  if (path.empty() || ::access(path.c_str(), X_OK) != 0 || fs::is_directory(path))
    throw CommandError(kExitUnusable,
                       std::string(option) + ": " + path + " is not an executable heapstore build");
}

// One run of one build: its report, or CommandError (exit 3) naming the build and round.
report::Report run_side(const Side& side, const AbArgs& args, const std::string& dir,
                        std::uint32_t round) {
  const std::string out = dir + "/" + side.name + "-" + std::to_string(round + 1) + ".json";
  std::vector<std::string> command = {
      side.binary, "run",   args.workload, "--repetitions", std::to_string(args.repetitions),
      "--quiet",   "--out", out,           "--engine"};
  std::string engines;
  for (const std::string& e : args.engines) engines += (engines.empty() ? "" : ",") + e;
  command.push_back(engines);
  for (const std::string& set : args.sets) command.insert(command.end(), {"--set", set});
  ProcessOptions quiet;
  quiet.quiet_stdout = true;  // the tables: the rounds' reports are what is read
  const int status = run_program(command, quiet);
  const std::string who = "the " + side.name + " build (" + side.binary + ")";
  const std::string where = " in round " + std::to_string(round + 1);
  if (status == kExitWrongOrRegression && side.name == "head")
    throw CommandError(kExitWrongOrRegression, who + " returned wrong results" + where);
  if (status == kExitUnusable)
    throw CommandError(kExitUnusable, who + " refused the workload or its options" + where);
  if (status != 0)
    throw CommandError(kExitEngineFailure,
                       who + " failed" + where + " with exit status " + std::to_string(status));
  try {
    return report::read_report(out);
  } catch (const report::ReportError& e) {  // e.g. a base from before heapstore-report/2
    throw CommandError(kExitUnusable, who + " wrote a report this tool cannot read (" + e.what() +
                                          "); is it older than heapstore ab?");
  }
}

// Round r runs base first when r is even, head first when odd: A B, B A, A B, ...
void run_round(Side& base, Side& head, const AbArgs& args, const std::string& dir,
               std::uint32_t round) {
  const auto start = std::chrono::steady_clock::now();
  Side& first = round % 2 == 0 ? base : head;
  Side& second = round % 2 == 0 ? head : base;
  first.rounds.push_back(run_side(first, args, dir, round));
  second.rounds.push_back(run_side(second, args, dir, round));
  if (!args.quiet) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "ab: round %u (%s first) done in %.1f s\n", round + 1, first.name.c_str(),
                 seconds);
  }
}

// Where the rounds' reports go: --out-dir (kept), or a temporary directory (removed).
std::string round_dir(const AbArgs& args, bool& made) {
  made = args.out_dir.empty();
  try {
    if (made) return make_temp_dir("heapstore-ab");
  } catch (const std::runtime_error& e) {
    throw CommandError(kExitUnusable, e.what());
  }
  check_writable_file(args.out_dir + "/base-1.json", "--out-dir");
  return args.out_dir;
}

}  // namespace

int ab_command(const AbArgs& args) {
  check_binary(args.base_binary, "--base");
  check_binary(args.head_binary, "--head");
  load_spec(args.workload, args.sets);  // a bad file or --set: exit 2 before anything runs
  if (args.rounds < 2 || args.max_rounds < args.rounds || args.rounds % 2 || args.max_rounds % 2)
    throw CommandError(kExitUnusable,
                       "--rounds and --max-rounds count ABBA pairs: even numbers, 2 <= "
                       "--rounds <= --max-rounds");
  report::PairedOptions options;
  options.fail_above = parse_percent(args.fail_above, "--fail-above");
  options.warn_above = parse_percent(args.warn_above, "--warn-above");
  options.judge_latency = args.judge_latency;
  if (options.warn_above > options.fail_above)
    throw CommandError(kExitUnusable, "--warn-above is larger than --fail-above");
  if (!args.markdown.empty()) check_writable_file(args.markdown, "--markdown");
  if (!args.json.empty()) check_writable_file(args.json, "--json");
  bool made = false;
  const std::string dir = round_dir(args, made);
  const RemoveOnExit cleanup(made ? dir : "");
  Side base{"base", args.base_binary, {}}, head{"head", args.head_binary, {}};
  report::Comparison result;
  // Judged after --rounds rounds, then after each further --rounds (capped): few looks at the
  // data, so stopping early barely raises the chance of a false verdict.
  for (std::uint32_t round = 0, next_look = args.rounds;; ++round) {
    run_round(base, head, args, dir, round);
    const std::uint32_t done = round + 1;
    if (done < next_look) continue;
    result = report::compare_paired(base.rounds, head.rounds, options);
    if (!report::needs_more_rounds(result) || done >= args.max_rounds) break;
    next_look = std::min(args.max_rounds, done + args.rounds);
    if (!args.quiet)
      std::fprintf(stderr, "ab: inconclusive after %u rounds; up to %u more (cap %u)\n", done,
                   next_look - done, args.max_rounds);
  }
  write_comparison(result, base.rounds[0], head.rounds[0], args.markdown, args.json);
  return result.exit_code();
}

}  // namespace heapstore::workload
