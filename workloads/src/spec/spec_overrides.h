// --set "key=value" overrides (spec_overrides.cc), applied by the loader (spec.cc) to the
// yaml-cpp tree of a workload file before it is read.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "spec_values.h"

namespace heapstore::workload::spec_detail {

// Applies one --set "key=value" to the tree at `root`, whose keys are `top`; the value is one
// YAML scalar. Missing maps on the way are created; unknown keys and phases are errors.
void apply_override(Context& ctx, const YAML::Node& root, const KeySet& top,
                    const std::string& text);

}  // namespace heapstore::workload::spec_detail
