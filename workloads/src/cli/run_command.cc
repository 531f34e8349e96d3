// `heapstore run`: validate everything first (workload files, engines, output paths, data
// directory), then run each workload and write its report; a counted run first starts the tool
// again under Callgrind (meter.h).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>

#include "commands.h"
#include "heapstore/error.h"
#include "html.h"
#include "process.h"
#include "render.h"
#include "runner.h"

namespace heapstore::workload {
namespace {

namespace fs = std::filesystem;

std::vector<EngineChoice> engine_choices_of(const std::vector<std::string>& engines) {
  try {
    return parse_engine_choices(engines);
  } catch (const std::invalid_argument& e) {
    throw CommandError(kExitUnusable, std::string("--engine: ") + e.what());
  }
}

// --latency: "auto" (0: the runner chooses), "every" (1) or a number of operations per timed one.
std::uint32_t latency_of(const RunArgs& args) {
  if (args.latency == "auto") return 0;
  if (args.latency == "every") return 1;
  std::uint32_t every = 0;
  const char* end = args.latency.data() + args.latency.size();
  auto [ptr, error] = std::from_chars(args.latency.data(), end, every);
  if (error != std::errc() || ptr != end || every == 0)
    throw CommandError(
        kExitUnusable,
        "--latency: expected auto, every or a positive number, got '" + args.latency + "'");
  return every;
}

// What a workload runs on: --engine, else the file's `engines`, else heapstore.
std::vector<std::string> engines_for(const RunArgs& args, const Spec& spec) {
  if (!args.engines.empty()) return args.engines;
  if (!spec.engines.empty()) return spec.engines;
  return {"heapstore"};
}

std::vector<Spec> load_specs(const RunArgs& args, Meter meter) {
  std::vector<std::string> sets = args.sets;
  if (args.seed) sets.push_back("seed=" + std::to_string(*args.seed));
  if (args.repetitions) sets.push_back("repetitions=" + std::to_string(*args.repetitions));
  std::vector<Spec> specs;
  for (const std::string& path : args.workloads) {
    specs.push_back(load_spec(path, sets));
    check_meter(specs.back(), meter);
    check_engines(specs.back(), engines_for(args, specs.back()));
  }
  return specs;
}

// One name per workload of the run: its own, or with "-2", "-3" when an earlier workload has it,
// so that no report or kept data overwrites another's.
std::vector<std::string> unique_names(const std::vector<Spec>& specs) {
  std::vector<std::string> names;
  std::set<std::string> used;
  for (const Spec& spec : specs) {
    std::string name = spec.name;
    for (int n = 2; used.contains(name); ++n) name = spec.name + "-" + std::to_string(n);
    used.insert(name);
    names.push_back(name);
  }
  return names;
}

std::vector<std::string> report_paths(const RunArgs& args, const std::vector<std::string>& names) {
  if (!args.out.empty()) return {args.out};
  std::vector<std::string> paths;
  for (const std::string& name : names)
    paths.push_back((fs::path(args.out_dir) / (name + ".json")).string());
  return paths;
}

// The directory the engines store data in: --data-dir (made if missing), or a new one under
// $TMPDIR that no other run shares. Throws CommandError (exit 2) naming the option.
std::string data_dir_of(const RunArgs& args, bool& made) {
  made = args.data_dir.empty();
  if (made) {
    try {
      return make_temp_dir("heapstore-run");
    } catch (const std::runtime_error& e) {
      throw CommandError(kExitUnusable, std::string(e.what()) + " (give --data-dir)");
    }
  }
  std::error_code error;
  fs::create_directories(args.data_dir, error);
  if (error || !fs::is_directory(args.data_dir) || ::access(args.data_dir.c_str(), W_OK) != 0)
    throw CommandError(kExitUnusable,
                       "--data-dir: cannot use " + args.data_dir + ": " +
                           (error ? error.message() : std::string("not a writable directory")));
  return args.data_dir;
}

void check_outputs(const RunArgs& args, const std::vector<std::string>& paths) {
  for (const std::string& path : paths)
    check_writable_file(path, args.out.empty() ? "--out-dir" : "--out");
  if (!args.markdown.empty()) check_writable_file(args.markdown, "--markdown");
  if (!args.html.empty()) check_writable_file(args.html, "--html");
}

report::Report run_one(const Spec& spec, const RunOptions& options, Progress& progress) {
  try {
    return run_workload(spec, options, progress);
  } catch (const Error& e) {  // the engine's own failures (disk full, I/O error): not input
    throw CommandError(kExitEngineFailure, std::string("workload ") + spec.name + ": " + e.what());
  } catch (const fs::filesystem_error& e) {
    throw CommandError(kExitEngineFailure, std::string("workload ") + spec.name + ": " + e.what());
  } catch (const std::invalid_argument& e) {  // an engine refused an option of --engine
    throw CommandError(kExitUnusable, std::string("--engine: ") + e.what());
  }
}

}  // namespace

namespace {

Meter meter_of(const RunArgs& args) {
  try {
    return parse_meter(args.meter);
  } catch (const std::invalid_argument& e) {
    throw CommandError(kExitUnusable, e.what());
  }
}

// A counted run not yet under Callgrind: the same command again, under it.
int relaunch_counted(int argc, char** argv) {
  if (running_under_valgrind())
    throw CommandError(kExitUnusable,
                       "--meter instructions starts valgrind itself; run heapstore without it");
  try {
    return run_under_callgrind(argc, argv);
  } catch (const std::runtime_error& e) {
    throw CommandError(kExitUnusable, e.what());
  }
}

// One workload of the run: its report written to `path` and returned, its table printed.
// `name` is the workload's name made unique in this run.
report::Report run_and_write(const Spec& spec, const std::string& name, const std::string& path,
                             const RunOptions& base, Progress& progress) {
  progress.note("workload " + spec.name + " (" + spec.source + "): seed " +
                std::to_string(spec.seed) + ", " + std::to_string(spec.repetitions) +
                " repetition(s), engines " + CLI::detail::join(base.engines, ",") +
                (base.meter == Meter::kInstructions ? ", counted under Callgrind" : ""));
  // The runner stores under <data dir>/<workload name>/; a repeated name gets its own parent.
  RunOptions options = base;
  if (name != spec.name) options.data_dir = (fs::path(base.data_dir) / name).string();
  const report::Report report = run_one(spec, options, progress);
  report::write_report(report, path);
  std::cout << "\n"
            << spec.name << " (seed " << spec.seed << ")\n"
            << report::render_run_table(report);
  progress.note("report written to " + path);
  return report;
}

}  // namespace

int run_command(const RunArgs& args, const std::string& command_line, int argc, char** argv) {
  if (!args.out.empty() && args.workloads.size() > 1)
    throw CommandError(kExitUnusable,
                       "--out names one report file; with several workloads use --out-dir");
  engine_choices_of(args.engines);  // a bad --engine is named before the workloads load
  const Meter meter = meter_of(args);
  const std::vector<Spec> specs = load_specs(args, meter);  // all validated before anything runs
  const std::vector<std::string> names = unique_names(specs);
  const std::vector<std::string> paths = report_paths(args, names);
  check_outputs(args, paths);
  if (meter == Meter::kInstructions && !counting_under_callgrind())
    return relaunch_counted(argc, argv);
  bool made = false;
  const std::string data_dir = data_dir_of(args, made);
  const RemoveOnExit cleanup(made && !args.keep_data ? data_dir : "");
  Progress progress(stderr, ::isatty(STDERR_FILENO) != 0, args.quiet);
  RunOptions options{args.engines, data_dir, args.keep_data, 64, 1000, command_line, meter};
  options.latency_sample_every = latency_of(args);
  options.interval_seconds = args.interval;
  std::vector<report::Report> reports;  // for the Markdown and HTML files: all workloads in one
  std::string markdown;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    options.engines = engines_for(args, specs[i]);
    reports.push_back(run_and_write(specs[i], names[i], paths[i], options, progress));
    markdown +=
        "### " + specs[i].name + "\n\n" + report::render_run_markdown(reports.back()) + "\n";
  }
  if (args.keep_data) progress.note("data kept in " + data_dir);
  write_text(args.markdown, markdown);
  if (!args.html.empty()) write_text(args.html, report::render_runs_html(reports));
  return kExitOk;
}

}  // namespace heapstore::workload
