// The schema of a workload file as tables, shared by its reader (spec.cc, spec_phases.cc), the
// --set overrides and to_json: the keys each map may hold and the words of each enum.
#pragma once

#include "spec.h"
#include "spec_values.h"

namespace heapstore::workload::spec_detail {

// --- the keys of each map ----------------------------------------------------------------------

inline constexpr Key kEngineKeys[] = {{"buffer_pool_mib"}, {"sync"}};
inline constexpr Key kSizeKeys[] = {{"dist"}, {"value"},  {"min"},  {"max"},
                                    {"mean"}, {"stddev"}, {"theta"}};
inline constexpr Key kSelectKeys[] = {{"dist"}, {"theta"}};
inline constexpr Key kGrowthKeys[] = {{"bytes"}, {"factor"}, {"max"}};
inline constexpr Key kMixKeys[] = {{"get"}, {"update"}, {"insert"}, {"delete"}};
inline constexpr KeySet kEngine{kEngineKeys}, kSize{kSizeKeys}, kSelect{kSelectKeys},
    kGrowth{kGrowthKeys}, kMix{kMixKeys};
// clang-format off
inline constexpr Key kPhaseKeys[] = {
    {"name"}, {"op"}, {"count"}, {"duration"}, {"threads"}, {"batch"}, {"value_size", &kSize},
    {"select", &kSelect}, {"growth", &kGrowth}, {"mix", &kMix}, {"gate"}, {"warmup"}, {"rate"}};
inline constexpr KeySet kPhase{kPhaseKeys};
inline constexpr Key kTopKeys[] = {
    {"schema"}, {"name"}, {"description"}, {"seed"}, {"repetitions"}, {"engine", &kEngine},
    {"containers"}, {"phases", &kPhase, true}};
inline constexpr KeySet kTop{kTopKeys};
// clang-format on

// --- the words of each enum --------------------------------------------------------------------

inline constexpr Named<Op> kOps[] = {{"insert", Op::kInsert}, {"update", Op::kUpdate},
                                     {"delete", Op::kDelete}, {"get", Op::kGet},
                                     {"scan", Op::kScan},     {"mix", Op::kMix}};
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
