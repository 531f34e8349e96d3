// The SVG charts of svg_charts.h: scales with round ticks, then bars, grouped bars and lines.
#include "svg_charts.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

#include "html_page.h"

namespace heapstore::report::svg {
namespace {

using html::escape;

constexpr double kFontWidth = 7;  // px per character of 12 px text, to size the label columns

// A coordinate with one decimal: enough for a screen, and keeps the file small.
std::string px(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

// A value domain mapped onto pixels, with the ticks to label.
struct Scale {
  double low = 0;
  double high = 1;
  bool log = false;
  std::vector<double> ticks;

  // The pixel of `value` between `from` (at low) and `to` (at high), clamped to that range.
  double at(double value, double from, double to) const {
    double share =
        log ? (std::log10(value) - std::log10(low)) / (std::log10(high) - std::log10(low))
            : (value - low) / (high - low);
    if (std::isnan(share)) share = 0;
    return from + std::clamp(share, 0.0, 1.0) * (to - from);
  }
};

// 1, 2 or 5 times a power of ten: about a fifth of `span`.
double round_step(double span) {
  const double raw = span / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double mantissa = raw / magnitude;
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * magnitude;
}

// A linear scale over [low, high] widened to include 0 and to round ticks.
Scale linear_scale(double low, double high) {
  low = std::min(low, 0.0);
  high = std::max(high, 0.0);
  if (high - low <= 0) high = low + 1;
  const double step = round_step(high - low);
  Scale scale{std::floor(low / step) * step, std::ceil(high / step) * step, false, {}};
  const long first = std::lround(scale.low / step);
  const long last = std::lround(scale.high / step);
  for (long k = first; k <= last; ++k) scale.ticks.push_back(static_cast<double>(k) * step);
  return scale;
}

// A log scale over whole decades around the positive [low, high], a tick per decade.
Scale log_scale(double low, double high) {
  const double first = std::floor(std::log10(low));
  const double last = std::max(std::ceil(std::log10(high)), first + 1);
  Scale scale{std::pow(10, first), std::pow(10, last), true, {}};
  for (double d = first; d <= last; ++d) scale.ticks.push_back(std::pow(10, d));
  return scale;
}

// The scale for `values` (non-finite ones and, on a log axis, those <= 0 ignored).
Scale scale_of(const std::vector<double>& values, const Axis& axis) {
  double low = std::numeric_limits<double>::infinity();
  double high = -low;
  for (double v : values) {
    if (!std::isfinite(v) || (axis.log && v <= 0)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  if (low > high) low = high = axis.log ? 1 : 0;  // nothing to scale: an empty axis
  if (axis.limit > 0) {
    low = std::max(low, -axis.limit);
    high = std::min(high, axis.limit);
  }
  return axis.log ? log_scale(low, high) : linear_scale(low, high);
}

std::string open_svg(double width, double height, std::string_view title, std::size_t marks) {
  return "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px(width) +
         "\" height=\"" + px(height) + "\" viewBox=\"0 0 " + px(width) + " " + px(height) +
         "\" role=\"img\" aria-label=\"" + escape(title) + "\" data-marks=\"" +
         std::to_string(marks) + "\">\n<text class=\"title\" x=\"0\" y=\"14\">" + escape(title) +
         "</text>\n";
}

std::string text(double x, double y, std::string_view anchor, std::string_view content,
                 std::string_view css_class = "") {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"" + std::string(anchor) +
         "\"" + (css_class.empty() ? "" : " class=\"" + std::string(css_class) + "\"") + ">" +
         escape(content) + "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, std::string_view css_class) {
  return "<line class=\"" + std::string(css_class) + "\" x1=\"" + px(x1) + "\" y1=\"" + px(y1) +
         "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) + "\"/>\n";
}

std::string rect(double x, double y, double w, double h, std::string_view fill,
                 std::string_view hover) {
  return "<rect class=\"mark\" x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" +
         px(std::max(w, 1.0)) + "\" height=\"" + px(h) + "\" fill=\"" + std::string(fill) +
         "\"><title>" + escape(hover) + "</title></rect>\n";
}

// A tick label: the axis's format without a trailing ".0" ("50k", "10 us", "-20%" rather than
// "50.0k", "10.0 us", "-20.0%"); ticks are round numbers, so the decimal says nothing.
std::string tick_label(const Axis& axis, double value) {
  std::string label = axis.format(value);
  for (auto at = label.find(".0"); at != std::string::npos; at = label.find(".0", at + 1)) {
    const bool last_digit =
        at + 2 == label.size() || !std::isdigit(static_cast<unsigned char>(label[at + 2]));
    if (last_digit) label.erase(at, 2);
  }
  return label;
}

// Vertical grid lines and tick labels under a horizontal value axis over [from, to].
std::string x_axis(const Scale& scale, const Axis& axis, double from, double to, double top,
                   double bottom) {
  std::string svg;
  for (double tick : scale.ticks) {
    const double x = scale.at(tick, from, to);
    svg += line(x, top, x, bottom, tick == 0 && !scale.log ? "zero" : "grid");
    svg += text(x, bottom + 14, "middle", tick_label(axis, tick), "axis");
  }
  return svg + text((from + to) / 2, bottom + 30, "middle", axis.unit, "axis");
}

// Horizontal grid lines and tick labels beside a vertical value axis over [from, to] (bottom
// to top).
std::string y_axis(const Scale& scale, const Axis& axis, double left, double right, double from,
                   double to) {
  std::string svg;
  for (double tick : scale.ticks) {
    const double y = scale.at(tick, from, to);
    svg += line(left, y, right, y, tick == 0 && !scale.log ? "zero" : "grid");
    svg += text(left - 6, y + 4, "end", tick_label(axis, tick), "axis");
  }
  return svg + text(left, to - 8, "start", axis.unit, "axis");
}

std::size_t widest(const std::vector<Bar>& bars, std::string Bar::*field) {
  std::size_t width = 0;
  for (const Bar& bar : bars) width = std::max(width, (bar.*field).size());
  return width;
}

std::string bar_row(const Bar& bar, const Scale& scale, double left, double right, double y) {
  constexpr double kBar = 16;
  std::string svg = text(left - 8, y + 12, "end", bar.label);
  if (!std::isnan(bar.value)) {
    const double zero = scale.at(0, left, right);
    const double end = scale.at(bar.value, left, right);
    svg += rect(std::min(zero, end), y, std::abs(end - zero), kBar, bar.colour,
                bar.label + ": " + bar.text);
  }
  if (bar.whisker) {
    const double low = scale.at(bar.whisker->first, left, right);
    const double high = scale.at(bar.whisker->second, left, right);
    const double mid = y + kBar / 2;
    svg += line(low, mid, high, mid, "whisker") + line(low, mid - 5, low, mid + 5, "whisker") +
           line(high, mid - 5, high, mid + 5, "whisker");
  }
  return svg + text(right + 8, y + 12, "start", bar.text, bar.flagged ? "flagged" : "");
}

}  // namespace

std::string bar_chart(const std::vector<Bar>& bars, const Axis& axis, std::string_view title) {
  if (bars.empty()) return "";
  constexpr double kWidth = 880, kTop = 28, kRow = 26;
  const double left = std::clamp(kFontWidth * widest(bars, &Bar::label) + 16, 80.0, 320.0);
  const double right = kWidth - std::clamp(kFontWidth * widest(bars, &Bar::text) + 16, 90.0, 300.0);
  std::vector<double> values;
  std::size_t marks = 0;
  for (const Bar& bar : bars) {
    values.push_back(bar.value);
    marks += std::isnan(bar.value) ? 0 : 1;
    if (bar.whisker) values.insert(values.end(), {bar.whisker->first, bar.whisker->second});
  }
  const Scale scale = scale_of(values, axis);
  const double bottom = kTop + kRow * static_cast<double>(bars.size());
  std::string svg = open_svg(kWidth, bottom + 40, title, marks);
  svg += x_axis(scale, axis, left, right, kTop - 4, bottom);
  for (std::size_t i = 0; i < bars.size(); ++i)
    svg += bar_row(bars[i], scale, left, right, kTop + kRow * static_cast<double>(i) + 4);
  return svg + "</svg>\n";
}

std::string grouped_bar_chart(const std::vector<Group>& groups, const std::vector<Series>& series,
                              const Axis& axis, std::string_view title) {
  constexpr double kWidth = 420, kLeft = 64, kRight = 412, kTop = 40, kBottom = 210;
  std::vector<double> values;
  for (const Group& group : groups)
    for (std::size_t s = 0; s < std::min(group.values.size(), series.size()); ++s)
      if (group.values[s] && (!axis.log || *group.values[s] > 0))
        values.push_back(*group.values[s]);
  if (values.empty()) return "";
  const Scale scale = scale_of(values, axis);
  const double slot = (kRight - kLeft) / static_cast<double>(groups.size());
  const double bar = std::min(22.0, slot * 0.8 / static_cast<double>(series.size()));
  std::string svg = open_svg(kWidth, kBottom + 24, title, values.size());
  svg += y_axis(scale, axis, kLeft, kRight, kBottom, kTop);
  const double base = scale.at(scale.log ? scale.low : 0, kBottom, kTop);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const double centre = kLeft + slot * (static_cast<double>(g) + 0.5);
    double x = centre - bar * static_cast<double>(series.size()) / 2;
    for (std::size_t s = 0; s < series.size(); ++s, x += bar) {
      if (s >= groups[g].values.size() || !groups[g].values[s]) continue;
      const double v = *groups[g].values[s];
      if (axis.log && v <= 0) continue;
      const double top = scale.at(v, kBottom, kTop);
      svg += rect(x, top, bar - 1, base - top, series[s].colour,
                  series[s].name + " " + groups[g].label + ": " + axis.format(v));
    }
    svg += text(centre, kBottom + 16, "middle", groups[g].label, "axis");
  }
  return svg + "</svg>\n";
}

std::string line_chart(const std::vector<Line>& lines, const Axis& x, const Axis& y,
                       std::string_view title) {
  constexpr double kWidth = 880, kLeft = 64, kRight = 860, kTop = 40, kBottom = 240;
  std::vector<double> xs, ys;
  std::size_t marks = 0;
  for (const Line& l : lines) {
    for (const auto& [px_value, py_value] : l.points) {
      xs.push_back(px_value);
      ys.push_back(py_value);
    }
    marks += l.points.empty() ? 0 : 1 + l.points.size();  // the path and its dots
  }
  if (marks == 0) return "";
  const Scale xscale = scale_of(xs, x);
  const Scale yscale = scale_of(ys, y);
  std::string svg = open_svg(kWidth, kBottom + 40, title, marks);
  svg += y_axis(yscale, y, kLeft, kRight, kBottom, kTop);
  svg += x_axis(xscale, x, kLeft, kRight, kTop, kBottom);
  for (const Line& l : lines) {
    if (l.points.empty()) continue;
    std::string path, dots;
    for (const auto& [vx, vy] : l.points) {
      const std::string cx = px(xscale.at(vx, kLeft, kRight));
      const std::string cy = px(yscale.at(vy, kBottom, kTop));
      path += (path.empty() ? "M" : " L") + cx + " " + cy;
      dots += "<circle class=\"mark\" cx=\"" + cx + "\" cy=\"" + cy + "\" r=\"2.5\" fill=\"" +
              l.series.colour + "\"><title>" +
              escape(l.series.name + " at " + x.format(vx) + " " + x.unit + ": " + y.format(vy) +
                     " " + y.unit) +
              "</title></circle>\n";
    }
    svg += "<path class=\"mark\" d=\"" + path + "\" fill=\"none\" stroke=\"" + l.series.colour +
           "\" stroke-width=\"2\"><title>" + escape(l.series.name) + "</title></path>\n" + dots;
  }
  return svg + "</svg>\n";
}

}  // namespace heapstore::report::svg
