// The page around the HTML reports: escaping, the inline stylesheet, tables and legends.
#include "html_page.h"

#include <array>
#include <cstdio>

namespace heapstore::report::html {
namespace {

// One stylesheet, inline, so the file stands alone: a readable column of at most 1000 px,
// system fonts only (no web font to fetch), charts that shrink with the window and print.
constexpr std::string_view kStyle = R"(
:root { color-scheme: light; --muted: #5f6368; --rule: #dadce0; --warn: #b3261e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #202124;
       max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 16px; margin: 24px 0 6px; }
h3 .op, .muted { color: var(--muted); font-weight: normal; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { padding: 3px 10px 3px 0; border-bottom: 1px solid var(--rule); vertical-align: top;
         text-align: left; }
td.r, th.r { text-align: right; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
              font-size: 12px; word-break: break-all; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; margin: 6px 0; font-size: 13px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 5px;
          vertical-align: -1px; border-radius: 2px; }
.charts { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-end; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0; }
svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
                 fill: #202124; }
svg.chart text.title { font-weight: 600; }
svg.chart text.axis { fill: var(--muted); }
svg.chart text.flagged, .flagged { fill: var(--warn); color: var(--warn); font-weight: 600; }
svg.chart .grid { stroke: #eceff1; }
svg.chart .zero { stroke: #9aa0a6; }
svg.chart .whisker { stroke: #202124; stroke-width: 1.2; }
.verdict-fail { color: var(--warn); font-weight: 600; }
.verdict-warn { color: #9a6700; font-weight: 600; }
.verdict-improved { color: #1e7e34; font-weight: 600; }
details { margin: 8px 0; }
@media print { body { max-width: none; padding: 0; } section { break-inside: avoid; } }
)";

}  // namespace

std::string escape(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        result += "&amp;";
        break;
      case '<':
        result += "&lt;";
        break;
      case '>':
        result += "&gt;";
        break;
      case '"':
        result += "&quot;";
        break;
      case '\'':
        result += "&#39;";
        break;
      default:
        result += c;
    }
  }
  return result;
}

std::string page(std::string_view title, std::string_view body) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         escape(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n" +
         std::string(body) + "</body>\n</html>\n";
}

std::string table(const Rows& rows, std::string_view align) {
  std::string html = "<table>\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const char* cell = r == 0 ? "th" : "td";
    html += "<tr>";
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      const bool right = c < align.size() && align[c] == 'r';
      html += std::string("<") + cell + (right ? " class=\"r\">" : ">") + escape(rows[r][c]) +
              "</" + cell + ">";
    }
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string key_value_table(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string html = "<table>\n";
  for (const auto& [key, value] : rows) {
    if (value.empty()) continue;
    html += "<tr><th>" + escape(key) + "</th><td>" + escape(value) + "</td></tr>\n";
  }
  return html + "</table>\n";
}

std::string_view colour(std::size_t index) {
  // Okabe-Ito without its yellow, which is unreadable on white.
  static constexpr std::array<std::string_view, 7> kPalette = {
      "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"};
  return kPalette[index % kPalette.size()];
}

std::string legend(const std::vector<std::string>& names) {
  std::string html = "<div class=\"legend\">";
  for (std::size_t i = 0; i < names.size(); ++i) {
    html += "<span><span class=\"swatch\" style=\"background:" + std::string(colour(i)) +
            "\"></span>" + escape(names[i]) + "</span>";
  }
  return html + "</div>\n";
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes == 0) return "-";
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr std::array<const char*, 5> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

}  // namespace heapstore::report::html
