// The YAML document of a workload file (spec_values.h): loaded as one map, its maps read as
// Fields, and the Context that points each error at a line of it or at a --set override.
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "spec_values.h"

namespace heapstore::workload::spec_detail {
namespace {

[[noreturn]] void throw_at(const std::string& where, std::string_view field,
                           std::string_view problem) {
  std::string message = where + ": ";
  if (!field.empty()) message += std::string(field) + ": ";
  throw SpecError(message + std::string(problem));
}

}  // namespace

// --- Context and Fields ------------------------------------------------------------------------

void Context::add_override(const YAML::Node& node, std::string text) {
  overrides_.push_back({node, std::move(text)});
}

void Context::note_null_value(const YAML::Node& value, const YAML::Mark& key_mark) const {
  null_values_.push_back({value, key_mark});
}

void Context::fail(const YAML::Mark& mark, std::string_view field, std::string_view problem) const {
  std::string where = source_;
  if (mark.line >= 0 && mark.column >= 0) {
    where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  throw_at(where, field, problem);
}

void Context::fail(const YAML::Node& at, std::string_view field, std::string_view problem) const {
  for (const auto& [node, text] : overrides_) {
    if (at.is(node)) throw_at(source_ + ": --set " + text, field, problem);
  }
  for (const auto& [node, key_mark] : null_values_) {
    if (at.is(node)) fail(key_mark, field, problem);
  }
  fail(at.Mark(), field, problem);
}

void Context::fail_override(std::string_view text, std::string_view problem) const {
  throw_at(source_ + ": --set " + printable(text), "", problem);
}

Fields::Fields(const Context& ctx, const YAML::Node& map, std::string path)
    : ctx_(ctx), node_(map), path_(std::move(path)) {
  if (!map.IsMap()) ctx.fail(map, path_, "expected a map, got " + describe(map));
  std::map<std::string, YAML::Mark> seen;
  for (const auto& pair : map) {
    if (!pair.first.IsScalar()) ctx.fail(pair.first, path_, "keys must be plain strings");
    const std::string& key = pair.first.Scalar();
    auto [it, fresh] = seen.emplace(key, pair.first.Mark());
    if (!fresh) {
      ctx.fail(pair.first, field(printable(key)),
               "duplicate key (first at line " + std::to_string(it->second.line + 1) + ")");
    }
    if (pair.second.IsNull()) ctx.note_null_value(pair.second, pair.first.Mark());
    entries_.push_back({key, pair.first, pair.second});
  }
}

std::string Fields::field(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const Entry* Fields::find(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

const YAML::Node& Fields::require(std::string_view key, std::string_view hint) const {
  if (const Entry* entry = find(key)) return entry->value;
  ctx_.fail(node_, field(key), "missing" + std::string(hint));
}

void Fields::reject_unknown(const KeySet& known) const {
  for (const Entry& entry : entries_) {
    if (known.find(entry.key) == nullptr) {
      ctx_.fail(entry.key_node, field(printable(entry.key)),
                "unknown key" + suggest(entry.key, known.names()));
    }
  }
}

void Fields::reject_unused(std::span<const std::string_view> allowed,
                           std::string_view reason) const {
  for (const Entry& entry : entries_) {
    if (std::find(allowed.begin(), allowed.end(), entry.key) == allowed.end()) {
      ctx_.fail(entry.key_node, field(entry.key), reason);
    }
  }
}

// --- the document ------------------------------------------------------------------------------

namespace {

// Sees where documents start without building them: YAML::LoadAll loops forever on some
// inputs (a leading ','), where the parser starts the same document again and again.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

void check_one_document(std::string_view text, const Context& ctx) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  DocumentStarts starts;
  for (int i = 0; i < 2 && parser.HandleNextDocument(starts); ++i) {
  }
  if (starts.marks.size() < 2) return;
  const YAML::Mark& first = starts.marks[0];
  if (starts.marks[1].pos == first.pos) {
    auto at = std::min(static_cast<std::size_t>(std::max(first.pos, 0)), text.size());
    ctx.fail(first, "", "YAML syntax error: unexpected '" + printable(text.substr(at, 1)) + "'");
  }
  ctx.fail(starts.marks[1], "", "expected one YAML document, found more");
}

// The line and column of byte `at` of `text`, as a mark for messages.
YAML::Mark mark_at(std::string_view text, std::size_t at) {
  YAML::Mark mark;
  mark.pos = static_cast<int>(at);
  mark.line = mark.column = 0;
  for (std::size_t i = 0; i < at && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++mark.line;
      mark.column = 0;
    } else {
      ++mark.column;
    }
  }
  return mark;
}

}  // namespace

bool is_json_file(std::string_view source) {
  if (source.size() < 5) return false;
  std::string ext(source.substr(source.size() - 5));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".json";
}

// YAML reads JSON too, but also what JSON forbids (a trailing comma, a comment, a bare word), so
// a .json file is first parsed as JSON (nlohmann/json, strict), failing at the first such byte.
void check_strict_json(std::string_view text, const Context& ctx) {
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, true, false);
    static_cast<void>(parsed);  // only whether it parses matters; YAML builds the tree
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts from 1 and points at the byte that broke the parse (or the end).
    YAML::Mark mark = mark_at(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    std::size_t column = what.find("column ");
    std::size_t reason = what.find(": ", column == std::string::npos ? 0 : column);
    ctx.fail(mark, "",
             "JSON syntax error: " +
                 printable(reason == std::string::npos ? what : what.substr(reason + 2)));
  }
}

YAML::Node load_root_map(std::string_view text, const Context& ctx) {
  YAML::Node root;
  try {
    check_one_document(text, ctx);
    root.reset(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    ctx.fail(e.mark, "", "YAML syntax error: " + printable(e.msg));
  }
  if (root.IsNull()) {
    ctx.fail(YAML::Mark(), "", "the file is empty: expected a map with schema, name and phases");
  }
  if (!root.IsMap()) {
    ctx.fail(root, "", "expected a map with schema, name and phases, got " + describe(root));
  }
  return root;
}

}  // namespace heapstore::workload::spec_detail
