// SQLite behind the EngineAdapter interface: the embedded peer heapstore is measured against.
// One table per container (rowid = handle, one BLOB column), WAL journal (option journal_mode),
// one transaction per phase (committed at the phase's end), prepared statements. SQLite connections
// are not shared between threads, so calls are serialised by a mutex (settings() says so).
#include <sqlite3.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "engine_adapter.h"

namespace heapstore::workload {
namespace {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, const std::string& sql);
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept {
    std::swap(stmt_, other.stmt_);
    return *this;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error("sqlite: " + what + ": " + sqlite3_errmsg(db));
}

Statement::Statement(sqlite3* db, const std::string& sql) {
  if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
      SQLITE_OK)
    fail(db, "prepare " + sql);
}

// Runs a prepared statement to completion; resets it for the next use.
class Step {
 public:
  Step(sqlite3* db, const Statement& s) : db_(db), stmt_(s.get()) {}
  ~Step() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Step& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Step& bind(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  bool row() {  // true while rows come; throws on error
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail(db_, sqlite3_sql(stmt_));
    return false;
  }
  std::string_view blob(int column) const {
    auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return {data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

struct Table {
  Statement insert, get, update, remove, scan;
};

class SqliteEngine final : public EngineAdapter {
 public:
  SqliteEngine(const std::string& dir, const EngineConfig& config);
  ~SqliteEngine() override;

  std::string name() const override { return "sqlite"; }
  std::map<std::string, std::string> settings() const override { return settings_; }
  report::Guarantees guarantees() const override;
  void create_container(std::uint32_t c) override;
  Handle insert(std::uint32_t c, std::string_view value) override;
  void insert_batch(std::uint32_t c, std::span<const std::string_view> values,
                    std::vector<Handle>& out) override;
  bool get(std::uint32_t c, Handle handle, std::string& out) override;
  Handle update(std::uint32_t c, Handle handle, std::string_view value) override;
  void remove(std::uint32_t c, Handle handle) override;
  ScanTotals scan(std::uint32_t c) override;
  void end_phase() override;
  EngineCounters counters() override;

 private:
  void exec(const std::string& sql);
  Table& table(std::uint32_t c);
  Handle insert_locked(std::uint32_t c, std::string_view value);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::map<std::string, std::string> settings_;
  std::unordered_map<std::uint32_t, Table> tables_;
  std::mutex mutex_;
};

SqliteEngine::SqliteEngine(const std::string& dir, const EngineConfig& config)
    : path_(dir + "/sqlite.db") {
  expect_known_options("sqlite", config.options, {"journal_mode", "synchronous"});
  const std::string journal = choose_option("sqlite", config.options, "journal_mode", "WAL",
                                            {"WAL", "DELETE", "TRUNCATE", "PERSIST"});
  const std::string synchronous =
      choose_option("sqlite", config.options, "synchronous", config.sync ? "NORMAL" : "OFF",
                    {"OFF", "NORMAL", "FULL"});
  std::filesystem::create_directories(dir);
  if (sqlite3_open_v2(path_.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    fail(db_, "open " + path_);
  settings_ = {{"version", sqlite3_libversion()},
               {"page_size", "4096"},
               {"journal_mode", journal},
               {"synchronous", synchronous},
               {"locking_mode", "EXCLUSIVE"},
               {"cache_size_kib", std::to_string(std::uint64_t{config.buffer_pool_mib} * 1024)},
               {"transactions", "one per phase, committed at its end"},
               {"threads", "serialised by a mutex (one connection)"}};
  exec("PRAGMA page_size=4096");
  exec("PRAGMA locking_mode=EXCLUSIVE");
  exec("PRAGMA journal_mode=" + journal);
  exec("PRAGMA synchronous=" + synchronous);
  exec("PRAGMA cache_size=-" + settings_["cache_size_kib"]);
  exec("BEGIN");
}

report::Guarantees SqliteEngine::guarantees() const {
  return {
      "each phase (one transaction per phase; journal " + settings_.at("journal_mode") + ")",
      settings_.at("synchronous") == "OFF"
          ? "none: never fsynced (synchronous=OFF)"
          : "at the end of each phase (commit, synchronous=" + settings_.at("synchronous") + ")"};
}

SqliteEngine::~SqliteEngine() {
  tables_.clear();  // finalize statements before closing
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db_);
}

void SqliteEngine::exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, sql);
}

Table& SqliteEngine::table(std::uint32_t c) {
  auto it = tables_.find(c);
  if (it == tables_.end())
    throw std::runtime_error("sqlite: no table for container " + std::to_string(c));
  return it->second;
}

void SqliteEngine::create_container(std::uint32_t c) {
  std::lock_guard lock(mutex_);
  std::string t = "c" + std::to_string(c);
  exec("CREATE TABLE IF NOT EXISTS " + t + " (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  tables_.emplace(c, Table{Statement(db_, "INSERT INTO " + t + "(v) VALUES (?)"),
                           Statement(db_, "SELECT v FROM " + t + " WHERE id = ?"),
                           Statement(db_, "UPDATE " + t + " SET v = ? WHERE id = ?"),
                           Statement(db_, "DELETE FROM " + t + " WHERE id = ?"),
                           Statement(db_, "SELECT v FROM " + t)});
}

Handle SqliteEngine::insert_locked(std::uint32_t c, std::string_view value) {
  Step(db_, table(c).insert).bind(1, value).row();
  return static_cast<Handle>(sqlite3_last_insert_rowid(db_));
}

Handle SqliteEngine::insert(std::uint32_t c, std::string_view value) {
  std::lock_guard lock(mutex_);
  return insert_locked(c, value);
}

void SqliteEngine::insert_batch(std::uint32_t c, std::span<const std::string_view> values,
                                std::vector<Handle>& out) {
  std::lock_guard lock(mutex_);
  for (std::string_view value : values) out.push_back(insert_locked(c, value));
}

bool SqliteEngine::get(std::uint32_t c, Handle handle, std::string& out) {
  std::lock_guard lock(mutex_);
  Step step(db_, table(c).get);
  if (!step.bind(1, static_cast<std::int64_t>(handle)).row()) return false;
  out.assign(step.blob(0));
  return true;
}

Handle SqliteEngine::update(std::uint32_t c, Handle handle, std::string_view value) {
  std::lock_guard lock(mutex_);
  Step(db_, table(c).update).bind(1, value).bind(2, static_cast<std::int64_t>(handle)).row();
  if (sqlite3_changes(db_) != 1)
    throw std::runtime_error("sqlite: update of missing row " + std::to_string(handle));
  return handle;
}

void SqliteEngine::remove(std::uint32_t c, Handle handle) {
  std::lock_guard lock(mutex_);
  Step(db_, table(c).remove).bind(1, static_cast<std::int64_t>(handle)).row();
  if (sqlite3_changes(db_) != 1)
    throw std::runtime_error("sqlite: delete of missing row " + std::to_string(handle));
}

ScanTotals SqliteEngine::scan(std::uint32_t c) {
  std::lock_guard lock(mutex_);
  ScanTotals totals;
  for (Step step(db_, table(c).scan); step.row();) {
    totals.values += 1;
    totals.bytes += step.blob(0).size();
  }
  return totals;
}

void SqliteEngine::end_phase() {
  std::lock_guard lock(mutex_);
  exec("COMMIT");
  exec("BEGIN");
}

EngineCounters SqliteEngine::counters() {
  std::lock_guard lock(mutex_);
  auto status = [this](int op) {
    int current = 0, high = 0;
    sqlite3_db_status(db_, op, &current, &high, 0);
    return static_cast<std::uint64_t>(current);
  };
  std::error_code ec;
  std::uint64_t bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    auto size = std::filesystem::file_size(path_ + suffix, ec);
    if (!ec) bytes += size;
  }
  return {status(SQLITE_DBSTATUS_CACHE_MISS), status(SQLITE_DBSTATUS_CACHE_WRITE),
          status(SQLITE_DBSTATUS_CACHE_HIT), status(SQLITE_DBSTATUS_CACHE_MISS), bytes};
}

}  // namespace

std::unique_ptr<EngineAdapter> make_sqlite_engine(const std::string& dir,
                                                  const EngineConfig& config) {
  return std::make_unique<SqliteEngine>(dir, config);
}

}  // namespace heapstore::workload
