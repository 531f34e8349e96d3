// LMDB behind the EngineAdapter interface: one environment, its main database, a container is a
// key range (range_keys.h). LMDB has no cache of its own: it reads through a memory map, so the
// OS page cache is its cache and the workload's buffer_pool_mib does not apply (settings() says
// so). The map is 64 GiB by default (option "map_size_gib"): address space only, the file grows
// as pages are written.
//
// Transactions (option "txn"): "phase" (the default) runs each phase in one write transaction
// committed at its end, as the SQLite adapter does, so every engine with transactions pays one
// commit per phase; "operation" commits each write on its own and reads in read-only
// transactions, LMDB's usual use. With sync: false the environment is MDB_NOSYNC (no fsync
// anywhere); with sync: true each commit fsyncs the data and then the meta page, which in
// "phase" mode is once per phase, like heapstore's flush.
#include <lmdb.h>

#include <filesystem>
#include <mutex>

#include "engine_adapter.h"
#include "range_keys.h"

namespace heapstore::workload {
namespace {

void check(int rc, const std::string& what) {
  if (rc == MDB_SUCCESS) return;
  std::string hint = rc == MDB_MAP_FULL ? " (raise option map_size_gib)" : "";
  throw std::runtime_error("lmdb: " + what + ": " + mdb_strerror(rc) + hint);
}

MDB_val val(std::string_view s) { return {s.size(), const_cast<char*>(s.data())}; }
std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// A transaction of "operation" mode: aborted unless committed.
class Txn {
 public:
  Txn(MDB_env* env, bool write) {
    check(mdb_txn_begin(env, nullptr, write ? 0 : MDB_RDONLY, &txn_), "begin transaction");
  }
  ~Txn() {
    if (txn_) mdb_txn_abort(txn_);
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  MDB_txn* get() const { return txn_; }
  void commit() { check(mdb_txn_commit(std::exchange(txn_, nullptr)), "commit"); }

 private:
  MDB_txn* txn_ = nullptr;
};

class LmdbEngine final : public EngineAdapter {
 public:
  LmdbEngine(const std::string& dir, const EngineConfig& config);
  ~LmdbEngine() override;

  std::string name() const override { return "lmdb"; }
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
  // Runs f(txn): in "phase" mode in the phase's transaction under mutex_, else in a transaction
  // of its own, committed afterwards when `write`.
  template <class F>
  auto in_txn(bool write, F&& f);
  void put(MDB_txn* txn, const RangeKey& key, std::string_view value);
  void open(const EngineConfig& config);

