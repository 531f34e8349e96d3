#include "system_info.h"

#include <sqlite3.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "histogram.h"

namespace heapstore::workload {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown";
}

std::string filesystem_of(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) return "unknown";
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x2FC12FC2:
      return "zfs";
    case 0x6969:
      return "nfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(fs.f_type));
      return hex;
    }
  }
}

std::string kernel() {
  struct utsname u {};
  if (::uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release;
}

std::string compiler() {
#if defined(__clang__)
  return "Clang " __clang_version__;
#elif defined(__GNUC__)
  return "GCC " __VERSION__;
#else
  return "unknown";
#endif
}

std::string utc_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The libraries whose code runs in the measured calls, with the versions linked in.
std::map<std::string, std::string> libraries() {
  std::map<std::string, std::string> result = {
      {"sqlite", sqlite3_libversion()},
      {"xxhash", std::to_string(XXH_VERSION_MAJOR) + "." + std::to_string(XXH_VERSION_MINOR) + "." +
                     std::to_string(XXH_VERSION_RELEASE)},
      {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_PATCH)}};
#ifdef _GLIBCXX_RELEASE
  result["libstdc++"] = std::to_string(_GLIBCXX_RELEASE) + " (" + std::to_string(__GLIBCXX__) + ")";
#endif
  return result;
}

}  // namespace

std::string tool_version() {
  return std::string(HEAPSTORE_VERSION) + " (commit " + HEAPSTORE_GIT_COMMIT + ", " + compiler() +
         ", " + HEAPSTORE_BUILD_TYPE + ")";
}

report::Context collect_context(const std::string& data_dir, const std::string& command_line) {
  report::Context c;
  c.tool_version = HEAPSTORE_VERSION;
  c.git_commit = HEAPSTORE_GIT_COMMIT;
  c.compiler = compiler();
  c.compiler_flags = HEAPSTORE_CXX_FLAGS;
  c.build_type = HEAPSTORE_BUILD_TYPE;
  c.cpu_model = cpu_model();
  c.cores = std::thread::hardware_concurrency();
  c.memory_bytes = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                   static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  c.kernel = kernel();
  c.filesystem = filesystem_of(data_dir);
  c.data_dir = data_dir;
  c.time = utc_now();
  c.command_line = command_line;
  c.meter = "time";
  c.libraries = libraries();
  c.clock_resolution_ns = TickClock::resolution_ns();
  c.clock_read_ns = TickClock::read_cost_ns();
  return c;
}

}  // namespace heapstore::workload
