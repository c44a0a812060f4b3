// Thin RAII layer over the SQLite C API: one connection, prepared
// statements, errors as values naming the file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tgw/core/error.hpp"

namespace tgw::queue {

// True for results that mean "the file system is full" (SQLITE_FULL, or an
// I/O error whose errno is ENOSPC / EFBIG / EDQUOT).
bool isDiskFull(sqlite3* db, int rc) noexcept;
// SQLITE_NOTADB / SQLITE_CORRUPT.
bool isCorrupt(int rc) noexcept;

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, std::string_view v);
  Statement& bindBlob(int i, std::string_view v);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();
  [[nodiscard]] std::int64_t integer(int col) const;
  [[nodiscard]] std::string text(int col) const;
  [[nodiscard]] bool valid() const { return stmt_ != nullptr; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  // `flags`: SQLITE_OPEN_* flags.
  static Expected<Database> open(const std::string& path, int flags, int busy_timeout_ms);
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&& o) noexcept : db_(o.db_), path_(std::move(o.path_)) { o.db_ = nullptr; }
  Database& operator=(Database&& o) noexcept;
  ~Database();
  void close() noexcept;

  [[nodiscard]] sqlite3* handle() const { return db_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool isOpen() const { return db_ != nullptr; }

  // Run one or more statements; the result code is kept for isDiskFull().
  Expected<void> exec(std::string_view sql);
  Expected<Statement> prepare(std::string_view sql);
  // First column of the first row as an integer (nullopt-like: `def` when no row).
  Expected<std::int64_t> scalar(std::string_view sql, std::int64_t def = 0);

  // Error for result code `rc` of an operation: "<what> on <path>: <sqlite message>".
  [[nodiscard]] Error error(int rc, std::string_view what) const;
  [[nodiscard]] int lastCode() const { return last_rc_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  int last_rc_ = SQLITE_OK;
};

}  // namespace tgw::queue
