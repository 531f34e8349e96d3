// The string fields of Context in one table, shared by the JSON writer (report.cc) and the
// reader (report_reader.cc) so that writing and reading cannot drift apart.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "report.h"

namespace heapstore::report {

inline constexpr std::pair<std::string_view, std::string Context::*> kContextStrings[] = {
    {"tool_version", &Context::tool_version},
    {"git_commit", &Context::git_commit},
    {"compiler", &Context::compiler},
    {"compiler_flags", &Context::compiler_flags},
    {"build_type", &Context::build_type},
    {"cpu_model", &Context::cpu_model},
    {"kernel", &Context::kernel},
    {"filesystem", &Context::filesystem},
    {"data_dir", &Context::data_dir},
    {"time", &Context::time},
    {"command_line", &Context::command_line},
    {"meter", &Context::meter},
    {"valgrind", &Context::valgrind},
};

}  // namespace heapstore::report
