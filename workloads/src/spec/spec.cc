// Workload files: text -> yaml-cpp tree -> --set overrides -> a validated Spec. This file holds
// the top-level document; spec_phases.cc the phases, spec_values.cc the checked reading of
// values, spec_overrides.cc the overrides and spec_json.cc the way back to normalized JSON.
#include "spec.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "engine_adapter.h"  // parse_engine_choice: an engine named in the file is checked
#include "spec_overrides.h"
#include "spec_phases.h"
#include "spec_schema.h"
#include "spec_values.h"

namespace heapstore::workload {
namespace {

using namespace spec_detail;

constexpr std::uintmax_t kMaxFileBytes = 16 << 20;

// --- the whole file ----------------------------------------------------------------------------

void check_schema(const Fields& f) {
  const Entry* entry = f.find("schema");
  if (!entry) {
    f.ctx().fail(f.node(), "schema",
                 "missing (a workload file starts with `schema: " + std::string(kSchema) + "`)");
  }
  std::string schema = read_string(f.ctx(), entry->value, "schema");
  if (schema != kSchema) {
    f.ctx().fail(entry->value, "schema",
                 "unknown schema version '" + printable(schema) + "' (this build reads " +
                     std::string(kSchema) + ")");
  }
}

EngineConfig read_engine(const Context& ctx, const YAML::Node& node) {
  Fields f(ctx, node, "engine");
  f.reject_unknown(kEngine);
  EngineConfig engine;
  f.read_optional("buffer_pool_mib", engine.buffer_pool_mib, 1, 1 << 20);
  if (const Entry* e = f.find("sync")) engine.sync = read_bool(ctx, e->value, f.field("sync"));
  return engine;
}

// One engine configuration: "ENGINE[:KEY=VALUE]...[@LABEL]", or {engine, label, options}.
std::string read_engine_choice(const Context& ctx, const YAML::Node& node,
                               const std::string& field) {
  std::string text;
  if (node.IsMap()) {
    Fields f(ctx, node, field);
    f.reject_unknown(kEngineChoice);
    text = read_string(ctx, f.require("engine"), f.field("engine"));
    if (const Entry* options = f.find("options")) {
      Fields o(ctx, options->value, f.field("options"));
      for (const Entry& option : o.entries())
        text += ":" + option.key + "=" + read_string(ctx, option.value, o.field(option.key));
    }
    if (const Entry* label = f.find("label"))
      text += "@" + read_string(ctx, label->value, f.field("label"));
  } else {
    text = read_string(ctx, node, field);
  }
  try {
    parse_engine_choice(text);
  } catch (const std::invalid_argument& e) {
    ctx.fail(node, field, e.what());
  }
  return text;
}

std::vector<std::string> read_engines(const Context& ctx, const YAML::Node& node) {
  if (!node.IsSequence() || node.size() == 0)
    ctx.fail(
        node, "engines",
        "expected a non-empty list of engines (e.g. [heapstore, sqlite]), got " + describe(node));
  std::vector<std::string> engines;
  for (std::size_t i = 0; i < node.size(); ++i)
    engines.push_back(read_engine_choice(ctx, node[i], "engines[" + std::to_string(i) + "]"));
  try {
    parse_engine_choices(engines);
  } catch (const std::invalid_argument& e) {
    ctx.fail(node, "engines", e.what());
  }
  return engines;
}

Spec read_spec(const Context& ctx, const YAML::Node& root) {
  Fields f(ctx, root, "");
  check_schema(f);  // first: another version has other keys
  f.reject_unknown(kTop);
  Spec spec;
  spec.source = ctx.source();
  spec.name = read_name(ctx, f.require("name"), "name");
  if (const Entry* e = f.find("description")) {
    spec.description = read_string(ctx, e->value, "description");
  }
  f.read_optional("seed", spec.seed, 0, std::numeric_limits<std::uint64_t>::max());
  f.read_optional("repetitions", spec.repetitions, 1, 1000);
  f.read_optional("containers", spec.containers, 1, kMaxContainers);
  if (const Entry* e = f.find("engine")) spec.engine = read_engine(ctx, e->value);
  if (const Entry* e = f.find("engines")) spec.engines = read_engines(ctx, e->value);
  spec.phases = read_phases(ctx, f.require("phases"));
  return spec;
}

std::string read_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw SpecError(path + ": cannot read the workload file: it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(path + ": cannot read the workload file: " + std::strerror(errno));
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      throw SpecError(path + ": cannot read the workload file: larger than 16 MiB");
    }
  }
  if (in.bad()) throw SpecError(path + ": cannot read the workload file: " + std::strerror(errno));
  return text;
}

}  // namespace

Spec load_spec(const std::string& path, const std::vector<std::string>& overrides) {
  return parse_spec(read_file(path), path, overrides);
}

Spec parse_spec(std::string_view text, const std::string& source,
                const std::vector<std::string>& overrides) {
  Context ctx(source);
  try {
    if (is_json_file(source)) check_strict_json(text, ctx);
    YAML::Node root = load_root_map(text, ctx);
    for (const std::string& setting : overrides) apply_override(ctx, root, kTop, setting);
    return read_spec(ctx, root);
  } catch (const SpecError&) {
    throw;
  } catch (const std::exception& e) {  // yaml-cpp's own (or bad_alloc): still one SpecError
    throw SpecError(source + ": cannot load the workload: " + printable(e.what()));
  }
}

std::string_view to_string(Op op) { return name_of(kOps, op); }

}  // namespace heapstore::workload
