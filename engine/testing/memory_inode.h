// The bytes of one file of MemoryFileSystem together with what a crash would keep of them: the
// durable image (as of the last sync) and the changes made since, oldest first. Not thread-safe:
// the file system's mutex guards every inode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

namespace heapstore::testing {

class MemoryInode {
 public:
  using Bytes = std::vector<std::byte>;

  MemoryInode() = default;
  // An inode whose bytes are `durable`, all of them durable.
  explicit MemoryInode(Bytes durable) : bytes_(durable), durable_(std::move(durable)) {}

  // What reads see now. The reference lives until the next change.
  const Bytes& bytes() const { return bytes_; }

  // Writes `data` at `offset`, zero-filling any gap past the end; durable at the next sync. An
  // empty write changes nothing (as pwrite(2) of 0 bytes).
  void write(std::uint64_t offset, std::span<const std::byte> data);
  // Sets the length (zero-filled when growing); durable at the next sync.
  void truncate(std::uint64_t length);
  // Makes the changes since the last sync (or failed sync) durable.
  void sync();
  // A failed sync: the changes since the last sync were written back and lost. Reads keep seeing
  // them; neither the durable image nor a later sync ever gets them.
  void lose_unsynced();
  // Sets the length of what reads see and of the durable image alike (the disk changed under the
  // file); changes not yet synced stay so.
  void resize_on_disk(std::uint64_t length);

  // The bytes a crash leaves: the durable image plus the unsynced changes that `rng` keeps, applied
  // in their order, of which one kept write may be torn (only a prefix of it, maybe empty, lands).
  // Without `rng`, the durable image alone.
  Bytes crash_image(std::mt19937_64* rng) const;

 private:
  struct Change {
    bool is_truncate;      // a truncate, else a write
    std::uint64_t offset;  // where a write goes, or the new length of a truncate
    Bytes data;            // a write's bytes, never empty
  };
  // Applies `change` to `bytes`, of a write only its first `prefix` bytes.
  static void apply(Bytes& bytes, const Change& change, std::size_t prefix);

  Bytes bytes_;                   // what reads see
  Bytes durable_;                 // what survives any crash
  std::vector<Change> unsynced_;  // changes since the last sync, oldest first
};

}  // namespace heapstore::testing
