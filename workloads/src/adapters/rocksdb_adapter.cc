// RocksDB behind the EngineAdapter interface: one database, a container is a key range
// (range_keys.h). Defaults are RocksDB's own except where the workload asks otherwise: the block
// cache is the workload's buffer pool size, compression is off (heapstore does not compress and
// the values are pseudo-random), and the WAL is on (like heapstore's log) unless option
// "wal=off". The WAL is buffered in memory until the phase ends (manual_wal_flush), as heapstore
// buffers its log: by default RocksDB writes each record to the OS with a system call of its
// own, which on the VMs measured costs ~4 us, more than the whole insert (option
// "wal_flush=auto" for that). Writes never fsync; end_phase() flushes the WAL to the OS and,
// with sync: true, fsyncs it, which is heapstore's flush-at-phase-end. A DB is thread-safe, so
// calls are not serialised.
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

#include "engine_adapter.h"
#include "range_keys.h"

namespace heapstore::workload {
namespace {

void check(const rocksdb::Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error("rocksdb: " + what + ": " + status.ToString());
}

rocksdb::Slice slice(const RangeKey& key) { return {key.data(), key.size()}; }

class RocksdbEngine final : public EngineAdapter {
 public:
  RocksdbEngine(const std::string& dir, const EngineConfig& config);
  ~RocksdbEngine() override;

  std::string name() const override { return "rocksdb"; }
  std::map<std::string, std::string> settings() const override { return settings_; }
  report::Guarantees guarantees() const override;
  void create_container(std::uint32_t) override {}  // a key range needs no creating
  Handle insert(std::uint32_t c, std::string_view value) override;
  void insert_batch(std::uint32_t c, std::span<const std::string_view> values,
                    std::vector<Handle>& out) override;
  bool get(std::uint32_t c, Handle handle, std::string& out) override;
  Handle update(std::uint32_t c, Handle handle, std::string_view value) override;
  void remove(std::uint32_t c, Handle handle) override;
  ScanTotals scan(std::uint32_t c) override;
  void end_phase() override;
  EngineCounters counters() override { return {.bytes_on_disk = directory_bytes(dir_)}; }

 private:
  rocksdb::Options options(const EngineConfig& config) const;

