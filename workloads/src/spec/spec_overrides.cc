// --set "key=value" overrides (spec_overrides.h): a dotted key walked down the yaml-cpp tree of a
// workload file, its value put in place before the tree is read.
#include "spec_overrides.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

namespace heapstore::workload::spec_detail {
namespace {

// "phases[1].growth.max" -> {"phases", "[1]", "growth", "max"}; empty when malformed.
std::vector<std::string> split_path(std::string_view path) {
  std::string dotted;
  for (char c : path) dotted += c == '[' ? std::string(".[") : std::string(1, c);
  std::vector<std::string> tokens;
  for (std::size_t start = 0; start <= dotted.size();) {
    std::size_t end = std::min(dotted.find('.', start), dotted.size());
    std::string token = dotted.substr(start, end - start);
    bool index = token.size() > 2 && token.front() == '[' && token.back() == ']' &&
                 token.find_first_not_of("0123456789", 1) == token.size() - 1;
    if (token.empty() || (!index && token.find_first_of("[]") != std::string::npos)) return {};
    tokens.push_back(std::move(token));
    start = end + 1;
  }
  return tokens;
}

std::optional<YAML::Node> child_of(const YAML::Node& map, std::string_view key) {
  for (const auto& pair : map) {
    if (pair.first.IsScalar() && pair.first.Scalar() == key) return pair.second;
  }
  return std::nullopt;
}

// The entry of `list` that `selector` ("[2]" or a name) addresses.
YAML::Node find_entry(const Context& ctx, const std::string& text, const YAML::Node& list,
                      const std::string& selector) {
  if (selector.front() == '[') {
    std::uint64_t index = std::numeric_limits<std::uint64_t>::max();
    std::from_chars(selector.data() + 1, selector.data() + selector.size() - 1, index);
    if (index >= list.size()) {
      ctx.fail_override(text, "no phase at index " +
                                  printable(selector.substr(1, selector.size() - 2)) +
                                  " (the file has " + std::to_string(list.size()) + ")");
    }
    return list[static_cast<std::size_t>(index)];
  }
  for (const YAML::Node& entry : list) {
    if (!entry.IsMap()) continue;
    std::optional<YAML::Node> name = child_of(entry, "name");
    if (name && name->IsScalar() && name->Scalar() == selector) return entry;
  }
  ctx.fail_override(text, "no phase named " + printable(selector));
}

const Key& known_key(const Context& ctx, const std::string& text, const KeySet& keys,
                     const std::string& name, const std::string& walked) {
  if (const Key* key = keys.find(name)) return *key;
  ctx.fail_override(text, "unknown key " + printable(walked + name) + suggest(name, keys.names()));
}

// The entry path[i] of the list at `map`'s key path[i - 1].
YAML::Node list_entry(const Context& ctx, const std::string& text, const YAML::Node& map,
                      const std::vector<std::string>& path, std::size_t i, std::string& walked) {
  std::optional<YAML::Node> list = child_of(map, path[i - 1]);
  if (!list || !list->IsSequence()) ctx.fail_override(text, walked + " is not a list");
  YAML::Node entry = find_entry(ctx, text, *list, path[i]);
  walked += "." + path[i];
  if (i + 1 == path.size()) {
    ctx.fail_override(text, "name a key of " + walked + ", e.g. " + walked + ".count");
  }
  return entry;
}

// The map at `map`'s key `name`, created when missing.
YAML::Node submap(YAML::Node& map, const std::string& name) {
  if (std::optional<YAML::Node> child = child_of(map, name)) return *child;
  map[name] = YAML::Node(YAML::NodeType::Map);
  return *child_of(map, name);
}

// Walks `path` down from the root, creating missing maps, and sets its last key to `value`.
// YAML::Node's operator= writes through to the tree, so the cursor moves with reset().
void set_path(const Context& ctx, const std::string& text, const YAML::Node& root,
              const KeySet& top, const std::vector<std::string>& path, const YAML::Node& value) {
  YAML::Node map = root;
  const KeySet* keys = &top;
  std::string walked;
  for (std::size_t i = 0;; ++i) {
    const Key& key = known_key(ctx, text, *keys, path[i], walked);
    walked += path[i];
    bool last = i + 1 == path.size();
    if (last && !key.list) {
      map.remove(path[i]);  // a fresh node: the old one may be shared through an alias
      map[path[i]] = value;
      return;
    }
    if (key.list && last) ctx.fail_override(text, walked + " is a list: set a key of one entry");
    if (!key.child) ctx.fail_override(text, walked + " has no subkeys");
    YAML::Node child =
        key.list ? list_entry(ctx, text, map, path, ++i, walked) : submap(map, path[i]);
    if (!child.IsMap()) ctx.fail_override(text, walked + " is not a map");
    map.reset(child);
    keys = key.child;
    walked += ".";
  }
}

YAML::Node parse_override_value(const Context& ctx, const std::string& text,
                                const std::string& value) {
  YAML::Node node;
  try {
    node.reset(YAML::Load(value));
  } catch (const YAML::Exception& e) {
    ctx.fail_override(text, "bad value: " + printable(e.msg));
  }
  if (!node.IsScalar() && !node.IsNull()) ctx.fail_override(text, "the value must be a scalar");
  return node;
}

}  // namespace

void apply_override(Context& ctx, const YAML::Node& root, const KeySet& top,
                    const std::string& text) {
  std::size_t equals = text.find('=');
  if (equals == std::string::npos) ctx.fail_override(text, "expected key=value");
  std::vector<std::string> path = split_path(std::string_view(text).substr(0, equals));
  if (path.empty() || path[0].front() == '[') {
    ctx.fail_override(text,
                      "malformed key (e.g. seed, engine.sync, phases.load.count, phases[0].count)");
  }
  YAML::Node value = parse_override_value(ctx, text, text.substr(equals + 1));
  set_path(ctx, text, root, top, path, value);
  ctx.add_override(value, printable(text));
}

}  // namespace heapstore::workload::spec_detail
