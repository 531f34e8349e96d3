// `heapstore compare`, `heapstore report` and `heapstore export`, and the helpers every command
// shares for percentages and output files.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "compare.h"
#include "export.h"
#include "html.h"
#include "render.h"

namespace heapstore::workload {

namespace fs = std::filesystem;

double parse_percent(const std::string& text, const char* option) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    const std::string rest = text.substr(used);
    if ((rest.empty() || rest == "%") && value >= 0 && value < 1000) return value / 100;
  } catch (const std::exception&) {
  }
  throw CommandError(kExitUnusable,
                     std::string(option) + ": '" + text + "' is not a percentage such as 10%");
}

void check_writable_file(const std::string& path, const char* option) {
  const fs::path file(path);
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code error;
  fs::create_directories(dir, error);
  std::string problem;
  if (error)
    problem = "cannot create " + dir.string() + ": " + error.message();
  else if (fs::is_directory(file))
    problem = path + " is a directory";
  else if (::access(dir.c_str(), W_OK) != 0)
    problem = "cannot write in " + dir.string() + ": " + std::strerror(errno);
  else if (fs::exists(file) && ::access(path.c_str(), W_OK) != 0)
    problem = "cannot write " + path + ": " + std::strerror(errno);
  if (!problem.empty()) throw CommandError(kExitUnusable, std::string(option) + ": " + problem);
}

void write_text(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  const fs::path file(path);
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) throw CommandError(kExitEngineFailure, "cannot write " + path);
}

void write_comparison(const report::Comparison& comparison, const report::Report& baseline,
                      const report::Report& candidate, const std::string& markdown,
                      const std::string& json) {
  std::cout << report::render_text(comparison);
  write_text(markdown, report::render_markdown(comparison, baseline, candidate));
  if (json.empty()) return;  // invalid UTF-8 in a name becomes U+FFFD rather than an exception
  write_text(
      json,
      report::to_json(comparison).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
          "\n");
}

int compare_command(const CompareArgs& args) {
  report::Thresholds t;
  t.fail_above = parse_percent(args.fail_above, "--fail-above");
  t.warn_above = parse_percent(args.warn_above, "--warn-above");
  if (t.warn_above > t.fail_above)
    throw CommandError(kExitUnusable, "--warn-above is larger than --fail-above");
  if (!args.markdown.empty()) check_writable_file(args.markdown, "--markdown");
  if (!args.json.empty()) check_writable_file(args.json, "--json");
  if (!args.html.empty()) check_writable_file(args.html, "--html");
  const report::Report baseline = report::read_report(args.baseline);
  const report::Report candidate = report::read_report(args.candidate);
  const report::Comparison result = report::compare(baseline, candidate, t);
  write_comparison(result, baseline, candidate, args.markdown, args.json);
  if (!args.html.empty())
    write_text(args.html, report::render_comparison_html(result, baseline, candidate));
  return result.exit_code();
}

int report_command(const ReportArgs& args) {
  if (!args.markdown.empty()) check_writable_file(args.markdown, "--markdown");
  if (!args.html.empty()) check_writable_file(args.html, "--html");
  const report::Report report = report::read_report(args.report);
  std::cout << report::render_run_table(report);
  // As `heapstore run --markdown` writes each workload's table.
  const auto name = report.workload.find("name");
  const std::string title =
      name != report.workload.end() && name->is_string() ? name->get<std::string>() : args.report;
  write_text(args.markdown, "### " + title + "\n\n" + report::render_run_markdown(report) + "\n");
  if (!args.html.empty()) write_text(args.html, report::render_run_html(report));
  return kExitOk;
}

int export_command(const ExportArgs& args) {
  if (!args.out.empty()) check_writable_file(args.out, "--out");
  const report::Report report = report::read_report(args.report);
  const std::string text = report::export_report(report, args.format);
  if (args.out.empty())
    std::cout << text;
  else
    write_text(args.out, text);
  return kExitOk;
}

}  // namespace heapstore::workload
