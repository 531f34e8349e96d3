// Starting another program and waiting for it: the counted run (valgrind) and the A/B gate (two
// builds of the tool) both do.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace heapstore::workload {

struct ProcessOptions {
  bool quiet_stdout = false;  // the child's standard output goes to /dev/null
  bool no_aslr = false;       // address-space randomisation off in the child (personality)
  std::vector<std::pair<std::string, std::string>> env;  // set in the child's environment
};

// Runs `args` (args[0] is the program's path; PATH is not searched) and returns its exit status,
// or 128 + the signal that ended it. Throws std::runtime_error when it cannot be started.
int run_program(const std::vector<std::string>& args, const ProcessOptions& options = {});

// The first executable named `name` on PATH, or "" when there is none.
std::string find_on_path(const std::string& name);

// The path of the running program (/proc/self/exe).
std::string self_executable();

// A new, empty directory "$TMPDIR/<prefix>-XXXXXX" (TMPDIR unset: /tmp) that no other process
// shares. Throws std::runtime_error with the reason when it cannot be made.
std::string make_temp_dir(const std::string& prefix);

// Removes a directory tree when it goes out of scope, however the scope ends; an empty path
// removes nothing.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::string dir) : dir_(std::move(dir)) {}
  ~RemoveOnExit();
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;

 private:
  std::string dir_;
};

}  // namespace heapstore::workload