  std::string dir_;
  bool sync_;
  bool per_phase_;
  std::map<std::string, std::string> settings_;
  HandleCounters handles_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  MDB_txn* phase_txn_ = nullptr;  // "phase" mode: the open write transaction
  std::mutex mutex_;              // "phase" mode: guards phase_txn_
};

LmdbEngine::LmdbEngine(const std::string& dir, const EngineConfig& config)
    : dir_(dir), sync_(config.sync) {
  expect_known_options("lmdb", config.options, {"txn", "map_size_gib"});
  per_phase_ =
      choose_option("lmdb", config.options, "txn", "phase", {"phase", "operation"}) == "phase";
  try {
    open(config);
  } catch (...) {
    if (phase_txn_) mdb_txn_abort(phase_txn_);
    mdb_env_close(env_);  // a destructor does not run when the constructor throws
    throw;
  }
}

void LmdbEngine::open(const EngineConfig& config) {
  // Option "map_size_gib": 1 to 16384 (default 64).
  std::size_t map_size = number_option("lmdb", config.options, "map_size_gib", 64, 1, 16384) << 30;
  check(mdb_env_create(&env_), "create environment");
  check(mdb_env_set_mapsize(env_, map_size), "set map size");
  // MDB_NOTLS: "operation" mode reads from pool threads. MDB_NOLOCK in "phase" mode: the phase's
  // transaction may be committed by another thread than began it, which LMDB's writer lock (a
  // mutex) forbids; mutex_ serialises every call instead.
  unsigned flags = MDB_NOTLS | (sync_ ? 0 : MDB_NOSYNC) | (per_phase_ ? MDB_NOLOCK : 0);
  std::filesystem::create_directories(dir_);
  check(mdb_env_open(env_, dir_.c_str(), flags, 0644), "open " + dir_);
  Txn txn(env_, true);
  check(mdb_dbi_open(txn.get(), nullptr, 0, &dbi_), "open database");
  txn.commit();
  if (per_phase_) check(mdb_txn_begin(env_, nullptr, 0, &phase_txn_), "begin transaction");
  MDB_stat stat;
  mdb_env_stat(env_, &stat);
  settings_ = {
      {"version", mdb_version(nullptr, nullptr, nullptr)},
      {"cache", "none: the OS page cache (memory map), buffer_pool_mib does not apply"},
      {"map_size_gib", std::to_string(map_size >> 30)},
      {"page_size", std::to_string(stat.ms_psize)},
      {"sync", sync_ ? (per_phase_ ? "commit fsyncs at each phase end" : "each commit fsyncs")
                     : "off (MDB_NOSYNC)"},
      {"transactions", per_phase_ ? "one write transaction per phase, committed at its end"
                                  : "one per operation (insert_batch: one)"},
      {"threads", per_phase_ ? "serialised by a mutex (one transaction per phase)"
                             : "concurrent reads; writes serialised by LMDB's writer lock"}};
}

LmdbEngine::~LmdbEngine() {
  if (phase_txn_) mdb_txn_commit(phase_txn_);  // no one to report to; it frees the txn anyway
  mdb_env_close(env_);
}

report::Guarantees LmdbEngine::guarantees() const {
  std::string none = "none: never fsynced (MDB_NOSYNC; a system crash may corrupt the store)";
  if (per_phase_)
    return {"each phase (one write transaction per phase)",
            sync_ ? "at the end of each phase (commit fsyncs data, then the meta page)" : none};
  return {"each operation (a transaction each)",
          sync_ ? "each operation (every commit fsyncs)" : none};
}

template <class F>
auto LmdbEngine::in_txn(bool write, F&& f) {
  if (per_phase_) {
    std::lock_guard lock(mutex_);
    return f(phase_txn_);
  }
  Txn txn(env_, write);
  auto result = f(txn.get());
  if (write) txn.commit();
  return result;
}

void LmdbEngine::put(MDB_txn* txn, const RangeKey& key, std::string_view value) {
  MDB_val k = val(key.view()), v = val(value);
  check(mdb_put(txn, dbi_, &k, &v, 0), "put");
}

Handle LmdbEngine::insert(std::uint32_t c, std::string_view value) {
  Handle handle = handles_.reserve(c);
  return in_txn(true, [&](MDB_txn* txn) {
    put(txn, RangeKey(c, handle), value);
    return handle;
  });
}

void LmdbEngine::insert_batch(std::uint32_t c, std::span<const std::string_view> values,
                              std::vector<Handle>& out) {
  Handle first = handles_.reserve(c, values.size());
  in_txn(true, [&](MDB_txn* txn) {
    for (std::size_t i = 0; i < values.size(); ++i) put(txn, RangeKey(c, first + i), values[i]);
    return true;
  });
  for (std::size_t i = 0; i < values.size(); ++i) out.push_back(first + i);
}

bool LmdbEngine::get(std::uint32_t c, Handle handle, std::string& out) {
  return in_txn(false, [&](MDB_txn* txn) {
    RangeKey key(c, handle);
    MDB_val k = val(key.view()), v;
    int rc = mdb_get(txn, dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return false;
    check(rc, "get");
    out.assign(view(v));  // v points into the map, valid only within the transaction
    return true;
  });
}

// A blind write, as a key-value application updates: no read to check that the value exists.
Handle LmdbEngine::update(std::uint32_t c, Handle handle, std::string_view value) {
  return in_txn(true, [&](MDB_txn* txn) {
    put(txn, RangeKey(c, handle), value);
    return handle;
  });
}

// As blind as the other key-value peers' deletes: a missing key is not an error.
void LmdbEngine::remove(std::uint32_t c, Handle handle) {
  in_txn(true, [&](MDB_txn* txn) {
    RangeKey key(c, handle);
    MDB_val k = val(key.view());
    int rc = mdb_del(txn, dbi_, &k, nullptr);
    if (rc != MDB_NOTFOUND) check(rc, "delete");
    return true;
  });
}

ScanTotals LmdbEngine::scan(std::uint32_t c) {
  return in_txn(false, [&](MDB_txn* txn) {
    MDB_cursor* cursor = nullptr;
    check(mdb_cursor_open(txn, dbi_, &cursor), "open cursor");
    RangeKey first = first_key(c);
    MDB_val k = val(first.view()), v;
    ScanTotals totals;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == MDB_SUCCESS && in_container(view(k), c);
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      totals.values += 1;
      totals.bytes += v.mv_size;
    }
    mdb_cursor_close(cursor);
    if (rc != MDB_NOTFOUND && rc != MDB_SUCCESS) check(rc, "scan");
    return totals;
  });
}

void LmdbEngine::end_phase() {
  if (!per_phase_) return;  // each operation committed already
  std::lock_guard lock(mutex_);
  check(mdb_txn_commit(std::exchange(phase_txn_, nullptr)), "commit");
  check(mdb_txn_begin(env_, nullptr, 0, &phase_txn_), "begin transaction");
}

}  // namespace

std::unique_ptr<EngineAdapter> make_lmdb_engine(const std::string& dir,
                                                const EngineConfig& config) {
  return std::make_unique<LmdbEngine>(dir, config);
}

}  // namespace heapstore::workload
