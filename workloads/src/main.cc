// heapstore: run storage-engine workloads, write reports, compare them with a baseline.
//
// Exit status: 0 success; 1 a correctness failure (run) or a regression (compare); 2 unusable
// input (a bad workload file, report or argument); 3 an engine or I/O failure during a run.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>

#include "compare.h"
#include "heapstore/error.h"
#include "render.h"
#include "runner.h"
#include "store_tools.h"

namespace hw = heapstore::workload;
namespace hr = heapstore::report;

namespace {

constexpr int kCorrectness = 1, kUnusable = 2, kEngineFailure = 3;

struct RunArgs {
  std::vector<std::string> workloads;
  std::vector<std::string> engines{"heapstore"};
  std::string out;
  std::string out_dir = "reports/latest";
  std::string data_dir;
  std::vector<std::string> sets;
  std::optional<std::uint32_t> repetitions;
  std::optional<std::uint64_t> seed;
  std::string markdown;
  bool keep_data = false;
  bool quiet = false;
};

struct CompareArgs {
  std::string baseline, candidate, markdown;
  std::string fail_above = "10%", warn_above = "5%";
};

[[noreturn]] void die(int status, const std::string& message) {
  std::fprintf(stderr, "heapstore: %s\n", message.c_str());
  std::exit(status);
}

// "10%" or "10" → 0.10.
double percent(const std::string& text, const char* option) {
  try {
    std::size_t used = 0;
    double v = std::stod(text, &used);
    std::string rest = text.substr(used);
    if ((rest.empty() || rest == "%") && v >= 0 && v < 1000) return v / 100;
  } catch (const std::exception&) {
  }
  die(kUnusable, std::string(option) + ": '" + text + "' is not a percentage such as 10%");
}

void write_text(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ofstream out(path);
  out << text;
  if (!out) die(kUnusable, "cannot write " + path);
}

std::string default_data_dir() {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp && *tmp ? tmp : "/tmp") + "/heapstore-run";
}

int run(const RunArgs& args, const std::string& command_line) {
  if (!args.out.empty() && args.workloads.size() > 1)
    die(kUnusable, "--out names one report file; with several workloads use --out-dir");
  const std::vector<std::string> known = hw::engine_names();
  for (const std::string& e : args.engines)
    if (std::find(known.begin(), known.end(), e) == known.end())
      die(kUnusable, "--engine: unknown engine '" + e + "' (known: heapstore, sqlite)");
  std::vector<std::string> sets = args.sets;
  if (args.seed) sets.push_back("seed=" + std::to_string(*args.seed));
  if (args.repetitions) sets.push_back("repetitions=" + std::to_string(*args.repetitions));
  std::vector<hw::Spec> specs;  // all validated before anything runs
  for (const std::string& path : args.workloads) specs.push_back(hw::load_spec(path, sets));

  hw::Progress progress(stderr, ::isatty(STDERR_FILENO) != 0, args.quiet);
  hw::RunOptions options{args.engines,   args.data_dir.empty() ? default_data_dir() : args.data_dir,
                         args.keep_data, 64,
                         1000,           command_line};
  std::string markdown;
  for (const hw::Spec& spec : specs) {
    progress.note("workload " + spec.name + " (" + spec.source + "): seed " +
                  std::to_string(spec.seed) + ", " + std::to_string(spec.repetitions) +
                  " repetition(s), engines " + CLI::detail::join(args.engines, ","));
    hr::Report report = hw::run_workload(spec, options, progress);
    std::string path = args.out.empty() ? args.out_dir + "/" + spec.name + ".json" : args.out;
    hr::write_report(report, path);
    std::cout << "\n"
              << spec.name << " (seed " << spec.seed << ")\n"
              << hr::render_run_table(report);
    progress.note("report written to " + path);
    markdown += "### " + spec.name + "\n\n" + hr::render_run_markdown(report) + "\n";
  }
  write_text(args.markdown, markdown);
  return 0;
}

int compare(const CompareArgs& args) {
  hr::Thresholds t;
  t.fail_above = percent(args.fail_above, "--fail-above");
  t.warn_above = percent(args.warn_above, "--warn-above");
  if (t.warn_above > t.fail_above) die(kUnusable, "--warn-above is larger than --fail-above");
  hr::Report baseline = hr::read_report(args.baseline);
  hr::Report candidate = hr::read_report(args.candidate);
  hr::Comparison result = hr::compare(baseline, candidate, t);
  std::cout << hr::render_text(result);
  write_text(args.markdown, hr::render_markdown(result, baseline, candidate));
  return result.exit_code();
}

