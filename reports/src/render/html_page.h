// The parts every HTML report shares (html.cc, compare_html.cc, svg_charts.cc): escaping, the
// page with its inline stylesheet, tables, legends and the engines' colours.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "render.h"

namespace heapstore::report::html {

// `text` with & < > " ' replaced by entities: safe as element text and as a quoted attribute
// value, in HTML and in inline SVG. Everything a report holds goes through it.
std::string escape(std::string_view text);

// A complete HTML5 document titled `title` (escaped here) around `body` (already HTML), with
// the stylesheet inline: no script, no external resource.
std::string page(std::string_view title, std::string_view body);

// An HTML table of `rows` (the first one is the header), every cell escaped; `align` has one
// letter per column, 'l' or 'r'.
std::string table(const Rows& rows, std::string_view align);

// A two-column table of names and values (a context block), cells escaped; rows whose value is
// empty are left out.
std::string key_value_table(const std::vector<std::pair<std::string, std::string>>& rows);

// The colour of the i-th engine of a report, the same in every chart: a colour-blind-safe
// palette (Okabe and Ito), repeating after eight.
std::string_view colour(std::size_t index);

// A row of colour swatches with the engines' names, in the colours of colour(0), colour(1), ...
std::string legend(const std::vector<std::string>& names);

// Sizes in bytes: "4066 B", "1.5 KiB", "16.0 GiB"; "-" for 0 (unknown).
std::string format_bytes(std::uint64_t bytes);

}  // namespace heapstore::report::html
