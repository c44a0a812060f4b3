#include "queue/sqlite/sqlite_db.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <string>

namespace tgw::queue {

bool isDiskFull(sqlite3* db, int rc) noexcept {
  const int primary = rc & 0xff;
  if (primary == SQLITE_FULL) return true;
  if (primary == SQLITE_IOERR && db != nullptr) {
    const int err = sqlite3_system_errno(db);
    return err == ENOSPC || err == EFBIG || err == EDQUOT;
  }
  return false;
}

bool isCorrupt(int rc) noexcept {
  const int primary = rc & 0xff;
  return primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT;
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Statement& Statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bindBlob(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

int Statement::step() {
  return sqlite3_step(stmt_);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::integer(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

std::string Statement::text(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(n));
}

Expected<Database> Database::open(const std::string& path, int flags, int busy_timeout_ms) {
  Database db;
  db.path_ = path;
  const int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = db.error(rc, "cannot open the queue database");
    return tl::unexpected(std::move(e));
  }
  sqlite3_extended_result_codes(db.db_, 1);
  sqlite3_busy_timeout(db.db_, busy_timeout_ms);
  return db;
}

Database& Database::operator=(Database&& o) noexcept {
  if (this != &o) {
    close();
    db_ = o.db_;
    path_ = std::move(o.path_);
    o.db_ = nullptr;
  }
  return *this;
}

Database::~Database() {
  close();
}

void Database::close() noexcept {
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

Expected<void> Database::exec(std::string_view sql) {
  const std::string s(sql);
  last_rc_ = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr);
  if (last_rc_ != SQLITE_OK) return tl::unexpected(error(last_rc_, fmt::format("'{}'", sql.substr(0, 60))));
  return {};
}

Expected<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  last_rc_ =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (last_rc_ != SQLITE_OK) {
    return tl::unexpected(error(last_rc_, fmt::format("preparing '{}'", sql.substr(0, 60))));
  }
  return Statement(db_, stmt);
}

Expected<std::int64_t> Database::scalar(std::string_view sql, std::int64_t def) {
  auto stmt = prepare(sql);
  if (!stmt) return tl::unexpected(stmt.error());
  last_rc_ = stmt->step();
  if (last_rc_ == SQLITE_ROW) {
    const std::int64_t v = stmt->integer(0);
    last_rc_ = SQLITE_OK;
    return v;
  }
  if (last_rc_ == SQLITE_DONE) {
    last_rc_ = SQLITE_OK;
    return def;
  }
  return tl::unexpected(error(last_rc_, fmt::format("'{}'", sql.substr(0, 60))));
}

Error Database::error(int rc, std::string_view what) const {
  const int primary = rc & 0xff;
  Errc code = Errc::kIo;
  std::string hint;
  if (isDiskFull(db_, rc)) {
    code = Errc::kFull;
    hint = "; the file system is full: free space on it (messages are dropped and counted until then)";
  } else if (isCorrupt(rc)) {
    code = Errc::kCorrupt;
    hint = "; the file is damaged or not an SQLite database";
  } else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    code = Errc::kBusy;
    hint = "; another process holds the queue locked: try again";
  } else if (primary == SQLITE_READONLY || primary == SQLITE_PERM || primary == SQLITE_AUTH) {
    code = Errc::kPermission;
    hint = "; the file or its directory is not writable by this user: fix ownership/permissions";
  } else if (primary == SQLITE_CANTOPEN) {
    code = Errc::kIo;
    hint = "; check that the directory exists and is writable by this user";
  }
  const char* msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if (db_ != nullptr && (rc & 0xff) != (sqlite3_errcode(db_) & 0xff)) msg = sqlite3_errstr(rc);
  return Error{code, fmt::format("{} on {}: {}{}", what, path_, msg, hint)};
}

}  // namespace tgw::queue
