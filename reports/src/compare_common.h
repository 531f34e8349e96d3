// What compare.cc and compare_render.cc share (defined in compare.cc): the order of verdicts,
// and the text of a fraction and of a context value.
#pragma once

#include <string>

#include "compare.h"

namespace heapstore::report {

// fail 3, warn 2, inconclusive 1, pass 0: the overall verdict is the most severe one.
int severity(Verdict verdict);

// A fraction as a signed percentage with one decimal ("+12.5%"), "+inf" or "-inf", and "-"
// for NaN (no value).
std::string percent(double fraction);

// A context value, or "(unknown)" when it is empty.
std::string shown(const std::string& value);

}  // namespace heapstore::report
