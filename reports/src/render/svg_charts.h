// Charts as inline SVG, written by C++ into the HTML reports (html.h).
//
// Why inline SVG rather than a JavaScript charting library or <canvas>: a report must be one
// self-contained file that opens anywhere with no network. SVG needs no library to be inlined
// (a charting library would add hundreds of kilobytes to every report), draws with scripts
// disabled, prints and zooms sharply, and stays small: a few kilobytes per chart. Hover values
// come from SVG <title> elements, so no script is needed for them either.
//
// Every chart is one <svg class="chart" data-marks="N"> whose N data marks (bars, lines,
// points) carry class="mark": ci/html-check.sh renders the page in headless Chromium and fails
// when a chart has no marks or fewer than it declares.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace heapstore::report::svg {

// How a value axis is drawn: tick labels by `format` (format_count, format_nanoseconds, ...),
// `unit` written under the axis, a logarithmic scale when `log` (values <= 0 are then not
// drawn).
struct Axis {
  std::function<std::string(double)> format;
  std::string unit;
  bool log = false;
  double limit = 0;  // > 0: a linear axis spans at most [-limit, limit]; bars beyond it end at
                     // its edge (their text still says how far)
};

// One bar of a horizontal bar chart: from 0 to `value`, with a whisker over [low, high] when
// given (e.g. the min and max over repetitions).
struct Bar {
  std::string label;  // left of the bar: an engine, or "engine / phase / metric"
  double value = 0;   // NaN: a row with its label and text but no bar
  std::optional<std::pair<double, double>> whisker;
  std::string colour;    // a CSS colour
  std::string text;      // right of the bar: the value as people read it
  bool flagged = false;  // the text is drawn in the warning colour (e.g. "noisy")
};

// Horizontal bars, one row each, on a linear axis that includes 0 (so negative values, such as
// a comparison's changes, extend left of a zero line). Empty `bars` gives an empty string.
std::string bar_chart(const std::vector<Bar>& bars, const Axis& axis, std::string_view title);

// A named, coloured data series (an engine).
struct Series {
  std::string name;
  std::string colour;
};

// One group of a grouped bar chart: its label under the axis and one value per series
// (nullopt: that series has none).
struct Group {
  std::string label;
  std::vector<std::optional<double>> values;
};

// Vertical bars in groups (e.g. p50, p90, p99, p99.9), one bar per series in each group, in
// the series' colours. A group's values beyond series.size() are ignored. Empty when there is
// nothing to draw.
std::string grouped_bar_chart(const std::vector<Group>& groups, const std::vector<Series>& series,
                              const Axis& axis, std::string_view title);

// One line of a line chart: (x, y) points in ascending x.
struct Line {
  Series series;
  std::vector<std::pair<double, double>> points;
};

// Lines over a shared x axis, each in its series' colour with a dot per point (so a line of
// one point still shows). Both axes start at 0. Empty when no line has a point.
std::string line_chart(const std::vector<Line>& lines, const Axis& x, const Axis& y,
                       std::string_view title);

}  // namespace heapstore::report::svg
