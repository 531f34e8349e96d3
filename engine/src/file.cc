// The POSIX file system behind default_file_system(): open/pread/pwrite/fdatasync/rename.
#include "heapstore/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <vector>

#include "heapstore/error.h"

namespace heapstore {

std::size_t File::read_scattered(std::uint64_t offset,
                                 std::span<const std::span<std::byte>> pieces) {
  std::size_t done = 0;
  for (std::span<std::byte> piece : pieces) {
    const std::size_t n = read_at(offset + done, piece);
    done += n;
    if (n < piece.size()) break;
  }
  return done;
}

void File::write_gathered(std::uint64_t offset,
                          std::span<const std::span<const std::byte>> pieces) {
  for (std::span<const std::byte> piece : pieces) {
    write_at(offset, piece);
    offset += piece.size();
  }
}

namespace {

[[noreturn]] void throw_io(const std::string& what, const std::string& path, int err) {
  throw Error(ErrorCode::kIOError, what + " " + path + ": " + std::strerror(err));
}

// After a vectored call moved `n` bytes from iov[i] on: the first piece not yet done, the one it
// stops in trimmed to what is left.
std::size_t consume(std::vector<iovec>& iov, std::size_t i, std::size_t n) {
  for (; n > 0 && n >= iov[i].iov_len; ++i) n -= iov[i].iov_len;
  if (n > 0) {
    iov[i].iov_base = static_cast<std::byte*>(iov[i].iov_base) + n;
    iov[i].iov_len -= n;
  }
  return i;
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) override {
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, offset + done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_io("read", path_, errno);
      if (n == 0) break;  // end of file
      done += static_cast<std::size_t>(n);
    }
    return done;
  }

  void write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, offset + done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_io("write", path_, errno);
      done += static_cast<std::size_t>(n);
    }
  }

  std::size_t read_scattered(std::uint64_t offset,
                             std::span<const std::span<std::byte>> pieces) override {
    std::vector<iovec> iov;
    for (std::span<std::byte> piece : pieces) iov.push_back({piece.data(), piece.size()});
    std::size_t done = 0;
    for (std::size_t i = 0; i < iov.size();) {
      const int count = static_cast<int>(std::min<std::size_t>(iov.size() - i, IOV_MAX));
      ssize_t n = ::preadv(fd_, &iov[i], count, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_io("read", path_, errno);
      if (n == 0) break;  // end of file
      done += static_cast<std::size_t>(n);
      i = consume(iov, i, static_cast<std::size_t>(n));
    }
    return done;
  }

  void write_gathered(std::uint64_t offset,
                      std::span<const std::span<const std::byte>> pieces) override {
    std::vector<iovec> iov;
    for (std::span<const std::byte> piece : pieces)
      iov.push_back({const_cast<std::byte*>(piece.data()), piece.size()});  // pwritev only reads
    std::size_t done = 0;
    for (std::size_t i = 0; i < iov.size();) {
      const int count = static_cast<int>(std::min<std::size_t>(iov.size() - i, IOV_MAX));
      ssize_t n = ::pwritev(fd_, &iov[i], count, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_io("write", path_, errno);
      done += static_cast<std::size_t>(n);
      i = consume(iov, i, static_cast<std::size_t>(n));
    }
  }

  std::uint64_t size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw_io("stat", path_, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }

  void truncate(std::uint64_t length) override {
    if (::ftruncate(fd_, static_cast<off_t>(length)) != 0) throw_io("truncate", path_, errno);
  }

  void sync() override {
    if (::fdatasync(fd_) != 0) throw_io("sync", path_, errno);
  }

  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

// flock(2) on an open descriptor: released when the descriptor closes, also when the process dies,
// so a crashed holder never leaves a stale lock behind. Separate opens conflict even within one
// process, since flock locks belong to the open file description.
class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }

 private:
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  std::unique_ptr<File> open(const std::string& path, bool create) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd < 0) throw_io("open", path, errno);
    return std::make_unique<PosixFile>(fd, path);
  }

  bool exists(const std::string& path) override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }

  void remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_io("remove", path, errno);
  }

  void rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) throw_io("rename to " + to + ":", from, errno);
  }

  void create_directories(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) throw_io("create directory", path, ec.value());
    if (!std::filesystem::is_directory(path, ec)) throw_io("use directory", path, ENOTDIR);
  }

  std::vector<std::string> list(const std::string& path) override {
    std::vector<std::string> names;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) throw_io("list", path, ec.value());
    return names;
  }

  void sync_directory(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_io("open directory", path, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) throw_io("sync directory", path, err);
  }

  std::unique_ptr<FileLock> lock(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw_io("open lock file", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        throw Error(ErrorCode::kIOError,
                    path +
                        " is locked: the store is open in another process (or elsewhere in "
                        "this one)");
      throw_io("lock", path, err);
    }
    return std::make_unique<PosixFileLock>(fd);
  }
};

}  // namespace

FileSystem& default_file_system() {
  static PosixFileSystem fs;
  return fs;
}

}  // namespace heapstore
