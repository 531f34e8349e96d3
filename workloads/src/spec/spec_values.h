// The YAML side of the workload-file loader (spec.cc), private to it: reading checked values
// out of a yaml-cpp tree, where every failure is one SpecError "FILE:LINE:COL: FIELD: PROBLEM"
// (spec_values.cc; the document, Context and Fields in spec_document.cc). The tree is never
// trusted nor walked beyond the keys asked for (aliases can make it a graph, even a cyclic one).
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spec.h"

namespace heapstore::workload::spec_detail {

// The keys one map of a workload file may hold; a key with a `child` holds a map (or, with
// `list`, a list of maps addressed by their `name` or [index]) of those keys.
struct KeySet;
struct Key {
  std::string_view name;
  const KeySet* child = nullptr;
  bool list = false;
};
struct KeySet {
  std::span<const Key> keys;
  const Key* find(std::string_view name) const {
    for (const Key& key : keys) {
      if (key.name == name) return &key;
    }
    return nullptr;
  }
  std::vector<std::string_view> names() const;
};

// A word of the file and the value it stands for.
template <class E>
struct Named {
  std::string_view name;
  E value;
};

// `table`: an array (or std::array) of Named<E>.
template <class E, class Table>
std::string_view name_of(const Table& table, E value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

// Text from the file made safe for a one-line message: escaped, cut at 60 bytes.
std::string printable(std::string_view text);
// " (did you mean `x`?)" when a candidate is close to `word`, else " (expected one of: ...)".
std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates);
// "null", "a list", "a map", "'text'" or "the string 'text'" (quoted in the file).
std::string describe(const YAML::Node& node);
std::string number_text(double value);

// Where errors point: builds the messages and remembers the nodes that came from --set (errors
// in them name the override instead of a line) and the empty values (errors point at their key:
// yaml-cpp marks an empty value where the next token starts, often lines further down).
class Context {
 public:
  explicit Context(std::string source) : source_(std::move(source)) {}
  const std::string& source() const { return source_; }
  void add_override(const YAML::Node& node, std::string text);
  void note_null_value(const YAML::Node& value, const YAML::Mark& key_mark) const;

  [[noreturn]] void fail(const YAML::Mark& mark, std::string_view field,
                         std::string_view problem) const;
  [[noreturn]] void fail(const YAML::Node& at, std::string_view field,
                         std::string_view problem) const;
  [[noreturn]] void fail_override(std::string_view text, std::string_view problem) const;

 private:
  std::string source_;
  std::vector<std::pair<YAML::Node, std::string>> overrides_;
  mutable std::vector<std::pair<YAML::Node, YAML::Mark>> null_values_;
};

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// One map of the file at `path` ("" for the top, "engine", "phases.load.growth"): checked on
// construction to be a map with plain string keys, none twice; then looked up by key.
class Fields {
 public:
  Fields(const Context& ctx, const YAML::Node& map, std::string path);

  void set_path(std::string path) { path_ = std::move(path); }
  const Context& ctx() const { return ctx_; }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  std::string field(std::string_view key) const;

  const Entry* find(std::string_view key) const;
  const std::vector<Entry>& entries() const { return entries_; }  // in the file's order
  // The value at `key`; missing is an error, explained by `hint` if given.
  const YAML::Node& require(std::string_view key, std::string_view hint = {}) const;
  // Sets `out` to the integer in [lo, hi] at `key`, if the key is present.
  template <class T>
  void read_optional(std::string_view key, T& out, std::uint64_t lo, std::uint64_t hi) const;

  // Keys not in `known` are errors, with a suggestion when one is close.
  void reject_unknown(const KeySet& known) const;
  // Keys not in `allowed` are errors: `reason` says why.
  void reject_unused(std::span<const std::string_view> allowed, std::string_view reason) const;

 private:
  const Context& ctx_;
  YAML::Node node_;
  std::string path_;
  std::vector<Entry> entries_;
};

// Readers: the value of `node`, or a SpecError naming `field`. Numbers and booleans must be
// plain scalars (a quoted "5" is a string); integers must be written as integers.
std::string read_string(const Context& ctx, const YAML::Node& node, const std::string& field);
// An integer in [lo, hi]. Above hi the problem is "N bytes is too large: `too_large`" if given.
std::uint64_t read_unsigned(const Context& ctx, const YAML::Node& node, const std::string& field,
                            std::uint64_t lo, std::uint64_t hi, std::string_view too_large = {});
// An integer in [lo, hi], where lo <= 0 <= hi.
std::int64_t read_signed(const Context& ctx, const YAML::Node& node, const std::string& field,
                         std::int64_t lo, std::int64_t hi);
// A finite number in [lo, hi], or (lo, hi] when `lo_open`.
double read_number(const Context& ctx, const YAML::Node& node, const std::string& field, double lo,
                   double hi, bool lo_open = false);
bool read_bool(const Context& ctx, const YAML::Node& node, const std::string& field);
// "10s", "1.5s", "500ms", "100us", "2m", "1h": at least 1ns, at most 720h.
std::chrono::nanoseconds read_duration(const Context& ctx, const YAML::Node& node,
                                       const std::string& field);
// Names appear in --set paths and reports: 1 to 64 of [A-Za-z0-9_-].
std::string read_name(const Context& ctx, const YAML::Node& node, const std::string& field);

// One of the names in `table`; `what` names the kind of word in the message ("op", "dist").
template <class Table>
auto read_enum(const Context& ctx, const YAML::Node& node, const std::string& field,
               std::string_view what, const Table& table) -> decltype(std::begin(table)->value) {
  std::string text = read_string(ctx, node, field);
  std::vector<std::string_view> names;
  for (const auto& entry : table) {
    if (entry.name == text) return entry.value;
    names.push_back(entry.name);
  }
  ctx.fail(node, field,
           "unknown " + std::string(what) + " '" + printable(text) + "'" + suggest(text, names));
}

template <class T>
void Fields::read_optional(std::string_view key, T& out, std::uint64_t lo, std::uint64_t hi) const {
  if (const Entry* entry = find(key)) {
    out = static_cast<T>(read_unsigned(ctx_, entry->value, field(key), lo, hi));
  }
}

// The root of `text`: exactly one YAML document, and a map.
YAML::Node load_root_map(std::string_view text, const Context& ctx);

// Whether `source` names a JSON file (ends in .json, any case).
bool is_json_file(std::string_view source);
// Fails (SpecError naming line and column) unless `text` is strict JSON: no trailing comma, no
// comment, nothing YAML would accept that JSON does not.
void check_strict_json(std::string_view text, const Context& ctx);

}  // namespace heapstore::workload::spec_detail
