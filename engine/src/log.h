// The write-ahead log (engine/doc/log_format.md): operations appended in memory, written to the
// current log file in frames, fsynced as the durability asks, and a page reaches disk only after
// the log records of its changes did (L2). Also the store's fail-stop state: once an fsync has
// failed, nothing more is written (L6). Internal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "heapstore/file.h"
#include "heapstore/options.h"
#include "log_record.h"
#include "spin_lock.h"

namespace heapstore {

// "wal.<seq>", the name of log file `seq`; and the seq back from such a name.
std::string log_file_name(std::uint64_t seq);
std::optional<std::uint64_t> parse_log_file_name(std::string_view name);

// What recovery found in a log file: its frames' operations, up to the first frame that is torn,
// damaged or missing, and where that valid prefix ends.
struct LogContents {
  std::vector<std::byte> ops;     // the operations of every valid frame, concatenated
  Lsn start = 0;                  // LSN of ops[0]
  std::uint64_t valid_bytes = 0;  // file bytes up to the end of the last valid frame; 0 when
                                  // the file is missing or its header is torn
  bool trailing_garbage = false;  // bytes after the valid prefix (a torn or damaged frame)
};

// Reads log file `path`, which must be log `seq` starting at `start`: Error(kCorruption) when its
// header says otherwise. A file too short for a header reads as empty.
LogContents read_log_file(FileSystem& fs, const std::string& path, std::uint64_t seq, Lsn start);

// Thread-safe. append() takes a short lock and never does I/O; the calls that write take a
// second lock, so appends go on while a frame is written or synced.
class Log {
 public:
  Log(FileSystem& fs, std::string dir, Durability durability);

  // Starts log file `seq`, whose first operation will have LSN `start`: creates it (replacing
  // any file of that name), writes its header and, unless kNone, fsyncs it and the directory.
  // With `reuse`, the seq of a log file no longer needed (a checkpoint's old log), that file is
  // renamed to become the new one and overwritten from the start instead (L9). The buffer must be
  // empty.
  void start_file(std::uint64_t seq, Lsn start, std::optional<std::uint64_t> reuse = {});
  // Appends to existing log file `seq` after its `valid_bytes`, the next LSN being `end`.
  void resume_file(std::uint64_t seq, Lsn end, std::uint64_t valid_bytes);
  // Closes the current file (after close of the store; nothing is written).
  void close_file();

  // Appends one operation and returns its LSN. No I/O; cannot fail.
  Lsn append(std::span<const std::byte> op);

  // Before a change: throws the recorded failure, if any, and writes the buffer out when it has
  // grown large, so that the change's own append never needs to.
  void prepare_change();

  // Makes every operation with an LSN below `end` durable: written (in kNone) or written and
  // fsynced (otherwise). Concurrent callers share one write and sync (group commit: one leads,
  // the others wait for it). Throws Error(kIOError); a failed fsync also makes the log fail-stop.
  void make_durable(Lsn end);
  // make_durable(end_lsn()).
  void flush() { make_durable(end_lsn()); }

  // Counts a change being made (under its container's lock, not yet appended) while it lives, so
  // that with kEveryOperation a sync waits a moment for it rather than leaving it to a sync of its
  // own (group commit). Counts nothing with the other durabilities.
  class InFlight {
   public:
    explicit InFlight(Log& log)
        : log_(log.durability_ == Durability::kEveryOperation ? &log : nullptr) {
      if (log_) log_->in_flight_.fetch_add(1, std::memory_order_relaxed);
    }
    ~InFlight() {
      if (log_) log_->in_flight_.fetch_sub(1, std::memory_order_release);
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    Log* log_;
  };

  // LSN the next operation will get.
  Lsn end_lsn() const;
  // Operations below this LSN are durable (see make_durable).
  Lsn durable_lsn() const { return durable_.load(std::memory_order_acquire); }

  // The redo point of the last checkpoint: a page whose LSN is below it is logged as a full image
  // on its next change (L4). Changed only while no page changes (the checkpoint holds every lock).
  Lsn redo_lsn() const { return redo_.load(std::memory_order_relaxed); }
  void set_redo_lsn(Lsn lsn) { redo_.store(lsn, std::memory_order_relaxed); }

  std::uint64_t file_seq() const;
  // Bytes in the current log file, written or not: when to take a checkpoint.
  std::uint64_t file_bytes() const;

  // The first failure that made the store fail-stop, if any; fail() records one (the first
  // stays) and throw_if_failed() throws it as Error(kIOError).
  void fail(const std::string& why);
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  void throw_if_failed() const;

  std::uint64_t bytes_written() const { return bytes_written_.load(std::memory_order_relaxed); }
  std::uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }

  static constexpr std::size_t kFrameHeaderSize = 24;
  static constexpr std::size_t kFileHeaderSize = 32;

 private:
  void use_file(std::unique_ptr<File> file, std::uint64_t seq, std::uint64_t offset,
                Lsn end);               // caller holds io_mutex_
  void write_out();                     // caller holds io_mutex_
  void gather();                        // caller holds io_mutex_
  void preallocate(std::uint64_t end);  // caller holds io_mutex_
  void sync_file();                     // caller holds io_mutex_
  void sync_all();                      // takes io_mutex_

  FileSystem& fs_;
  const std::string dir_;
  const Durability durability_;

  mutable SpinLock append_mutex_;  // guards buffer_, buffer_lsn_, end_ (short sections only)
  ByteBuffer buffer_;              // a frame header's room, then operations not yet written
  ByteBuffer spare_;  // the last frame written, kept for its capacity; guarded by io_mutex_
  std::atomic<std::size_t> buffered_{0};  // buffer_.size(), read without the lock
  Lsn buffer_lsn_ = 0;                    // LSN of the first operation in buffer_
  Lsn end_ = 0;

  mutable std::mutex io_mutex_;  // guards file_, seq_, file_offset_, written_; taken before
                                 // append_mutex_ when both are held
  std::unique_ptr<File> file_;
  std::uint64_t seq_ = 0;
  std::atomic<std::uint64_t> file_offset_{0};  // where the next frame goes
  std::uint64_t allocated_ = 0;  // file length, zeros past file_offset_ (kEveryOperation)
  Lsn written_ = 0;
  std::atomic<Lsn> durable_{0};
  std::atomic<Lsn> redo_{0};
  std::atomic<int> in_flight_{0};  // changes being made (InFlight)

  std::mutex commit_mutex_;  // guards syncing_; commit_done_ is notified when a sync ends
  std::condition_variable commit_done_;
  bool syncing_ = false;  // a caller of make_durable leads a sync now

  mutable std::mutex failure_mutex_;
  std::string failure_;  // guarded by failure_mutex_
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> bytes_written_{0}, syncs_{0};
};

}  // namespace heapstore
