// Progress of a run. On a terminal one line per phase is redrawn in place (done, rate, ETA);
// in a CI log, one line is printed when each phase ends.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace heapstore::workload {

class Progress {
 public:
  // `terminal`: redraw in place; `quiet`: print nothing but notes.
  Progress(std::FILE* out, bool terminal, bool quiet = false);

  // A line of its own ("seed 42", "report written to ...").
  void note(const std::string& line);
  // A phase is under way: `done` operations after `elapsed` seconds, of `total` (count phases)
  // or of `duration` seconds.
  void running(const std::string& label, std::uint64_t done, double elapsed,
               std::optional<std::uint64_t> total, std::optional<double> duration);
  // The phase ended.
  void finished(const std::string& label, std::uint64_t operations, double seconds);

 private:
  std::FILE* out_;
  bool terminal_;
  bool quiet_;
  bool line_open_ = false;
};

// "12.3M", "845k", "950": numbers for people.
std::string human_count(double n);

}  // namespace heapstore::workload
