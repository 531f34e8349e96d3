// The phases of a workload file (spec_phases.h): value sizes, selection, growth and mix, which
// op takes which key, and the checks across phases.
#include "spec_phases.h"

#include <cmath>
#include <limits>
#include <map>

#include "heapstore/storage_manager.h"
#include "spec_schema.h"

namespace heapstore::workload::spec_detail {
namespace {

constexpr std::uint64_t kMaxValueSize = kMaxValueBytes;
static_assert(StorageManager::kMaxValueSize == kDefaultMaxValueBytes, "the defaults say 4066");
constexpr std::string_view kTooLarge = "a workload's values are at most 1 MiB (1048576 bytes)";
constexpr std::uint64_t kMaxCount = std::numeric_limits<std::int64_t>::max();
constexpr double kMaxTheta = 10;

// Phase keys that only some ops take: which kTakes* bit of kOpTable says so.
struct OpRule {
  std::string_view key;
  unsigned bit;
};
constexpr OpRule kOpRules[] = {{"batch", kTakesBatch},   {"value_size", kTakesValueSize},
                               {"select", kTakesSelect}, {"growth", kTakesGrowth},
                               {"mix", kTakesMix},       {"duration", kTakesDuration},
                               {"rate", kTakesRate}};

// "insert, update and mix": the ops whose row in kOpTable has `bit`.
std::string ops_taking(unsigned bit) {
  std::vector<std::string_view> names;
  for (const OpInfo& op : kOpTable)
    if (op.takes & bit) names.push_back(op.name);
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + std::string(names[i]);
  return text;
}

// The fastest open-loop rate a workload may ask for, in operations per second.
constexpr double kMaxRate = 1e9;

// The keys each size dist takes.
std::span<const std::string_view> size_keys(SizeDist::Kind kind) {
  static constexpr std::string_view kConstant[] = {"dist", "value"};
  static constexpr std::string_view kUniform[] = {"dist", "min", "max"};
  static constexpr std::string_view kNormal[] = {"dist", "mean", "stddev", "min", "max"};
  static constexpr std::string_view kZipfian[] = {"dist", "min", "max", "theta"};
  switch (kind) {
    case SizeDist::Kind::kConstant:
      return kConstant;
    case SizeDist::Kind::kUniform:
      return kUniform;
    case SizeDist::Kind::kNormal:
      return kNormal;
    default:
      return kZipfian;
  }
}

// --- value sizes, selection, growth, mix --------------------------------------------------------

std::uint32_t read_bytes(const Fields& f, std::string_view key, std::uint64_t lo = 0) {
  return static_cast<std::uint32_t>(
      read_unsigned(f.ctx(), f.require(key), f.field(key), lo, kMaxValueSize, kTooLarge));
}

double read_theta(const Context& ctx, const YAML::Node& node, const std::string& field) {
  return read_number(ctx, node, field, 0, kMaxTheta, true);
}

void read_size_bounds(const Fields& f, SizeDist& dist) {
  if (dist.kind == SizeDist::Kind::kConstant) {
    dist.min = dist.max = read_bytes(f, "value");
    return;
  }
  bool normal = dist.kind == SizeDist::Kind::kNormal;  // the only one with default bounds
  dist.min = normal && !f.find("min") ? 0 : read_bytes(f, "min");
  dist.max = normal && !f.find("max") ? kDefaultMaxValueBytes : read_bytes(f, "max");
  if (dist.min > dist.max) {
    f.ctx().fail(f.require("min"), f.field("min"),
                 std::to_string(dist.min) + " is above max " + std::to_string(dist.max));
  }
  if (normal) {
    dist.mean = read_number(f.ctx(), f.require("mean"), f.field("mean"), dist.min, dist.max);
    dist.stddev = read_number(f.ctx(), f.require("stddev"), f.field("stddev"), 0, kMaxValueSize);
  }
  if (const Entry* theta = f.find("theta")) {
    dist.theta = read_theta(f.ctx(), theta->value, f.field("theta"));
  }
}

SizeDist read_size(const Context& ctx, const YAML::Node& node, const std::string& field) {
  SizeDist dist;
  if (node.IsScalar()) {
    dist.min = dist.max =
        static_cast<std::uint32_t>(read_unsigned(ctx, node, field, 0, kMaxValueSize, kTooLarge));
    return dist;
  }
  if (!node.IsMap()) {
    ctx.fail(node, field, "expected a size in bytes or a map {dist: ...}, got " + describe(node));
  }
  Fields f(ctx, node, field);
  f.reject_unknown(kSize);
  dist.kind = read_enum(ctx, f.require("dist"), f.field("dist"), "dist", kSizeKinds);
  f.reject_unused(size_keys(dist.kind),
                  "not used by dist " + std::string(name_of(kSizeKinds, dist.kind)));
  read_size_bounds(f, dist);
  return dist;
}

Select read_select(const Context& ctx, const YAML::Node& node, const std::string& field) {
  Select select;
  if (node.IsScalar()) {
    select.kind = read_enum(ctx, node, field, "select dist", kSelectKinds);
    return select;
  }
  if (!node.IsMap()) {
    ctx.fail(node, field, "expected a dist name or a map {dist: ...}, got " + describe(node));
  }
  Fields f(ctx, node, field);
  f.reject_unknown(kSelect);
  select.kind = read_enum(ctx, f.require("dist"), f.field("dist"), "select dist", kSelectKinds);
  if (const Entry* theta = f.find("theta")) {
    if (select.kind != Select::Kind::kZipfian && select.kind != Select::Kind::kLatest) {
      ctx.fail(theta->key_node, f.field("theta"), "only dist zipfian and latest take theta");
    }
    select.theta = read_theta(ctx, theta->value, f.field("theta"));
  }
  return select;
}

Growth read_growth(const Context& ctx, const YAML::Node& node, const std::string& field) {
  Fields f(ctx, node, field);
  f.reject_unknown(kGrowth);
  const Entry* bytes = f.find("bytes");
  const Entry* factor = f.find("factor");
  if (bytes && factor) {
    ctx.fail(factor->key_node, f.field("factor"), "give bytes or factor, not both");
  }
  if (!bytes && !factor) {
    ctx.fail(node, field, "missing bytes or factor (e.g. {bytes: 32, max: 2048})");
  }
  Growth growth;
  if (bytes) {
    auto limit = static_cast<std::int64_t>(kMaxValueSize);
    growth.bytes =
        static_cast<std::int32_t>(read_signed(ctx, bytes->value, f.field("bytes"), -limit, limit));
  } else {
    growth.factor = read_number(ctx, factor->value, f.field("factor"), 0, kMaxValueSize, true);
  }
  if (f.find("max")) growth.max = read_bytes(f, "max", 1);
  return growth;
}

Mix read_mix(const Context& ctx, const YAML::Node& node, const std::string& field) {
  Fields f(ctx, node, field);
  f.reject_unknown(kMix);
  Mix mix;
  double sum = 0;
  for (const OpInfo& op : kOpTable) {
    if (const Entry* entry = op.mixable ? f.find(op.name) : nullptr) {
      mix[op.op] = read_number(ctx, entry->value, f.field(op.name), 0, 1);
    }
    sum += mix[op.op];
  }
  if (std::abs(sum - 1) > 1e-6) {
    ctx.fail(node, field, "shares must sum to 1, they sum to " + number_text(sum));
  }
  return mix;
}

// --- phases ------------------------------------------------------------------------------------

void check_op_keys(const Fields& f, Op op) {
  for (const OpRule& rule : kOpRules) {
    const Entry* entry = f.find(rule.key);
    if (entry && (op_info(op).takes & rule.bit) == 0) {
      f.ctx().fail(entry->key_node, f.field(rule.key),
                   "not allowed for op " + std::string(to_string(op)) + " (" +
                       std::string(rule.key) + " is for " + ops_taking(rule.bit) + ")");
    }
  }
}

void read_amount(const Fields& f, Phase& phase) {
  const Entry* count = f.find("count");
  const Entry* duration = f.find("duration");
  if (count && duration) {
    f.ctx().fail(duration->key_node, f.field("duration"), "give count or duration, not both");
  }
  if (count) {
    phase.count = read_unsigned(f.ctx(), count->value, f.field("count"), 1, kMaxCount);
  } else if (duration) {
    phase.duration = read_duration(f.ctx(), duration->value, f.field("duration"));
  } else {
    f.ctx().fail(f.node(), f.path(),
                 phase.op == Op::kScan ? "missing count (the number of full scans)"
                                       : "missing count or duration (give one)");
  }
}

// `warmup`: a number of operations, or a duration ("2s").
void read_warmup(const Fields& f, Phase& phase) {
  const Entry* e = f.find("warmup");
  if (!e) return;
  const std::string text = e->value.IsScalar() ? e->value.Scalar() : "";
  const bool count = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (count)
    phase.warmup_count = read_unsigned(f.ctx(), e->value, f.field("warmup"), 1, kMaxCount);
  else
    phase.warmup_duration = read_duration(f.ctx(), e->value, f.field("warmup"));
}

void read_phase_options(const Fields& f, Phase& phase) {
  const Context& ctx = f.ctx();
  read_warmup(f, phase);
  if (const Entry* e = f.find("rate"))
    phase.rate = read_number(ctx, e->value, f.field("rate"), 0, kMaxRate, true);
  f.read_optional("threads", phase.threads, 1, 64);
  f.read_optional("batch", phase.batch, 1, 65536);
  if (const Entry* e = f.find("gate")) phase.gate = read_bool(ctx, e->value, f.field("gate"));
  const Entry* size = f.find("value_size");
  if (size) phase.value_size = read_size(ctx, size->value, f.field("value_size"));
  if (const Entry* e = f.find("select")) {
    phase.select = read_select(ctx, e->value, f.field("select"));
  }
  if (const Entry* e = f.find("growth")) {
    phase.growth = read_growth(ctx, e->value, f.field("growth"));
  }
  if (phase.op == Op::kMix) {
    phase.mix = read_mix(ctx, f.require("mix", " (e.g. {get: 0.5, update: 0.5})"), f.field("mix"));
  }
  if (phase.op != Op::kMix && phase.growth && size) {  // update, read_modify_write
    ctx.fail(size->key_node, f.field("value_size"),
             "give growth or value_size, not both (growth changes the old size, value_size "
             "draws a new one)");
  }
}

Phase read_phase(const Context& ctx, const YAML::Node& node, std::size_t index) {
  Fields f(ctx, node, "phases[" + std::to_string(index) + "]");
  Phase phase;
  phase.name = read_name(ctx, f.require("name"), f.field("name"));
  f.set_path("phases." + phase.name);
  f.reject_unknown(kPhase);
  phase.op = read_enum(ctx, f.require("op"), f.field("op"), "op", kOps);
  check_op_keys(f, phase.op);
  read_amount(f, phase);
  read_phase_options(f, phase);
  return phase;
}

// Updates, deletes and gets pick among live values: some earlier phase must insert them.
void check_values_exist(const Context& ctx, const std::vector<Phase>& phases,
                        const std::vector<YAML::Node>& nodes) {
  bool inserted = false;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const Phase& p = phases[i];
    bool picks = op_info(p.op).needs_live_value || (p.op == Op::kMix && p.mix[Op::kInsert] == 0);
    if (picks && !inserted) {
      ctx.fail(nodes[i], "phases." + p.name,
               "op " + std::string(to_string(p.op)) +
                   " picks live values, but no earlier phase inserts any (add an insert phase "
                   "before it)");
    }
    inserted = inserted || p.op == Op::kInsert || (p.op == Op::kMix && p.mix[Op::kInsert] > 0);
  }
}

}  // namespace

std::vector<Phase> read_phases(const Context& ctx, const YAML::Node& node) {
  if (!node.IsSequence()) {
    ctx.fail(node, "phases", "expected a list of phases, got " + describe(node));
  }
  if (node.size() == 0) ctx.fail(node, "phases", "empty: a workload needs at least one phase");
  std::vector<Phase> phases;
  std::vector<YAML::Node> nodes;
  std::map<std::string, std::size_t> index_of;
  for (const YAML::Node& item : node) {
    Phase phase = read_phase(ctx, item, phases.size());
    auto [it, fresh] = index_of.emplace(phase.name, phases.size());
    if (!fresh) {
      ctx.fail(item, "phases[" + std::to_string(phases.size()) + "].name",
               "duplicate phase name '" + phase.name + "' (also phases[" +
                   std::to_string(it->second) + "], line " +
                   std::to_string(nodes[it->second].Mark().line + 1) + ")");
    }
    phases.push_back(std::move(phase));
    nodes.push_back(item);
  }
  check_values_exist(ctx, phases, nodes);
  return phases;
}

}  // namespace heapstore::workload::spec_detail
