// heapstore: run storage-engine workloads, write reports, compare them with a baseline.
//
// Exit status: 0 success; 1 a correctness failure (run) or a regression (compare, ab); 2 unusable
// input (a bad workload file, report or argument); 3 an engine or I/O failure during a run.
// The commands themselves are in commands.h; this file is the command line.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <new>

#include "commands.h"
#include "engine_adapter.h"
#include "export.h"
#include "heapstore/error.h"
#include "phase_worker.h"
#include "report.h"
#include "spec.h"
#include "store_tools.h"
#include "system_info.h"

namespace hw = heapstore::workload;
namespace hr = heapstore::report;

namespace {

using hw::AbArgs;
using hw::CompareArgs;
using hw::ExportArgs;
using hw::ReportArgs;
using hw::RunArgs;

[[noreturn]] void die(int status, const std::string& message) {
  std::fprintf(stderr, "heapstore: %s\n", message.c_str());
  std::exit(status);
}

void add_run(CLI::App& app, RunArgs& a, int& status, const std::string& command_line, int argc,
             char** argv) {
  auto* run_cmd = app.add_subcommand("run",
                                     "Run workload files against engines; write a JSON "
                                     "report per workload and print a table");
  run_cmd->add_option("WORKLOAD", a.workloads, "Workload files (YAML or JSON)")->required();
  run_cmd
      ->add_option("--engine", a.engines,
                   "Engine configurations, comma-separated, each ENGINE[:KEY=VALUE]...[@LABEL] "
                   "(e.g. sqlite:journal_mode=DELETE@sqlite-rollback; every engine takes "
                   "buffer_pool_mib and sync). Default: the workload's `engines`, else heapstore. "
                   "Engines: " +
                       CLI::detail::join(hw::engine_names(), ", "))
      ->delimiter(',');
  run_cmd
      ->add_option("--latency", a.latency,
                   "Which operations are timed one by one: auto (a random sample sized so that "
                   "timing costs under 1% of a 20 ns operation), every, or N (one in N on "
                   "average). Throughput is always measured over the whole phase")
      ->capture_default_str();
  run_cmd->add_option("--interval", a.interval, "Seconds per point of each phase's time series")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  run_cmd->add_option("--out", a.out, "Report file (one workload only)");
  run_cmd->add_option("--out-dir", a.out_dir, "Directory for <workload name>.json reports")
      ->capture_default_str();
  run_cmd->add_option("--data-dir", a.data_dir,
                      "Where engines store data (default: a new directory under $TMPDIR for "
                      "this run only, removed afterwards)");
  run_cmd
      ->add_option("--meter", a.meter,
                   "time: rates and latencies by the clock; instructions: each phase's engine "
                   "calls counted under Valgrind's Callgrind (deterministic; needs valgrind)")
      ->check(CLI::IsMember({std::string(hr::kMeterTime), std::string(hr::kMeterInstructions)}))
      ->capture_default_str();
  run_cmd->add_option("--set", a.sets, "Override a workload key: --set phases.load.count=1000");
  run_cmd->add_option("--repetitions", a.repetitions, "Override the workload's repetitions")
      ->check(CLI::Range(1, 1000));
  run_cmd->add_option("--seed", a.seed, "Override the workload's seed");
  run_cmd->add_option("--markdown", a.markdown, "Also write the tables as Markdown to this file");
  run_cmd->add_option("--html", a.html,
                      "Also write an HTML page with charts (self-contained) to this file");
  run_cmd->add_flag("--keep-data", a.keep_data, "Keep each repetition's data directory");
  run_cmd->add_flag("-q,--quiet", a.quiet, "Print no progress lines");
  run_cmd->callback([&, argc, argv] { status = hw::run_command(a, command_line, argc, argv); });
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
  cmp->add_option("--json", a.json,
                  "Write the comparison as JSON (reports/schema/comparison.schema.json)");
  cmp->add_option("--html", a.html, "Write the comparison as an HTML page with a chart");
  cmp->callback([&] { status = hw::compare_command(a); });
}

void add_report(CLI::App& app, ReportArgs& a, int& status) {
  auto* cmd = app.add_subcommand(
      "report",
      "Render a saved report: its table on stdout, Markdown and HTML files on request. Exit 0 "
      "success, 2 unusable input, 3 a file could not be written");
  cmd->add_option("REPORT", a.report, "Report (JSON) from heapstore run")->required();
  cmd->add_option("--markdown", a.markdown, "Write the table as Markdown to this file");
  cmd->add_option("--html", a.html, "Write an HTML page with charts (self-contained) to this file");
  cmd->callback([&] { status = hw::report_command(a); });
}

void add_export(CLI::App& app, ExportArgs& a, int& status) {
  std::string formats;
  for (std::string_view f : hr::export_formats())
    formats += (formats.empty() ? "" : ", ") + std::string(f);
  auto* cmd =
      app.add_subcommand("export", "Write a report in another tool's format (" + formats + ")");
  cmd->add_option("REPORT", a.report, "Report (JSON) from heapstore run")->required();
  cmd->add_option("--format", a.format, "One of: " + formats)->required();
  cmd->add_option("--out", a.out, "Output file (default: standard output)");
  cmd->callback([&] { status = hw::export_command(a); });
}

void add_ab(CLI::App& app, AbArgs& a, int& status) {
  auto* cmd = app.add_subcommand(
      "ab",
      "Same-machine A/B: run a workload with two builds alternately (ABBA), compare the paired "
      "rounds. Exit 0 pass or improved, 1 regression, 2 unusable input, 3 a build failed");
  cmd->add_option("WORKLOAD", a.workload, "Workload file (YAML or JSON)")->required();
  cmd->add_option("--base", a.base_binary, "The baseline build's heapstore binary")->required();
  cmd->add_option("--head", a.head_binary, "The candidate build's heapstore binary")->required();
  cmd->add_option("--set", a.sets, "Override a workload key (passed to both builds)");
  cmd->add_option("--engine", a.engines, "Engines, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--rounds", a.rounds,
                  "Paired rounds before the first verdict, and between later looks (even)")
      ->capture_default_str();
  cmd->add_option("--max-rounds", a.max_rounds, "While inconclusive, more rounds up to this")
      ->capture_default_str();
  cmd->add_option("--repetitions", a.repetitions,
                  "Repetitions of each build per round; a round's value is their median")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--fail-above", a.fail_above, "Fail when surely worse by more than this")
      ->capture_default_str();
  cmd->add_option("--warn-above", a.warn_above, "Warn when worse by more than this")
      ->capture_default_str();
  cmd->add_option("--markdown", a.markdown, "Write a Markdown summary to this file");
  cmd->add_option("--json", a.json, "Write the comparison as JSON to this file");
  cmd->add_option("--out-dir", a.out_dir, "Keep each round's reports in this directory");
  cmd->add_flag(
      "--judge-latency", a.judge_latency,
      "Judge each phase by its p50 latency where the clock resolves it, else by its ops/s "
      "(default: by ops/s)");
  cmd->add_flag("-q,--quiet", a.quiet, "Print no progress lines");
  cmd->callback([&] { status = hw::ab_command(a); });
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
      "Exit status: 0 success, 1 wrong results or a regression or damage, 2 unusable input, "
      "3 an engine or I/O failure."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("heapstore ") + hw::tool_version());
  RunArgs run_args;
  CompareArgs compare_args;
  ExportArgs export_args;
  ReportArgs report_args;
  AbArgs ab_args;
  int status = 0;
  add_run(app, run_args, status, command_line, argc, argv);
  add_compare(app, compare_args, status);
  add_report(app, report_args, status);
  add_export(app, export_args, status);
  add_ab(app, ab_args, status);
  StoreArgs store_args;
  add_store_tools(app, store_args, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    die(hw::kExitUnusable, std::string(e.what()) + " (see heapstore --help)");
  } catch (const hw::CommandError& e) {
    die(e.status(), e.what());
  } catch (const hw::SpecError& e) {
    die(hw::kExitUnusable, e.what());
  } catch (const hr::ReportError& e) {
    die(hw::kExitUnusable, e.what());
  } catch (const heapstore::Error& e) {  // check and inspect: no store, no such container
    die(e.code() == heapstore::ErrorCode::kCorruption ? hw::kExitWrongOrRegression
                                                      : hw::kExitUnusable,
        e.what());
  } catch (const hw::CorrectnessError& e) {
    die(hw::kExitWrongOrRegression, std::string("wrong result: ") + e.what());
  } catch (const std::bad_alloc&) {
    die(hw::kExitEngineFailure,
        "out of memory (a phase holding more values than this machine can track?)");
  } catch (const std::exception& e) {
    die(hw::kExitEngineFailure, e.what());
  }
  return status;
}
