// The schema of a workload file as tables, shared by its reader (spec.cc, spec_phases.cc), the
// --set overrides and to_json: the keys each map may hold and the words of each enum.
#pragma once

#include <algorithm>
#include <array>
#include <iterator>

#include "spec.h"
#include "spec_values.h"

namespace heapstore::workload::spec_detail {

// --- the keys of each map ----------------------------------------------------------------------

inline constexpr Key kEngineKeys[] = {{"buffer_pool_mib"}, {"sync"}};
inline constexpr Key kEngineChoiceKeys[] = {{"engine"}, {"label"}, {"options"}};
inline constexpr KeySet kEngineChoice{kEngineChoiceKeys};
inline constexpr Key kSizeKeys[] = {{"dist"}, {"value"},  {"min"},  {"max"},
                                    {"mean"}, {"stddev"}, {"theta"}};
inline constexpr Key kSelectKeys[] = {{"dist"}, {"theta"}};
inline constexpr Key kGrowthKeys[] = {{"bytes"}, {"factor"}, {"max"}};
// A mix's keys: the mixable ops of kOpTable.
inline constexpr auto kMixKeys = [] {
  std::array<Key, std::count_if(std::begin(kOpTable), std::end(kOpTable),
                                [](const OpInfo& op) { return op.mixable; })>
      keys{};
  std::size_t next = 0;
  for (const OpInfo& op : kOpTable)
    if (op.mixable) keys[next++] = Key{op.name};
  return keys;
}();
inline constexpr KeySet kEngine{kEngineKeys}, kSize{kSizeKeys}, kSelect{kSelectKeys},
    kGrowth{kGrowthKeys}, kMix{kMixKeys};
// clang-format off
inline constexpr Key kPhaseKeys[] = {
    {"name"}, {"op"}, {"count"}, {"duration"}, {"threads"}, {"batch"}, {"value_size", &kSize},
    {"select", &kSelect}, {"growth", &kGrowth}, {"mix", &kMix}, {"gate"}, {"warmup"}, {"rate"}};
inline constexpr KeySet kPhase{kPhaseKeys};
inline constexpr Key kTopKeys[] = {
    {"schema"}, {"name"}, {"description"}, {"seed"}, {"repetitions"}, {"engine", &kEngine},
    {"containers"}, {"phases", &kPhase, true}, {"engines"}};
inline constexpr KeySet kTop{kTopKeys};
// clang-format on

// --- the words of each enum --------------------------------------------------------------------

// The words of `op`: kOpTable's names.
inline constexpr auto kOps = [] {
  std::array<Named<Op>, kOpCount> names{};
  for (std::size_t i = 0; i < kOpCount; ++i) names[i] = {kOpTable[i].name, kOpTable[i].op};
  return names;
}();
inline constexpr Named<SizeDist::Kind> kSizeKinds[] = {{"constant", SizeDist::Kind::kConstant},
                                                       {"uniform", SizeDist::Kind::kUniform},
                                                       {"normal", SizeDist::Kind::kNormal},
                                                       {"zipfian", SizeDist::Kind::kZipfian}};
inline constexpr Named<Select::Kind> kSelectKinds[] = {{"sequential", Select::Kind::kSequential},
                                                       {"reverse", Select::Kind::kReverse},
                                                       {"uniform", Select::Kind::kUniform},
                                                       {"zipfian", Select::Kind::kZipfian},
                                                       {"latest", Select::Kind::kLatest}};

}  // namespace heapstore::workload::spec_detail
