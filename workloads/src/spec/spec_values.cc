// Checked reading of values out of a yaml-cpp tree, and the words of its messages
// (spec_values.h).
#include "spec_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace heapstore::workload::spec_detail {
namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr double kMaxDurationNs = 720.0 * 3600 * 1e9;  // 30 days

// Optimal string alignment distance: inserting, deleting, changing or swapping neighbours.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

bool is_quoted(const YAML::Node& node) {
  return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

// A plain (unquoted) scalar: numbers and booleans must not be strings.
std::string_view plain_scalar(const Context& ctx, const YAML::Node& node, const std::string& field,
                              std::string_view expected) {
  if (!node.IsScalar() || is_quoted(node)) {
    ctx.fail(node, field, "expected " + std::string(expected) + ", got " + describe(node));
  }
  return node.Scalar();
}

bool parse_double(std::string_view text, double& out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

// An integer as written: sign and magnitude, saturating at 2^64 - 1 (`overflow`).
struct Integer {
  bool negative = false;
  bool overflow = false;
  std::uint64_t magnitude = 0;
};

Integer read_integer(const Context& ctx, const YAML::Node& node, const std::string& field) {
  std::string_view text = plain_scalar(ctx, node, field, "an integer");
  Integer n;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    n.negative = text[0] == '-';
    text.remove_prefix(1);
  }
  bool digits = !text.empty();
  for (char c : text) {
    if (c < '0' || c > '9') {
      digits = false;
      break;
    }
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (n.magnitude > (kU64Max - digit) / 10) n.overflow = true;
    n.magnitude = n.overflow ? kU64Max : n.magnitude * 10 + digit;
  }
  if (!digits) ctx.fail(node, field, "expected an integer, got " + describe(node));
  return n;
}

std::string range_problem(const std::string& lo, const std::string& hi, bool has_hi,
                          const YAML::Node& node) {
  std::string range = has_hi ? "between " + lo + " and " + hi : "at least " + lo;
  return "out of range: must be " + range + " (got " + printable(node.Scalar()) + ")";
}

}  // namespace

// --- messages ----------------------------------------------------------------------------------

std::vector<std::string_view> KeySet::names() const {
  std::vector<std::string_view> names;
  for (const Key& key : keys) names.push_back(key.name);
  return names;
}

std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text.substr(0, 60)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return text.size() > 60 ? out + "..." : out;
}

std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_distance = kU64Max;
  for (std::string_view candidate : candidates) {
    if (word.size() > 64) break;
    std::size_t distance = edit_distance(word, candidate);
    std::size_t close = std::max<std::size_t>(1, std::max(word.size(), candidate.size()) / 3);
    if (distance <= close && distance < best_distance) best = candidate, best_distance = distance;
  }
  if (!best.empty()) return " (did you mean `" + std::string(best) + "`?)";
  std::string list;
  for (std::string_view candidate : candidates) {
    list += (list.empty() ? "" : ", ") + std::string(candidate);
  }
  return " (expected one of: " + list + ")";
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return (is_quoted(node) ? "the string '" : "'") + printable(node.Scalar()) + "'";
    default:
      return "nothing";
  }
}

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

