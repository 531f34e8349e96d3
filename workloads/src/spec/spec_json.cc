// A Spec back to normalized JSON in the file's own schema (to_json), and its hash (spec_hash).
#include <cstdio>

#include "report.h"
#include "spec.h"
#include "spec_schema.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace heapstore::workload {
namespace {

using nlohmann::json;
using namespace spec_detail;

json size_to_json(const SizeDist& d) {
  json j{{"dist", name_of(kSizeKinds, d.kind)}};
  if (d.kind == SizeDist::Kind::kConstant) {
    j["value"] = d.min;
    return j;
  }
  j["min"] = d.min;
  j["max"] = d.max;
  if (d.kind == SizeDist::Kind::kNormal) j["mean"] = d.mean, j["stddev"] = d.stddev;
  if (d.kind == SizeDist::Kind::kZipfian) j["theta"] = d.theta;
  return j;
}

json select_to_json(const Select& s) {
  json j{{"dist", name_of(kSelectKinds, s.kind)}};
  if (s.kind == Select::Kind::kZipfian || s.kind == Select::Kind::kLatest) j["theta"] = s.theta;
  return j;
}

json growth_to_json(const Growth& g) {
  json j{{"max", g.max}};
  if (g.bytes != 0) {
    j["bytes"] = g.bytes;
  } else {
    j["factor"] = g.factor;
  }
  return j;
}

// In the largest unit that keeps it exact: 1500ms, not 1.5s.
std::string duration_text(std::chrono::nanoseconds duration) {
  static constexpr Named<std::int64_t> kUnits[] = {
      {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000},
      {"ms", 1'000'000},        {"us", 1'000},         {"ns", 1}};
  std::int64_t ns = duration.count();
  for (const auto& unit : kUnits) {
    if (ns % unit.value == 0) return std::to_string(ns / unit.value) + std::string(unit.name);
  }
  return std::to_string(ns) + "ns";
}

// Only the keys the phase's op takes (others would not load back).
json phase_to_json(const Phase& p) {
  json j{{"name", p.name}, {"op", to_string(p.op)}, {"threads", p.threads}};
  if (p.count) j["count"] = *p.count;
  if (p.duration) j["duration"] = duration_text(*p.duration);
  if (p.op == Op::kInsert) j["batch"] = p.batch;
  // An update (or read_modify_write) with growth changes the old size: it has no value_size.
  const bool draws_sizes = p.op == Op::kInsert || p.op == Op::kMix || !p.growth;
  if ((op_info(p.op).takes & kTakesValueSize) && draws_sizes) {
    j["value_size"] = size_to_json(p.value_size);
  }
  if (op_info(p.op).takes & kTakesSelect) j["select"] = select_to_json(p.select);
  if (p.growth) j["growth"] = growth_to_json(*p.growth);
  j["gate"] = p.gate;
  if (p.warmup_count) j["warmup"] = *p.warmup_count;
  if (p.warmup_duration) j["warmup"] = duration_text(*p.warmup_duration);
  if (p.rate) j["rate"] = *p.rate;
  if (p.op == Op::kMix) {
    json& mix = j["mix"] = json::object();
    for (const OpInfo& op : kOpTable)
      if (op.mixable) mix[std::string(op.name)] = p.mix[op.op];
  }
  return j;
}

}  // namespace

json to_json(const Spec& spec) {
  json phases = json::array();
  for (const Phase& phase : spec.phases) phases.push_back(phase_to_json(phase));
  json j{{"schema", kSchema},
         {"name", spec.name},
         {"description", spec.description},
         {"seed", spec.seed},
         {"repetitions", spec.repetitions},
         {"engine", {{"buffer_pool_mib", spec.engine.buffer_pool_mib}, {"sync", spec.engine.sync}}},
         {"containers", spec.containers},
         {"phases", phases}};
  if (!spec.engines.empty()) j["engines"] = spec.engines;
  return j;
}

std::string spec_hash(const Spec& spec) {
  const json j = report::workload_identity(to_json(spec));
  std::string text = j.dump();  // canonical: keys sorted, no spaces
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  return hex;
}

}  // namespace heapstore::workload