void add_run(CLI::App& app, RunArgs& a, int& status, const std::string& command_line) {
  auto* run_cmd = app.add_subcommand("run",
                                     "Run workload files against engines; write a JSON "
                                     "report per workload and print a table");
  run_cmd->add_option("WORKLOAD", a.workloads, "Workload files (YAML or JSON)")->required();
  run_cmd->add_option("--engine", a.engines, "Engines, comma-separated: heapstore, sqlite")
      ->delimiter(',')
      ->capture_default_str();
  run_cmd->add_option("--out", a.out, "Report file (one workload only)");
  run_cmd->add_option("--out-dir", a.out_dir, "Directory for <workload name>.json reports")
      ->capture_default_str();
  run_cmd->add_option("--data-dir", a.data_dir,
                      "Where engines store data (default $TMPDIR/heapstore-run)");
  run_cmd->add_option("--set", a.sets, "Override a workload key: --set phases.load.count=1000");
  run_cmd->add_option("--repetitions", a.repetitions, "Override the workload's repetitions")
      ->check(CLI::Range(1, 1000));
  run_cmd->add_option("--seed", a.seed, "Override the workload's seed");
  run_cmd->add_option("--markdown", a.markdown, "Also write the tables as Markdown to this file");
  run_cmd->add_flag("--keep-data", a.keep_data, "Keep each repetition's data directory");
  run_cmd->add_flag("-q,--quiet", a.quiet, "Print no progress lines");
  run_cmd->callback([&] { status = run(a, command_line); });
}

void add_compare(CLI::App& app, CompareArgs& a, int& status) {
  auto* cmp = app.add_subcommand(
      "compare",
      "Compare a candidate report with a baseline: exit 0 pass, 1 regression, 2 unusable");
  cmp->add_option("BASELINE", a.baseline, "Baseline report (JSON)")->required();
  cmp->add_option("CANDIDATE", a.candidate, "Candidate report (JSON)")->required();
  cmp->add_option("--fail-above", a.fail_above, "Fail when surely worse by more than this")
      ->capture_default_str();
  cmp->add_option("--warn-above", a.warn_above, "Warn when worse by more than this")
      ->capture_default_str();
  cmp->add_option("--markdown", a.markdown, "Write a Markdown summary to this file");
  cmp->callback([&] { status = compare(a); });
}

struct StoreArgs {
  std::string dir;
  std::uint32_t container = 0;
  std::optional<std::uint32_t> page;
  bool hex = false;
};

void add_store_tools(CLI::App& app, StoreArgs& a, int& status) {
  auto* check =
      app.add_subcommand("check",
                         "Check a store without changing it: catalog, every page, free space. "
                         "Exit 0 clean, 1 damage found, 2 unusable arguments");
  check->add_option("DIR", a.dir, "Store directory")->required();
  check->callback([&] { status = hw::check_command(a.dir, std::cout); });
  auto* inspect = app.add_subcommand(
      "inspect", "Print a container's pages, or one page's header, slots and bytes");
  inspect->add_option("DIR", a.dir, "Store directory")->required();
  inspect->add_option("--container", a.container, "Container id")->required();
  inspect->add_option("--page", a.page, "Page number (default: a line per page)");
  inspect->add_flag("--hex", a.hex, "With --page: also a hex dump of the page");
  inspect->callback(
      [&] { status = hw::inspect_command(a.dir, a.container, a.page, a.hex, std::cout); });
}

}  // namespace

int main(int argc, char** argv) {
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  CLI::App app{
      "heapstore: run storage-engine workloads, write reports, compare them.\n"
      "Exit status: 0 success, 1 wrong results or a regression, 2 unusable input, "
      "3 engine failure."};
  app.require_subcommand(1);
  RunArgs run_args;
  CompareArgs compare_args;
  int status = 0;
  add_run(app, run_args, status, command_line);
  add_compare(app, compare_args, status);
  StoreArgs store_args;
  add_store_tools(app, store_args, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    die(kUnusable, std::string(e.what()) + " (see heapstore --help)");
  } catch (const hw::SpecError& e) {
    die(kUnusable, e.what());
  } catch (const hr::ReportError& e) {
    die(kUnusable, e.what());
  } catch (const heapstore::Error& e) {  // check and inspect: no store, no such container
    die(e.code() == heapstore::ErrorCode::kCorruption ? kCorrectness : kUnusable, e.what());
  } catch (const hw::CorrectnessError& e) {
    die(kCorrectness, std::string("wrong result: ") + e.what());
  } catch (const std::bad_alloc&) {
    die(kEngineFailure, "out of memory (a phase holding more values than this machine can track?)");
  } catch (const std::exception& e) {
    die(kEngineFailure, e.what());
  }
  return status;
}