// --- scalars -----------------------------------------------------------------------------------

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF).
// Reports are JSON, which carries text only.
static bool valid_utf8(std::string_view s) {
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80             ? 1
                      : (c & 0xE0) == 0xC0 ? 2
                      : (c & 0xF0) == 0xE0 ? 3
                      : (c & 0xF8) == 0xF0 ? 4
                                           : 0;
    if (len == 0 || s.size() - i < len) return false;
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < kSmallest[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string read_string(const Context& ctx, const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) ctx.fail(node, field, "expected a string, got " + describe(node));
  if (!valid_utf8(node.Scalar())) ctx.fail(node, field, "not valid UTF-8 text");
  return node.Scalar();
}

std::uint64_t read_unsigned(const Context& ctx, const YAML::Node& node, const std::string& field,
                            std::uint64_t lo, std::uint64_t hi, std::string_view too_large) {
  Integer n = read_integer(ctx, node, field);
  bool below = n.negative ? (n.magnitude > 0 || lo > 0) : n.magnitude < lo;
  bool above = !n.negative && (n.overflow || n.magnitude > hi);
  if (above && !too_large.empty()) {
    ctx.fail(node, field,
             printable(node.Scalar()) + " bytes is too large: " + std::string(too_large));
  }
  if (below || above) {
    ctx.fail(node, field,
             range_problem(std::to_string(lo), std::to_string(hi), hi < kI64Max, node));
  }
  return n.magnitude;
}

std::int64_t read_signed(const Context& ctx, const YAML::Node& node, const std::string& field,
                         std::int64_t lo, std::int64_t hi) {
  Integer n = read_integer(ctx, node, field);
  // The magnitude of lo <= 0 is -(lo + 1) + 1, which does not overflow for the smallest int64.
  std::uint64_t limit =
      n.negative ? static_cast<std::uint64_t>(-(lo + 1)) + 1 : static_cast<std::uint64_t>(hi);
  if (n.overflow || n.magnitude > limit) {
    ctx.fail(node, field, range_problem(std::to_string(lo), std::to_string(hi), true, node));
  }
  if (n.negative && n.magnitude > 0) return -static_cast<std::int64_t>(n.magnitude - 1) - 1;
  return static_cast<std::int64_t>(n.magnitude);
}

double read_number(const Context& ctx, const YAML::Node& node, const std::string& field, double lo,
                   double hi, bool lo_open) {
  double value = 0;
  if (!parse_double(plain_scalar(ctx, node, field, "a number"), value)) {
    ctx.fail(node, field, "expected a finite number, got " + describe(node));
  }
  if (value < lo || value > hi || (lo_open && value == lo)) {
    std::string range = (lo_open ? "greater than " : "at least ") + number_text(lo) +
                        " and at most " + number_text(hi);
    ctx.fail(node, field,
             "out of range: must be " + range + " (got " + printable(node.Scalar()) + ")");
  }
  return value;
}

bool read_bool(const Context& ctx, const YAML::Node& node, const std::string& field) {
  std::string_view text = plain_scalar(ctx, node, field, "true or false");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  ctx.fail(node, field, "expected true or false, got " + describe(node));
}

std::chrono::nanoseconds read_duration(const Context& ctx, const YAML::Node& node,
                                       const std::string& field) {
  static constexpr Named<double> kUnits[] = {{"ns", 1},  {"us", 1e3}, {"ms", 1e6},
                                             {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  std::string text = read_string(ctx, node, field);
  std::size_t split = std::min(text.find_first_not_of("0123456789."), text.size());
  std::string_view unit = std::string_view(text).substr(split);
  const auto* found = std::find_if(std::begin(kUnits), std::end(kUnits),
                                   [&](const auto& u) { return u.name == unit; });
  double number = 0;
  if (split == 0 || found == std::end(kUnits) || !parse_double(text.substr(0, split), number)) {
    ctx.fail(node, field,
             "expected a duration such as 10s, 500ms or 1.5m (units ns, us, ms, s, m, h), got " +
                 describe(node));
  }
  double ns = number * found->value;
  if (ns < 1 || ns > kMaxDurationNs) {
    ctx.fail(node, field,
             "out of range: must be at least 1ns and at most 720h (got " + printable(text) + ")");
  }
  return std::chrono::nanoseconds(std::llround(ns));
}

std::string read_name(const Context& ctx, const YAML::Node& node, const std::string& field) {
  std::string name = read_string(ctx, node, field);
  bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  if (!ok) {
    ctx.fail(node, field,
             "'" + printable(name) + "' is not a valid name (1 to 64 letters, digits, _ or -)");
  }
  return name;
}

}  // namespace heapstore::workload::spec_detail
