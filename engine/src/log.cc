// The write-ahead log: files, frames, group commit and the fail-stop state (log_format.md).
#include "log.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <thread>

#include "checksum.h"
#include "heapstore/error.h"

namespace heapstore {
namespace {

constexpr char kFileMagic[8] = {'H', 'S', 'W', 'A', 'L', '0', '0', '1'};
constexpr std::uint32_t kFrameMagic = 0x4d524648;  // "HFRM"
// The buffer is written out before a change once it holds this much (prepare_change).
constexpr std::size_t kWriteOutBytes = std::size_t{1} << 20;
// A frame longer than this is damage, not a frame (a batch of values larger than 1 GiB is not).
constexpr std::uint64_t kMaxFrameBytes = std::uint64_t{1} << 30;

template <typename T>
void put_at(std::byte* at, T value) {
  std::memcpy(at, &value, sizeof value);
}
template <typename T>
T get_at(const std::byte* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

std::uint64_t frame_checksum(std::span<const std::byte> payload, Lsn lsn) {
  return bytes_checksum(payload, lsn ^ (std::uint64_t{payload.size()} << 40));
}

}  // namespace

std::string log_file_name(std::uint64_t seq) { return "wal." + std::to_string(seq); }

std::optional<std::uint64_t> parse_log_file_name(std::string_view name) {
  if (!name.starts_with("wal.") || name.size() == 4) return std::nullopt;
  std::uint64_t seq = 0;
  auto [end, ec] = std::from_chars(name.data() + 4, name.data() + name.size(), seq);
  if (ec != std::errc() || end != name.data() + name.size()) return std::nullopt;
  return seq;
}

// Reads frame by frame, not the whole file: a reused log file (L9) is as long as the old log was,
// and everything after the first frame that does not follow is not this log's.
LogContents read_log_file(FileSystem& fs, const std::string& path, std::uint64_t seq, Lsn start) {
  LogContents found{.ops = {}, .start = start, .valid_bytes = 0, .trailing_garbage = false};
  if (!fs.exists(path)) return found;
  auto file = fs.open(path, false);
  const std::uint64_t size = file->size();
  std::byte h[Log::kFileHeaderSize];
  if (size < Log::kFileHeaderSize || file->read_at(0, h) < Log::kFileHeaderSize) {
    found.trailing_garbage = size > 0;
    return found;
  }
  if (std::memcmp(h, kFileMagic, 8) != 0 ||
      get_at<std::uint64_t>(h + 24) != bytes_checksum({h, 24})) {
    found.trailing_garbage = true;  // a torn header: the file was never synced, so holds nothing
    return found;
  }
  if (get_at<std::uint64_t>(h + 8) < seq && get_at<Lsn>(h + 16) <= start) {
    found.trailing_garbage = true;  // a reused file whose new header never reached disk (L9)
    return found;
  }
  if (get_at<std::uint64_t>(h + 8) != seq || get_at<Lsn>(h + 16) != start)
    throw Error(ErrorCode::kCorruption, "log " + path + ": the header is that of log " +
                                            std::to_string(get_at<std::uint64_t>(h + 8)) +
                                            " from LSN " + std::to_string(get_at<Lsn>(h + 16)) +
                                            ", the catalog expects log " + std::to_string(seq) +
                                            " from LSN " + std::to_string(start));
  std::uint64_t at = Log::kFileHeaderSize;
  Lsn lsn = start;
  std::byte f[Log::kFrameHeaderSize];
  while (size - at >= Log::kFrameHeaderSize && file->read_at(at, f) == Log::kFrameHeaderSize) {
    auto length = get_at<std::uint32_t>(f + 4);
    if (get_at<std::uint32_t>(f) != kFrameMagic || length > kMaxFrameBytes ||
        length > size - at - Log::kFrameHeaderSize || get_at<Lsn>(f + 8) != lsn)
      break;
    const std::size_t before = found.ops.size();
    found.ops.resize(before + length);
    std::span<std::byte> payload(found.ops.data() + before, length);
    if (file->read_at(at + Log::kFrameHeaderSize, payload) != length ||
        get_at<std::uint64_t>(f + 16) != frame_checksum(payload, lsn)) {
      found.ops.resize(before);
      break;
    }
    at += Log::kFrameHeaderSize + length;
    lsn += length;
  }
  found.valid_bytes = at;
  found.trailing_garbage = at < size;
  return found;
}

Log::Log(FileSystem& fs, std::string dir, Durability durability)
    : fs_(fs), dir_(std::move(dir)), durability_(durability) {
  buffer_.grow(kFrameHeaderSize);
}

void Log::start_file(std::uint64_t seq, Lsn start, std::optional<std::uint64_t> reuse) {
  std::lock_guard io(io_mutex_);
  std::string path = dir_ + "/" + log_file_name(seq);
  std::unique_ptr<File> file;
  if (reuse && fs_.exists(dir_ + "/" + log_file_name(*reuse))) {
    fs_.rename(dir_ + "/" + log_file_name(*reuse), path);
    file = fs_.open(path, false);
  } else {
    file = fs_.open(path, true);
    file->truncate(0);
  }
  std::byte header[kFileHeaderSize];
  std::memcpy(header, kFileMagic, 8);
  put_at(header + 8, seq);
  put_at(header + 16, start);
  put_at(header + 24, bytes_checksum({header, 24}));
  file->write_at(0, header);
  if (durability_ != Durability::kNone) {
    try {
      file->sync();
      fs_.sync_directory(dir_);
    } catch (const Error& e) {
      fail(std::string("starting log ") + path + " failed: " + e.what());
      throw;
    }
  }
  use_file(std::move(file), seq, kFileHeaderSize, start);
  allocated_ = std::max<std::uint64_t>(kFileHeaderSize, file_->size());  // a reused file's length
}

// Appends go to `file` (log `seq`) from byte `offset` on, the next LSN being `end`; everything
// before it is durable. The buffer must hold no operation.
void Log::use_file(std::unique_ptr<File> file, std::uint64_t seq, std::uint64_t offset, Lsn end) {
  file_ = std::move(file);
  seq_ = seq;
  file_offset_ = offset;
  allocated_ = offset;
  written_ = end;
  durable_ = end;
  std::lock_guard lock(append_mutex_);
  buffer_.shrink_to(kFrameHeaderSize);
  buffered_ = kFrameHeaderSize;
  buffer_lsn_ = end_ = end;
}

void Log::resume_file(std::uint64_t seq, Lsn end, std::uint64_t valid_bytes) {
  std::lock_guard io(io_mutex_);
  auto file = fs_.open(dir_ + "/" + log_file_name(seq), false);
  if (file->size() != valid_bytes) file->truncate(valid_bytes);
  use_file(std::move(file), seq, valid_bytes, end);
}

void Log::close_file() {
  std::lock_guard io(io_mutex_);
  file_.reset();
}

Lsn Log::append(std::span<const std::byte> op) {
  std::lock_guard lock(append_mutex_);
  buffer_.append(op);
  buffered_.store(buffer_.size(), std::memory_order_relaxed);
  Lsn lsn = end_;
  end_ += op.size();
  return lsn;
}

void Log::prepare_change() {
  throw_if_failed();
  if (buffered_.load(std::memory_order_relaxed) < kWriteOutBytes) return;
  std::lock_guard io(io_mutex_);
  write_out();
}

// Writes the buffered operations as one frame at the end of the file. On failure they stay
// buffered, ahead of any appended meanwhile, and the next write puts the frame at the same place.
void Log::write_out() {
  ByteBuffer frame = std::move(spare_);  // reuses the last frame's memory
  frame.shrink_to(0);
  frame.grow(kFrameHeaderSize);
  Lsn first = 0;
  {
    std::lock_guard lock(append_mutex_);
    if (buffer_.size() == kFrameHeaderSize) return;
    std::swap(frame, buffer_);
    buffered_ = kFrameHeaderSize;
    first = buffer_lsn_;
    buffer_lsn_ = end_;
  }
  std::span<const std::byte> payload(frame.data() + kFrameHeaderSize,
                                     frame.size() - kFrameHeaderSize);
  put_at(frame.data(), kFrameMagic);
  put_at(frame.data() + 4, static_cast<std::uint32_t>(payload.size()));
  put_at(frame.data() + 8, first);
  put_at(frame.data() + 16, frame_checksum(payload, first));
  try {
    throw_if_failed();
    preallocate(file_offset_ + frame.size());
    file_->write_at(file_offset_, frame.bytes());
  } catch (...) {
    std::lock_guard lock(append_mutex_);
    frame.append(buffer_.bytes().subspan(kFrameHeaderSize));
    std::swap(frame, buffer_);
    buffered_ = buffer_.size();
    buffer_lsn_ = first;
    throw;
  }
  file_offset_ += frame.size();
  written_ = first + payload.size();
  bytes_written_.fetch_add(frame.size(), std::memory_order_relaxed);
  spare_ = std::move(frame);
}

// With kEveryOperation, keeps the file longer than what is written (zeros, which
// recovery reads as the end of the log, L3): a frame written inside the file leaves its length
// alone, so the fdatasync after it writes the frame and no metadata (SQLite reuses its WAL file
// for the same reason). A zero-filled write rather than a hole: writing into a hole allocates.
void Log::preallocate(std::uint64_t end) {
  if (durability_ != Durability::kEveryOperation || end <= allocated_) return;
  // Steps grow with the file, 64 KiB to 4 MiB, so a small store writes few zeros.
  const std::uint64_t step =
      std::clamp<std::uint64_t>(allocated_, std::uint64_t{64} << 10, std::uint64_t{4} << 20);
  const std::uint64_t from = std::max<std::uint64_t>(allocated_, file_offset_);
  const std::uint64_t to = (end + step) / step * step;
  const std::vector<std::byte> zeros(to - from);
  file_->write_at(from, zeros);
  allocated_ = to;
}

// Waits up to 100 microseconds (a fraction of a sync) for changes other threads are making to be
// appended, so that this sync covers them too; with one thread there are none and it waits not.
void Log::gather() {
  if (in_flight_.load(std::memory_order_acquire) == 0) return;
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
  while (in_flight_.load(std::memory_order_acquire) > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
}

void Log::sync_file() {
  try {
    file_->sync();
  } catch (const Error& e) {
    fail(std::string("fsync of the log failed: ") + e.what());
    throw;
  }
  syncs_.fetch_add(1, std::memory_order_relaxed);
}

// Group commit: one caller at a time leads, writing and syncing everything appended so far; the
// others wait for it on commit_done_ (not on io_mutex_, where a leader back for its next change
// could win the lock again and again while they wait to find out that they are done), and return
// once their LSN is durable, or lead the next sync when it is not.
void Log::make_durable(Lsn end) {
  if (durable_.load(std::memory_order_acquire) >= end) return;
  std::unique_lock lock(commit_mutex_);
  while (durable_.load(std::memory_order_acquire) < end) {
    if (syncing_) {
      commit_done_.wait(lock);
      continue;
    }
    syncing_ = true;
    lock.unlock();
    auto done = [&] {
      lock.lock();
      syncing_ = false;
      commit_done_.notify_all();
    };
    try {
      sync_all();
    } catch (...) {
      done();  // a waiter leads the next try, and meets the failure itself
      throw;
    }
    done();
  }
}

// The leader's part of make_durable: writes out and syncs everything appended so far.
void Log::sync_all() {
  std::lock_guard io(io_mutex_);
  throw_if_failed();
  if (!file_) throw Error(ErrorCode::kInvalidArgument, "the log of " + dir_ + " is closed");
  gather();
  write_out();
  if (durability_ != Durability::kNone) sync_file();
  durable_.store(written_, std::memory_order_release);
}

Lsn Log::end_lsn() const {
  std::lock_guard lock(append_mutex_);
  return end_;
}

std::uint64_t Log::file_seq() const {
  std::lock_guard io(io_mutex_);
  return seq_;
}

std::uint64_t Log::file_bytes() const { return file_offset_.load(std::memory_order_relaxed); }

void Log::fail(const std::string& why) {
  std::lock_guard lock(failure_mutex_);
  if (failed_.load(std::memory_order_relaxed)) return;
  failure_ = why;
  failed_.store(true, std::memory_order_release);
}

void Log::throw_if_failed() const {
  if (!failed()) return;
  std::lock_guard lock(failure_mutex_);
  throw Error(ErrorCode::kIOError, "store " + dir_ + " refuses changes after a failed sync (" +
                                       failure_ + "); reopen it to recover from the log");
}

}  // namespace heapstore
