#include "progress.h"

#include <algorithm>

namespace heapstore::workload {

std::string human_count(double n) {
  char buf[32];
  if (n >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.2fG", n / 1e9);
  } else if (n >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  } else if (n >= 1e4) {
    std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", n);
  }
  return buf;
}

Progress::Progress(std::FILE* out, bool terminal, bool quiet)
    : out_(out), terminal_(terminal), quiet_(quiet) {}

void Progress::note(const std::string& line) {
  if (line_open_) std::fputc('\n', out_);
  line_open_ = false;
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void Progress::running(const std::string& label, std::uint64_t done, double elapsed,
                       std::optional<std::uint64_t> total, std::optional<double> duration) {
  if (!terminal_ || quiet_ || elapsed <= 0) return;
  double rate = static_cast<double>(done) / elapsed;
  double left =
      duration
          ? *duration - elapsed
          : (total && rate > 0 ? static_cast<double>(*total - std::min(*total, done)) / rate : 0);
  std::string of = total ? "/" + human_count(static_cast<double>(*total)) : "";
  std::fprintf(out_, "\r\033[K  %-36s %9s%s ops  %9s ops/s  ETA %5.1fs", label.c_str(),
               human_count(static_cast<double>(done)).c_str(), of.c_str(),
               human_count(rate).c_str(), std::max(0.0, left));
  std::fflush(out_);
  line_open_ = true;
}

void Progress::finished(const std::string& label, std::uint64_t operations, double seconds) {
  if (quiet_) return;
  if (terminal_) std::fputs("\r\033[K", out_);
  double rate = seconds > 0 ? static_cast<double>(operations) / seconds : 0;
  std::fprintf(out_, "  %-36s %9s ops in %7.3f s  %9s ops/s\n", label.c_str(),
               human_count(static_cast<double>(operations)).c_str(), seconds,
               human_count(rate).c_str());
  std::fflush(out_);
  line_open_ = false;
}

}  // namespace heapstore::workload
