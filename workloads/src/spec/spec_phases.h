// Reading the phases of a workload file (spec_phases.cc), private to the loader (spec.cc).
#pragma once

#include <yaml-cpp/yaml.h>

#include <vector>

#include "spec.h"
#include "spec_values.h"

namespace heapstore::workload::spec_detail {

// The list at `node`: each phase checked against its op, names unique, and every phase that
// picks live values preceded by one that inserts some.
std::vector<Phase> read_phases(const Context& ctx, const YAML::Node& node);

}  // namespace heapstore::workload::spec_detail
