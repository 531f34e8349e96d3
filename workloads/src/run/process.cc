// run_program (fork, execve, wait) and the small file-system helpers around it.
#include "process.h"

#include <fcntl.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace heapstore::workload {
namespace {

// In the child, between fork and exec: only async-signal-safe calls, then exec or _exit(127).
[[noreturn]] void become(char* const* argv, char* const* envp, const ProcessOptions& options) {
  if (options.no_aslr) ::personality(ADDR_NO_RANDOMIZE);
  if (options.quiet_stdout) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, STDOUT_FILENO);
  }
  ::execve(argv[0], argv, envp);
  const char message[] = "heapstore: cannot start a program (exec failed)\n";
  [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(127);
}

// This process's environment with options.env set ("NAME=value" strings).
std::vector<std::string> environment_with(const ProcessOptions& options) {
  std::vector<std::string> result;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    const bool replaced = std::any_of(options.env.begin(), options.env.end(),
                                      [&](const auto& set) { return set.first == name; });
    if (!replaced) result.push_back(entry);
  }
  for (const auto& [name, value] : options.env) result.push_back(name + "=" + value);
  return result;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (std::string& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

}  // namespace

int run_program(const std::vector<std::string>& args, const ProcessOptions& options) {
  if (args.empty()) throw std::invalid_argument("run_program: no program");
  std::vector<std::string> owned_args = args;
  std::vector<std::string> owned_env = environment_with(options);
  const std::vector<char*> argv = pointers(owned_args);  // made before fork: the child may not
  const std::vector<char*> envp = pointers(owned_env);   // allocate
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(errno));
  if (child == 0) become(argv.data(), envp.data(), options);
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
