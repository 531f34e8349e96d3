// WiredTiger behind the EngineAdapter interface: one row-store table with raw byte keys and
// values, a container is a key range (range_keys.h). Defaults are WiredTiger's own except where
// the workload asks otherwise: the cache is the workload's buffer pool size, block compression
// is off (heapstore does not compress and the values are pseudo-random), and the log is on (like
// heapstore's) unless option "log: off". Commits never fsync (transaction_sync disabled, as
// MongoDB runs it between journal flushes); with sync: true end_phase() fsyncs the log
// (log_flush sync=on), or takes a checkpoint when the log is off. No periodic checkpoints run
// during a run; closing takes one (not timed). Sessions are not thread-safe, so each call
// borrows one from a pool and calls run concurrently.
#include <wiredtiger.h>

#include <filesystem>
#include <mutex>

#include "engine_adapter.h"
#include "range_keys.h"

namespace heapstore::workload {
namespace {

constexpr const char* kTable = "table:values";

void check(int rc, const std::string& what) {
  if (rc != 0) throw std::runtime_error("wiredtiger: " + what + ": " + wiredtiger_strerror(rc));
}

WT_ITEM item(std::string_view s) {
  WT_ITEM i{};
  i.data = s.data();
  i.size = s.size();
  return i;
}

std::string_view view(const WT_ITEM& i) { return {static_cast<const char*>(i.data), i.size}; }

// A session and its cursor on the table; one thread uses it at a time.
struct Worker {
  WT_SESSION* session = nullptr;
  WT_CURSOR* cursor = nullptr;
};

class WiredtigerEngine final : public EngineAdapter {
 public:
  WiredtigerEngine(const std::string& dir, const EngineConfig& config);
  ~WiredtigerEngine() override;