  std::string dir_;
  bool sync_;
  bool wal_;
  bool manual_flush_ = true;
  rocksdb::WriteOptions write_;
  std::map<std::string, std::string> settings_;
  HandleCounters handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

RocksdbEngine::RocksdbEngine(const std::string& dir, const EngineConfig& config)
    : dir_(dir), sync_(config.sync) {
  expect_known_options("rocksdb", config.options, {"wal", "wal_flush"});
  wal_ = choose_option("rocksdb", config.options, "wal", "on", {"on", "off"}) == "on";
  manual_flush_ = choose_option("rocksdb", config.options, "wal_flush", "manual",
                                {"manual", "auto"}) == "manual";
  // Never sync a single write: durability comes from end_phase(), as heapstore's does.
  write_.sync = false;
  write_.disableWAL = !wal_;
  rocksdb::Options opts = options(config);
  opts.manual_wal_flush = manual_flush_;
  std::filesystem::create_directories(dir);
  rocksdb::DB* db = nullptr;
  check(rocksdb::DB::Open(opts, dir, &db), "open " + dir);
  db_.reset(db);
  settings_ = {{"version", rocksdb::GetRocksVersionAsString()},
               {"block_cache_mib", std::to_string(config.buffer_pool_mib)},
               {"block_size", std::to_string(rocksdb::BlockBasedTableOptions().block_size)},
               {"write_buffer_mib", std::to_string(opts.write_buffer_size >> 20)},
               {"compression", "none"},
               {"wal", wal_ ? "on" : "off"},
               {"wal_flush", manual_flush_ ? "buffered until the phase ends (manual_wal_flush)"
                                           : "each write (RocksDB's default)"},
               {"sync", sync_ ? (wal_ ? "SyncWAL at each phase end"
                                      : "memtable flush at each "
                                        "phase end")
                              : "off"},
               {"transactions", "none: each write is atomic, insert_batch one WriteBatch"},
               {"threads", "concurrent (the DB is thread-safe)"}};
}

// RocksDB's defaults, but for the cache size and compression (see the file comment).
rocksdb::Options RocksdbEngine::options(const EngineConfig& config) const {
  rocksdb::Options opts;
  opts.create_if_missing = true;
  opts.error_if_exists = true;  // the runner gives a fresh directory
  opts.compression = rocksdb::kNoCompression;
  opts.bottommost_compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(std::size_t{config.buffer_pool_mib} << 20);
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return opts;
}

RocksdbEngine::~RocksdbEngine() {
  if (db_) db_->Close();  // its status has no one to go to; the memtable is in the WAL
}

report::Guarantees RocksdbEngine::guarantees() const {
  if (!wal_)
    return {"each operation, but a crash loses every write since the last memtable flush (WAL off)",
            sync_ ? "at the end of each phase (memtable flushed to SST files)"
                  : "none: never fsynced (sync: false)"};
  return {"each operation (WAL)", sync_ ? "at the end of each phase (WAL flushed and fsynced)"
                                        : "none: never fsynced (sync: false)"};
}

Handle RocksdbEngine::insert(std::uint32_t c, std::string_view value) {
  Handle handle = handles_.reserve(c);
  check(db_->Put(write_, slice(RangeKey(c, handle)), value), "put");
  return handle;
}

void RocksdbEngine::insert_batch(std::uint32_t c, std::span<const std::string_view> values,
                                 std::vector<Handle>& out) {
  Handle first = handles_.reserve(c, values.size());
  rocksdb::WriteBatch batch;
  for (std::size_t i = 0; i < values.size(); ++i)
    check(batch.Put(slice(RangeKey(c, first + i)), values[i]), "batch put");
  check(db_->Write(write_, &batch), "write batch");
  for (std::size_t i = 0; i < values.size(); ++i) out.push_back(first + i);
}

bool RocksdbEngine::get(std::uint32_t c, Handle handle, std::string& out) {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), slice(RangeKey(c, handle)), &out);
  if (s.IsNotFound()) return false;
  check(s, "get");
  return true;
}

// A blind write, as a key-value application updates: no read to check that the value exists.
Handle RocksdbEngine::update(std::uint32_t c, Handle handle, std::string_view value) {
  check(db_->Put(write_, slice(RangeKey(c, handle)), value), "put");
  return handle;
}

void RocksdbEngine::remove(std::uint32_t c, Handle handle) {
  check(db_->Delete(write_, slice(RangeKey(c, handle))), "delete");
}

ScanTotals RocksdbEngine::scan(std::uint32_t c) {
  // The upper bound lets the iterator stop at the range's end without reading past tombstones.
  RangeKey end = first_key(c + 1);
  rocksdb::Slice upper = slice(end);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
  ScanTotals totals;
  for (it->Seek(slice(first_key(c))); it->Valid(); it->Next()) {
    if (!in_container(it->key().ToStringView(), c)) break;
    totals.values += 1;
    totals.bytes += it->value().size();
  }
  check(it->status(), "scan");
  return totals;
}

void RocksdbEngine::end_phase() {
  if (wal_ && manual_flush_) check(db_->FlushWAL(sync_), "flush WAL");
  if (!sync_) return;
  if (wal_ && !manual_flush_)
    check(db_->SyncWAL(), "sync WAL");
  else if (!wal_)
    check(db_->Flush(rocksdb::FlushOptions()), "flush memtable");
}

}  // namespace

std::unique_ptr<EngineAdapter> make_rocksdb_engine(const std::string& dir,
                                                   const EngineConfig& config) {
  return std::make_unique<RocksdbEngine>(dir, config);
}

}  // namespace heapstore::workload
