// What is checked of two reports before they are compared: that they ran the same workload
// (and if not, the first difference), which phases are gated, and which context differences
// would mix machine or build with code.
#include <optional>
#include <string_view>

#include "compare_common.h"

namespace heapstore::report {
namespace {

using nlohmann::json;

constexpr std::size_t kLongestValue = 60;  // longer values are cut in messages

std::string value_text(const json* value) {
  if (value == nullptr) return "absent";
  std::string text = value->dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kLongestValue) text = text.substr(0, kLongestValue - 3) + "...";
  return text;
}

std::string difference(const std::string& path, const json* baseline, const json* candidate) {
  return (path.empty() ? "the workload" : path) + " is " + value_text(baseline) +
         " in the baseline and " + value_text(candidate) + " in the candidate";
}

const json* child(const json& object, const std::string& key) {
  const auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

// The first place where `a` and `b` differ, keys in sorted order and array entries in order.
std::optional<std::string> first_difference(const json& a, const json& b, const std::string& path) {
  if (a.is_object() && b.is_object()) {
    json keys = json::object();  // sorted union of both sides' keys
    for (const auto& item : a.items()) keys[item.key()] = true;
    for (const auto& item : b.items()) keys[item.key()] = true;
    for (const auto& item : keys.items()) {
      const std::string at = path.empty() ? item.key() : path + "." + item.key();
      const json* in_a = child(a, item.key());
      const json* in_b = child(b, item.key());
      if (in_a == nullptr || in_b == nullptr) return difference(at, in_a, in_b);
      if (auto found = first_difference(*in_a, *in_b, at)) return found;
    }
    return std::nullopt;
  }
  if (a.is_array() && b.is_array()) {
    for (std::size_t i = 0; i < a.size() || i < b.size(); ++i) {
      const std::string at = path + "[" + std::to_string(i) + "]";
      if (i >= a.size() || i >= b.size()) {
        return difference(at, i < a.size() ? &a[i] : nullptr, i < b.size() ? &b[i] : nullptr);
      }
      if (auto found = first_difference(a[i], b[i], at)) return found;
    }
    return std::nullopt;
  }
  if (a != b) return difference(path, &a, &b);
  return std::nullopt;
}

// A context field whose difference is flagged, and how the warning reads.
struct ContextCheck {
  std::string Context::*field;
  const char* baseline_was;  // "baseline ran on " + value + after
  const char* candidate_was;
  const char* after;
  const char* consequence;
};

constexpr ContextCheck kContextChecks[] = {
    {&Context::cpu_model, "baseline ran on ", "candidate on ", "", "ratios mix machine and code"},
    {&Context::build_type, "baseline is a ", "candidate a ", " build",
     "ratios mix build type and code"},
    {&Context::compiler, "baseline was built with ", "candidate with ", "",
     "ratios mix compiler and code"},
};

}  // namespace

void check_same_workload(const Report& baseline, const Report& candidate) {
  if (baseline.workload_hash == candidate.workload_hash) return;
  const auto found = first_difference(workload_identity(baseline.workload),
                                      workload_identity(candidate.workload), "");
  if (found) throw ReportError("the workloads differ: " + *found);
}

std::set<std::string> ungated_phases(const Report& baseline, const Report& candidate) {
  std::set<std::string> names;
  for (const json* workload : {&baseline.workload, &candidate.workload}) {
    const json* phases = workload->is_object() ? child(*workload, "phases") : nullptr;
    if (phases == nullptr || !phases->is_array()) continue;
    for (const json& phase : *phases) {
      const json* name = phase.is_object() ? child(phase, "name") : nullptr;
      const json* gate = phase.is_object() ? child(phase, "gate") : nullptr;
      if (name != nullptr && name->is_string() && gate != nullptr && *gate == false) {
        names.insert(name->get<std::string>());
      }
    }
  }
  return names;
}

std::string meter_of(const Context& context) {
  return context.meter.empty() ? std::string(kMeterTime)
                               : context.meter;  // reports from before counted runs
}

void context_warnings(const Context& baseline, const Context& candidate,
                      std::vector<std::string>& warnings) {
  // Counts come from a simulated cache, so the machine does not matter; the libraries do.
  const bool counted = meter_of(baseline) == kCountedMeter && meter_of(candidate) == kCountedMeter;
  for (const ContextCheck& check : kContextChecks) {
    const std::string& a = baseline.*check.field;
    const std::string& b = candidate.*check.field;
    if (a == b || (counted && check.field == &Context::cpu_model)) continue;
    warnings.push_back(check.baseline_was + shown(a) + check.after + ", " + check.candidate_was +
                       shown(b) + check.after + ": " + check.consequence);
  }
  if (!baseline.valgrind.empty() && !candidate.valgrind.empty() &&
      baseline.valgrind != candidate.valgrind) {
    warnings.push_back("baseline was counted under " + baseline.valgrind + ", candidate under " +
                       candidate.valgrind + ": counts mix Valgrind version and code");
  }
  for (const auto& [library, version] : baseline.libraries) {
    const auto other = candidate.libraries.find(library);
    if (other != candidate.libraries.end() && other->second != version)
      warnings.push_back("baseline was linked with " + library + " " + version +
                         ", candidate with " + other->second + ": results mix library and code");
  }
}

const EngineResult* find_engine(const Report& report, const std::string& name) {
  for (const EngineResult& engine : report.engines) {
    if (engine.name == name) return &engine;
  }
  return nullptr;
}

}  // namespace heapstore::report