  std::string name() const override { return "wiredtiger"; }
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
  // A worker borrowed from the pool for one call, given back (its cursor reset, releasing any
  // page it holds) when the lease ends.
  class Lease {
   public:
    explicit Lease(WiredtigerEngine& engine) : engine_(engine), worker_(engine.borrow()) {}
    ~Lease() { engine_.give_back(worker_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    WT_SESSION* session() const { return worker_.session; }
    WT_CURSOR* cursor() const { return worker_.cursor; }

   private:
    WiredtigerEngine& engine_;
    Worker worker_;
  };

  Worker borrow();
  void give_back(Worker worker);
  void put(WT_CURSOR* cursor, const RangeKey& key, std::string_view value);

  std::string dir_;
  bool sync_;
  bool log_;
  std::map<std::string, std::string> settings_;
  HandleCounters handles_;
  WT_CONNECTION* conn_ = nullptr;
  std::mutex pool_mutex_;
  std::vector<Worker> idle_;  // guarded by pool_mutex_; closed with conn_
};

WiredtigerEngine::WiredtigerEngine(const std::string& dir, const EngineConfig& config)
    : dir_(dir), sync_(config.sync) {
  expect_known_options("wiredtiger", config.options, {"log"});
  log_ = choose_option("wiredtiger", config.options, "log", "on", {"on", "off"}) == "on";
  std::string cache = std::to_string(config.buffer_pool_mib) + "MB";
  std::string open_config =
      "create,cache_size=" + cache + ",statistics=(none)" +
      (log_ ? ",log=(enabled=true),transaction_sync=(enabled=false)" : ",log=(enabled=false)");
  std::filesystem::create_directories(dir);
  check(wiredtiger_open(dir.c_str(), nullptr, open_config.c_str(), &conn_), "open " + dir);
  try {
    Lease lease(*this);  // its first session creates the table
  } catch (...) {
    conn_->close(conn_, nullptr);  // a destructor does not run when the constructor throws
    throw;
  }
  settings_ = {
      {"version", wiredtiger_version(nullptr, nullptr, nullptr)},
      {"cache_size", cache},
      {"log", log_ ? "on: 100MB files, pre-allocated (defaults; in bytes_on_disk)" : "off"},
      {"sync", !sync_ ? "off (transaction_sync disabled)"
               : log_ ? "log fsynced at each phase end (log_flush)"
                      : "checkpoint at each phase end"},
      {"compression", "none"},
      {"leaf_page_max", "32KB (default)"},
      {"checkpoints", "none during the run (one at close)"},
      {"statistics", "none"},
      {"transactions", "one per operation (auto-commit), insert_batch one"},
      {"threads", "concurrent: a session per call, from a pool"}};
}

WiredtigerEngine::~WiredtigerEngine() { conn_->close(conn_, nullptr); }  // closes the sessions

report::Guarantees WiredtigerEngine::guarantees() const {
  if (!log_)
    return {"each operation, but a crash goes back to the last checkpoint (log off)",
            sync_ ? "at the end of each phase (checkpoint)" : "none: never fsynced (sync: false)"};
  return {"each operation (log)",
          sync_ ? "at the end of each phase (log fsynced)" : "none: never fsynced (sync: false)"};
}

Worker WiredtigerEngine::borrow() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_.empty()) {
      Worker w = idle_.back();
      idle_.pop_back();
      return w;
    }
  }
  Worker w;
  check(conn_->open_session(conn_, nullptr, nullptr, &w.session), "open session");
  check(w.session->create(w.session, kTable, "key_format=u,value_format=u,block_compressor=none"),
        "create table");
  check(w.session->open_cursor(w.session, kTable, nullptr, nullptr, &w.cursor), "open cursor");
  return w;
}

void WiredtigerEngine::give_back(Worker worker) {
  worker.cursor->reset(worker.cursor);
  std::lock_guard lock(pool_mutex_);
  idle_.push_back(worker);
}

// The cursor overwrites (WiredTiger's default): an insert or update is a blind write.
void WiredtigerEngine::put(WT_CURSOR* cursor, const RangeKey& key, std::string_view value) {
  WT_ITEM k = item(key.view()), v = item(value);
  cursor->set_key(cursor, &k);
  cursor->set_value(cursor, &v);
  check(cursor->insert(cursor), "insert");
}

Handle WiredtigerEngine::insert(std::uint32_t c, std::string_view value) {
  Handle handle = handles_.reserve(c);
  put(Lease(*this).cursor(), RangeKey(c, handle), value);
  return handle;
}

void WiredtigerEngine::insert_batch(std::uint32_t c, std::span<const std::string_view> values,
                                    std::vector<Handle>& out) {
  Handle first = handles_.reserve(c, values.size());
  Lease lease(*this);
  WT_SESSION* s = lease.session();
  check(s->begin_transaction(s, nullptr), "begin transaction");
  try {
    for (std::size_t i = 0; i < values.size(); ++i)
      put(lease.cursor(), RangeKey(c, first + i), values[i]);
  } catch (...) {
    s->rollback_transaction(s, nullptr);
    throw;
  }
  check(s->commit_transaction(s, nullptr), "commit");
  for (std::size_t i = 0; i < values.size(); ++i) out.push_back(first + i);
}

bool WiredtigerEngine::get(std::uint32_t c, Handle handle, std::string& out) {
  Lease lease(*this);
  WT_CURSOR* cursor = lease.cursor();
  RangeKey key(c, handle);
  WT_ITEM k = item(key.view()), v{};
  cursor->set_key(cursor, &k);
  int rc = cursor->search(cursor);
  if (rc == WT_NOTFOUND) return false;
  check(rc, "search");
  check(cursor->get_value(cursor, &v), "get value");
  out.assign(view(v));  // v points into the cache, valid until the cursor moves or resets
  return true;
}

Handle WiredtigerEngine::update(std::uint32_t c, Handle handle, std::string_view value) {
  put(Lease(*this).cursor(), RangeKey(c, handle), value);
  return handle;
}

// With overwrite on, removing a missing key succeeds: as blind as the other key-value peers.
void WiredtigerEngine::remove(std::uint32_t c, Handle handle) {
  Lease lease(*this);
  WT_CURSOR* cursor = lease.cursor();
  RangeKey key(c, handle);
  WT_ITEM k = item(key.view());
  cursor->set_key(cursor, &k);
  check(cursor->remove(cursor), "remove");
}

ScanTotals WiredtigerEngine::scan(std::uint32_t c) {
  Lease lease(*this);
  WT_CURSOR* cursor = lease.cursor();
  RangeKey first = first_key(c);
  WT_ITEM k = item(first.view()), v{};
  cursor->set_key(cursor, &k);
  int exact = 0;
  int rc = cursor->search_near(cursor, &exact);
  if (rc == 0 && exact < 0) rc = cursor->next(cursor);  // landed just before the range
  ScanTotals totals;
  for (; rc == 0; rc = cursor->next(cursor)) {
    check(cursor->get_key(cursor, &k), "get key");
    if (!in_container(view(k), c)) break;
    check(cursor->get_value(cursor, &v), "get value");
    totals.values += 1;
    totals.bytes += v.size;
  }
  if (rc != 0 && rc != WT_NOTFOUND) check(rc, "scan");
  return totals;
}

void WiredtigerEngine::end_phase() {
  if (!sync_) return;
  Lease lease(*this);
  WT_SESSION* s = lease.session();
  if (log_)
    check(s->log_flush(s, "sync=on"), "log flush");
  else
    check(s->checkpoint(s, nullptr), "checkpoint");
}

}  // namespace

std::unique_ptr<EngineAdapter> make_wiredtiger_engine(const std::string& dir,
                                                      const EngineConfig& config) {
  return std::make_unique<WiredtigerEngine>(dir, config);
}

}  // namespace heapstore::workload
