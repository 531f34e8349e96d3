// The run report as HTML (html.h): context, engines, then per phase the throughput, latency and
// time-series charts of svg_charts.h.
#include "html.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "html_page.h"
#include "metrics.h"
#include "render.h"
#include "svg_charts.h"

namespace heapstore::report {
namespace {

using html::escape;

// The latency statistics shown per operation, with their labels.
constexpr std::pair<std::string_view, std::string_view> kPercentiles[] = {
    {"p50_ns", "p50"}, {"p90_ns", "p90"}, {"p99_ns", "p99"}, {"p999_ns", "p99.9"}};

std::string percent_text(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", fraction * 100);
  return text;
}

const Aggregate* find_aggregate(const EngineResult& engine, const std::string& phase,
                                const std::string& metric) {
  const auto in_phase = engine.aggregates.find(phase);
  if (in_phase == engine.aggregates.end()) return nullptr;
  const auto found = in_phase->second.find(metric);
  return found == in_phase->second.end() ? nullptr : &found->second;
}

std::vector<std::string> engine_names(const std::vector<EngineResult>& engines) {
  std::vector<std::string> names;
  for (const EngineResult& engine : engines) names.push_back(engine.name);
  return names;
}

// ---- Context and engines ----

std::string text_of(const nlohmann::json& workload, const char* key) {
  const auto found = workload.find(key);
  return found != workload.end() && found->is_string() ? found->get<std::string>() : "";
}

std::string context_html(const Report& report) {
  const Context& c = report.context;
  std::string libraries;
  for (const auto& [library, version] : c.libraries)
    libraries += (libraries.empty() ? "" : ", ") + library + " " + version;
  return "<h2>Context</h2>\n" +
         html::key_value_table({
             {"workload", text_of(report.workload, "name")},
             {"description", text_of(report.workload, "description")},
             {"seed", std::to_string(report.seed)},
             {"repetitions", std::to_string(report.repetitions)},
             {"workload hash", report.workload_hash},
             {"tool version", c.tool_version},
             {"commit", c.git_commit},
             {"compiler", c.compiler + (c.compiler_flags.empty() ? "" : " " + c.compiler_flags)},
             {"build type", c.build_type},
             {"CPU", c.cpu_model},
             {"cores", c.cores > 0 ? std::to_string(c.cores) : ""},
             {"memory", c.memory_bytes > 0 ? html::format_bytes(c.memory_bytes) : ""},
             {"kernel", c.kernel},
             {"filesystem", c.filesystem + (c.data_dir.empty() ? "" : " (" + c.data_dir + ")")},
             {"time", c.time},
             {"command line", c.command_line},
             {"clock resolution",
              c.clock_resolution_ns > 0 ? format_nanoseconds(c.clock_resolution_ns) : ""},
             {"meter", c.meter},
             {"valgrind", c.valgrind},
             {"libraries", libraries},
         });
}

std::string engines_html(const std::vector<EngineResult>& engines) {
  Rows rows = {{"engine", "kind", "settings", "atomicity", "durability", "largest value"}};
  for (const EngineResult& e : engines) {
    std::string settings;
    for (const auto& [key, value] : e.settings)
      settings += (settings.empty() ? "" : ", ") + key + "=" + value;
    rows.push_back({e.name, e.engine.empty() ? "-" : e.engine, settings.empty() ? "-" : settings,
                    e.guarantees.atomicity.empty() ? "-" : e.guarantees.atomicity,
                    e.guarantees.durability.empty() ? "-" : e.guarantees.durability,
                    html::format_bytes(e.max_value_bytes)});
  }
  return "<h2>Engines</h2>\n" + html::legend(engine_names(engines)) + html::table(rows, "lllllr");
}

// ---- Per phase ----

// A bar per engine of `metric`'s median with its min-max whisker and CV.
std::string throughput_chart(const std::vector<EngineResult>& engines, const PhaseKey& phase,
                             const std::string& metric, std::string_view title) {
  const double max_cv = Thresholds{}.max_cv;
  const std::string unit(metric_info(metric).unit);
  std::vector<svg::Bar> bars;
  for (std::size_t i = 0; i < engines.size(); ++i) {
    const Aggregate* a = find_aggregate(engines[i], phase.name, metric);
    if (a == nullptr) continue;
    const bool noisy = a->cv > max_cv;
    bars.push_back({engines[i].name, a->median, std::nullopt, std::string(html::colour(i)),
                    format_count(a->median) + " " + unit, noisy});
    if (engines[i].repetitions.size() < 2) continue;  // one value: no spread to show
    bars.back().whisker = std::pair{a->min, a->max};
    bars.back().text += " · cv " + percent_text(a->cv) + (noisy ? " · noisy" : "");
  }
  return svg::bar_chart(bars, {format_count, unit}, title);
}

// The operations a phase timed (latency.<op>.p50_ns in any engine), in name order.
std::set<std::string> latency_ops(const std::vector<EngineResult>& engines, const PhaseKey& phase) {
  std::set<std::string> ops;
  for (const EngineResult& engine : engines) {
    const auto in_phase = engine.aggregates.find(phase.name);
    if (in_phase == engine.aggregates.end()) continue;
    for (const auto& [metric, aggregate] : in_phase->second)
      if (std::string op = latency_op_of(metric); !op.empty()) ops.insert(std::move(op));
  }
  return ops;
}

std::optional<double> median_of(const EngineResult& engine, const PhaseKey& phase,
                                const std::string& metric) {
  const Aggregate* a = find_aggregate(engine, phase.name, metric);
  return a == nullptr ? std::nullopt : std::optional<double>(a->median);
}

std::vector<svg::Series> series_of(const std::vector<EngineResult>& engines) {
  std::vector<svg::Series> series;
  for (std::size_t i = 0; i < engines.size(); ++i)
    series.push_back({engines[i].name, std::string(html::colour(i))});
  return series;
}

// `resolution_ns`: the clock's step; a figure under 10 of them is marked "~" as in the table.
std::string latency_html(const std::vector<EngineResult>& engines, const PhaseKey& phase,
                         double resolution_ns) {
  const std::set<std::string> ops = latency_ops(engines, phase);
  if (ops.empty()) return "";
  std::string charts;
  Rows rows = {{"operation", "engine", "p50", "p90", "p99", "p99.9", "max"}};
  for (const std::string& op : ops) {
    std::vector<svg::Group> groups;
    for (const auto& [statistic, label] : kPercentiles) {
      groups.push_back({std::string(label), {}});
      for (const EngineResult& engine : engines)
        groups.back().values.push_back(median_of(engine, phase, latency_metric(op, statistic)));
    }
    charts += svg::grouped_bar_chart(groups, series_of(engines),
                                     {format_nanoseconds, "latency (log scale)", true},
                                     op + " latency, median of repetitions");
    for (const EngineResult& engine : engines) {
      if (!median_of(engine, phase, latency_metric(op, "p50_ns"))) continue;
      rows.push_back({op, engine.name});
      for (std::string_view statistic : {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"}) {
        const auto value = median_of(engine, phase, latency_metric(op, statistic));
        rows.back().push_back(value ? format_latency(*value, resolution_ns) : "-");
      }
    }
  }
  // The table beside the charts where the page is wide enough, else under them.
  return "<div class=\"charts\">\n" + charts + html::table(rows, "llrrrrr") + "</div>\n";
}

// Counted runs: instructions per operation (instructions.<op>.per_op), a group per operation.
std::string per_op_html(const std::vector<EngineResult>& engines, const PhaseKey& phase) {
  std::set<std::string> ops;
  for (const EngineResult& engine : engines) {
    const auto in_phase = engine.aggregates.find(phase.name);
    if (in_phase == engine.aggregates.end()) continue;
    for (const auto& [metric, aggregate] : in_phase->second) {
      constexpr std::string_view kPrefix = "instructions.", kSuffix = ".per_op";
      if (metric.starts_with(kPrefix) && metric.ends_with(kSuffix) &&
          metric.size() > kPrefix.size() + kSuffix.size())
        ops.insert(metric.substr(kPrefix.size(), metric.size() - kPrefix.size() - kSuffix.size()));
    }
  }
  std::vector<svg::Group> groups;
  for (const std::string& op : ops) {
    groups.push_back({op, {}});
    for (const EngineResult& engine : engines)
      groups.back().values.push_back(median_of(engine, phase, "instructions." + op + ".per_op"));
  }
  // Log scale: an end-of-phase flush costs a hundred times an insert or more.
  return svg::grouped_bar_chart(groups, series_of(engines),
                                {format_count, "instructions (log scale)", true},
                                "instructions per operation (lower is better)");
}

// Repetition 0's series of the phase, per engine: ops/s over time.
std::string series_html(const std::vector<EngineResult>& engines, const PhaseKey& phase) {
  std::vector<svg::Line> lines;
  const std::vector<svg::Series> series = series_of(engines);
  for (std::size_t i = 0; i < engines.size(); ++i) {
    lines.push_back({series[i], {}});
    if (engines[i].repetitions.empty()) continue;
    for (const PhaseResult& result : engines[i].repetitions.front().phases) {
      if (result.name != phase.name) continue;
      for (const SeriesPoint& p : result.series)
        lines.back().points.emplace_back(p.end_seconds, p.ops_per_sec);
    }
  }
  const auto seconds = [](double s) { return format_count(s); };
  return svg::line_chart(lines, {seconds, "seconds since the phase began"}, {format_count, "ops/s"},
                         "ops/s over time (repetition 0)");
}

std::string phase_html(const Report& report, const std::vector<EngineResult>& engines,
                       const PhaseKey& phase) {
  const bool counted = report.context.meter == kMeterInstructions;
  const std::string spread =
      report.repetitions > 1 ? "median of " + std::to_string(report.repetitions) +
                                   " repetitions; whisker: min to max; cv: coefficient of variation"
                             : "one repetition";
  std::string html = "<section class=\"phase\">\n<h3>" + escape(phase.name) +
                     " <span class=\"op\">" + escape(phase.op) + "</span></h3>\n";
  if (counted) {
    html += throughput_chart(engines, phase, "instructions",
                             "instructions (lower is better), " + spread);
    return html + per_op_html(engines, phase) + "</section>\n";
  }
  html += throughput_chart(engines, phase, std::string(kOpsPerSec),
                           "throughput (higher is better), " + spread);
  html += html::legend(engine_names(engines)) +
          latency_html(engines, phase, report.context.clock_resolution_ns);
  return html + series_html(engines, phase) + "</section>\n";
}

std::string report_html(const Report& report) {
  std::vector<EngineResult> engines = report.engines;
  for (EngineResult& engine : engines) aggregate(engine);  // as the run table: from repetitions
  const std::string description = text_of(report.workload, "description");
  std::string html =
      "<section class=\"workload\">\n<h1>heapstore run: " +
      escape(text_of(report.workload, "name")) + "</h1>\n<p class=\"muted\">" +
      escape((description.empty() ? "" : description + " · ") + std::to_string(report.repetitions) +
             " repetition(s), seed " + std::to_string(report.seed) + ", " + report.context.time) +
      "</p>\n";
  html += context_html(report) + engines_html(engines) + "<h2>Phases</h2>\n";
  for (const PhaseKey& phase : phases_in_order(engines)) html += phase_html(report, engines, phase);
  return html + "</section>\n";
}

}  // namespace

std::string render_run_html(const Report& report) { return render_runs_html({report}); }

std::string render_runs_html(const std::vector<Report>& reports) {
  std::string title = "heapstore run:";
  std::string body;
  for (const Report& report : reports) {
    title += " " + text_of(report.workload, "name");
    body += report_html(report);
  }
  return html::page(title, body);
}

}  // namespace heapstore::report
