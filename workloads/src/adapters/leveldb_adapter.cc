// LevelDB behind the EngineAdapter interface: one database, a container is a key range
// (range_keys.h). Defaults are LevelDB's own except where the workload asks otherwise: the block
// cache is the workload's buffer pool size and compression is off (heapstore does not compress
// and the values are pseudo-random). Its log cannot be turned off, which matches heapstore's.
// Writes never fsync; with sync: true end_phase() makes one synced empty write, LevelDB's way to
// fsync its log (it has no SyncWAL). Option "write_buffer_mib" sizes the memtable (default 4,
// LevelDB's). A DB is thread-safe, so calls are not serialised.
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <filesystem>

#include "engine_adapter.h"
#include "range_keys.h"

namespace heapstore::workload {
namespace {

void check(const leveldb::Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error("leveldb: " + what + ": " + status.ToString());
}

leveldb::Slice slice(const RangeKey& key) { return {key.data(), key.size()}; }
leveldb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

class LeveldbEngine final : public EngineAdapter {
 public:
  LeveldbEngine(const std::string& dir, const EngineConfig& config);
  ~LeveldbEngine() override;

  std::string name() const override { return "leveldb"; }
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
  std::string dir_;
  bool sync_;
  leveldb::WriteOptions write_;  // sync = false: see the file comment
  std::map<std::string, std::string> settings_;
  HandleCounters handles_;
  std::unique_ptr<leveldb::Cache> cache_;  // outlives db_, which uses it
  std::unique_ptr<leveldb::DB> db_;
};

LeveldbEngine::LeveldbEngine(const std::string& dir, const EngineConfig& config)
    : dir_(dir), sync_(config.sync) {
  expect_known_options("leveldb", config.options, {"write_buffer_mib"});
  leveldb::Options opts;
  opts.create_if_missing = true;
  opts.error_if_exists = true;  // the runner gives a fresh directory
  opts.compression = leveldb::kNoCompression;
  // Option "write_buffer_mib": 1 to 1024 (LevelDB's default is 4).
  opts.write_buffer_size = number_option("leveldb", config.options, "write_buffer_mib",
                                         leveldb::Options().write_buffer_size >> 20, 1, 1024)
                           << 20;
  cache_.reset(leveldb::NewLRUCache(std::size_t{config.buffer_pool_mib} << 20));
  opts.block_cache = cache_.get();
  std::filesystem::create_directories(dir);
  leveldb::DB* db = nullptr;
  check(leveldb::DB::Open(opts, dir, &db), "open " + dir);
  db_.reset(db);
  settings_ = {{"version", std::to_string(leveldb::kMajorVersion) + "." +
                               std::to_string(leveldb::kMinorVersion)},
               {"block_cache_mib", std::to_string(config.buffer_pool_mib)},
               {"block_size", std::to_string(opts.block_size)},
               {"write_buffer_mib", std::to_string(opts.write_buffer_size >> 20)},
               {"compression", "none"},
               {"log", "on (LevelDB cannot turn it off)"},
               {"sync", sync_ ? "synced empty write at each phase end" : "off"},
               {"transactions", "none: each write is atomic, insert_batch one WriteBatch"},
               {"threads", "concurrent (the DB is thread-safe)"}};
}

LeveldbEngine::~LeveldbEngine() { db_.reset(); }  // before cache_, explicitly

report::Guarantees LeveldbEngine::guarantees() const {
  return {"each operation (log)",
          sync_ ? "at the end of each phase (current log fsynced; a log retired in the phase is "
                  "durable once its memtable is compacted)"
                : "none: never fsynced (sync: false)"};
}

Handle LeveldbEngine::insert(std::uint32_t c, std::string_view value) {
  Handle handle = handles_.reserve(c);
  check(db_->Put(write_, slice(RangeKey(c, handle)), slice(value)), "put");
  return handle;
}

void LeveldbEngine::insert_batch(std::uint32_t c, std::span<const std::string_view> values,
                                 std::vector<Handle>& out) {
  Handle first = handles_.reserve(c, values.size());
  leveldb::WriteBatch batch;
  for (std::size_t i = 0; i < values.size(); ++i)
    batch.Put(slice(RangeKey(c, first + i)), slice(values[i]));
  check(db_->Write(write_, &batch), "write batch");
  for (std::size_t i = 0; i < values.size(); ++i) out.push_back(first + i);
}

bool LeveldbEngine::get(std::uint32_t c, Handle handle, std::string& out) {
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), slice(RangeKey(c, handle)), &out);
  if (s.IsNotFound()) return false;
  check(s, "get");
  return true;
}

// A blind write, as a key-value application updates: no read to check that the value exists.
Handle LeveldbEngine::update(std::uint32_t c, Handle handle, std::string_view value) {
  check(db_->Put(write_, slice(RangeKey(c, handle)), slice(value)), "put");
  return handle;
}

void LeveldbEngine::remove(std::uint32_t c, Handle handle) {
  check(db_->Delete(write_, slice(RangeKey(c, handle))), "delete");
}

ScanTotals LeveldbEngine::scan(std::uint32_t c) {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  ScanTotals totals;
  for (it->Seek(slice(first_key(c))); it->Valid(); it->Next()) {
    if (!in_container({it->key().data(), it->key().size()}, c)) break;
    totals.values += 1;
    totals.bytes += it->value().size();
  }
  check(it->status(), "scan");
  return totals;
}

// An empty batch still appends a log record, and a synced write fsyncs the log file it went to.
// Only that file: a log LevelDB switched away from when a memtable filled was closed unsynced
// and is durable once that memtable's table file is written (a background compaction, usually
// done at once). Forcing it (CompactRange) would flush the memtable at every phase end, which
// LevelDB users do not do; guarantees() says so instead.
void LeveldbEngine::end_phase() {
  if (!sync_) return;
  leveldb::WriteOptions synced;
  synced.sync = true;
  leveldb::WriteBatch empty;
  check(db_->Write(synced, &empty), "synced write");
}

}  // namespace

std::unique_ptr<EngineAdapter> make_leveldb_engine(const std::string& dir,
                                                   const EngineConfig& config) {
  return std::make_unique<LeveldbEngine>(dir, config);
}

}  // namespace heapstore::workload
