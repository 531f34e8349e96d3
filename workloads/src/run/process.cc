#include "process.h"

#include <fcntl.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace heapstore::workload {
namespace {

// In the child, between fork and exec: only async-signal-safe calls, then exec or _exit(127).
[[noreturn]] void become(std::vector<char*>& argv, const ProcessOptions& options) {
  if (options.no_aslr) ::personality(ADDR_NO_RANDOMIZE);
  if (options.quiet_stdout) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, STDOUT_FILENO);
  }
  ::execv(argv[0], argv.data());
  const char message[] = "heapstore: cannot start a program (exec failed)\n";
  [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(127);
}

}  // namespace

int run_program(const std::vector<std::string>& args, const ProcessOptions& options) {
  if (args.empty()) throw std::invalid_argument("run_program: no program");
  std::vector<std::string> owned = args;
  std::vector<char*> argv;
  for (std::string& a : owned) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(errno));
  if (child == 0) {
    for (const auto& [name, value] : options.env) ::setenv(name.c_str(), value.c_str(), 1);
    become(argv, options);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error("waiting for " + args[0] + " failed");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

std::string self_executable() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) throw std::runtime_error("cannot find this program's file: " + error.message());
  return self.string();
}

std::string make_temp_dir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(dir.data()))
    throw std::runtime_error("cannot create a directory " + dir + ": " + std::strerror(errno));
  return dir;
}

RemoveOnExit::~RemoveOnExit() {
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

}  // namespace heapstore::workload
