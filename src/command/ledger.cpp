#include "command/ledger.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace tgw::command {
namespace {

constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS commands(
  scope TEXT NOT NULL,
  request_id TEXT NOT NULL,
  state TEXT NOT NULL,
  action TEXT NOT NULL DEFAULT '',
  response_topic TEXT NOT NULL,
  format TEXT NOT NULL,
  rid_json TEXT NOT NULL,
  rid_key TEXT NOT NULL,
  response TEXT,
  received_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY(scope, request_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS commands_updated ON commands(updated_ms);
)";

constexpr std::string_view kColumns =
    "scope, request_id, state, action, response_topic, format, rid_json, rid_key, COALESCE(response, ''), "
    "received_ms, updated_ms";

LedgerEntry readRow(const queue::Statement& st) {
  LedgerEntry e;
  e.scope = st.text(0);
  e.request_id = st.text(1);
  e.state = st.text(2);
  e.action = st.text(3);
  e.response_topic = st.text(4);
  e.format = st.text(5);
  e.rid_json = st.text(6);
  e.rid_key = st.text(7);
  e.response = st.text(8);
  e.received_ms = st.integer(9);
  e.updated_ms = st.integer(10);
  return e;
}

}  // namespace

Expected<std::unique_ptr<CommandLedger>> CommandLedger::open(const std::string& path, bool full) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  auto db = queue::Database::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, 2000);
  if (!db) {
    return makeError(db.error().code, fmt::format("command ledger: {} (check commands.ledger_path and the rights on "
                                                  "its directory)",
                                                  db.error().message));
  }
  std::unique_ptr<CommandLedger> ledger(new CommandLedger(std::move(*db)));
  if (auto ok = ledger->db_.exec("PRAGMA journal_mode=WAL;"); !ok) return tl::unexpected(ok.error());
  if (auto ok = ledger->db_.exec(full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = ledger->db_.exec(kSchema); !ok) {
    return makeError(ok.error().code, fmt::format("command ledger {}: {} (is it a ledger file? move it away to start "
                                                  "a new one)",
                                                  path, ok.error().message));
  }
  if (auto ok = ledger->prepare(); !ok) return tl::unexpected(ok.error());
  return ledger;
}

CommandLedger::~CommandLedger() = default;

Expected<void> CommandLedger::prepare() {
  auto f = db_.prepare(fmt::format("SELECT {} FROM commands WHERE scope=?1 AND request_id=?2", kColumns));
  if (!f) return tl::unexpected(f.error());
  find_ = std::move(*f);
  auto i = db_.prepare(
      "INSERT INTO commands(scope, request_id, state, action, response_topic, format, rid_json, rid_key, response, "
      "received_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULLIF(?9, ''), ?10, ?10)");
  if (!i) return tl::unexpected(i.error());
  insert_ = std::move(*i);
  auto s = db_.prepare("UPDATE commands SET state=?3, updated_ms=?4 WHERE scope=?1 AND request_id=?2");
  if (!s) return tl::unexpected(s.error());
  set_state_ = std::move(*s);
  auto c = db_.prepare("UPDATE commands SET state='done', response=?3, updated_ms=?4 WHERE scope=?1 AND request_id=?2");
  if (!c) return tl::unexpected(c.error());
  complete_ = std::move(*c);
  return {};
}

Expected<void> CommandLedger::stepDone(queue::Statement& st, std::string_view what) {
  const int rc = st.step();
  st.reset();
  if (rc == SQLITE_DONE) return {};
  if (rc == SQLITE_CONSTRAINT || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return makeError(Errc::kBusy, fmt::format("command ledger: {}: the request id is already recorded", what));
  }
  return tl::unexpected(db_.error(rc, what));
}

Expected<std::optional<LedgerEntry>> CommandLedger::find(const std::string& scope, const std::string& request_id) {
  find_.bind(1, scope).bind(2, request_id);
  const int rc = find_.step();
  std::optional<LedgerEntry> out;
  if (rc == SQLITE_ROW) out = readRow(find_);
  find_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return tl::unexpected(db_.error(rc, "command ledger lookup"));
  return out;
}

Expected<void> CommandLedger::insert(const LedgerEntry& e) {
  insert_.bind(1, e.scope)
      .bind(2, e.request_id)
      .bind(3, e.state)
      .bind(4, e.action)
      .bind(5, e.response_topic)
      .bind(6, e.format)
      .bind(7, e.rid_json)
      .bind(8, e.rid_key)
      .bind(9, e.response)
      .bind(10, e.received_ms);
  return stepDone(insert_, "insert");
}

Expected<void> CommandLedger::setState(const std::string& scope, const std::string& request_id,
                                       const std::string& state, std::int64_t now_ms) {
  set_state_.bind(1, scope).bind(2, request_id).bind(3, state).bind(4, now_ms);
  return stepDone(set_state_, "state update");
}

Expected<void> CommandLedger::complete(const std::string& scope, const std::string& request_id,
                                       const std::string& response, std::int64_t now_ms) {
  complete_.bind(1, scope).bind(2, request_id).bind(3, response).bind(4, now_ms);
  return stepDone(complete_, "outcome update");
}

Expected<std::vector<LedgerEntry>> CommandLedger::unfinished() {
  auto st = db_.prepare(fmt::format("SELECT {} FROM commands WHERE state<>'done' ORDER BY received_ms", kColumns));
  if (!st) return tl::unexpected(st.error());
  std::vector<LedgerEntry> out;
  int rc = 0;
  while ((rc = st->step()) == SQLITE_ROW) out.push_back(readRow(*st));
  if (rc != SQLITE_DONE) return tl::unexpected(db_.error(rc, "command ledger scan"));
  return out;
}

Expected<std::size_t> CommandLedger::prune(std::int64_t before_ms) {
  auto st = db_.prepare("DELETE FROM commands WHERE state='done' AND updated_ms < ?1");
  if (!st) return tl::unexpected(st.error());
  st->bind(1, before_ms);
  const int rc = st->step();
  if (rc != SQLITE_DONE) return tl::unexpected(db_.error(rc, "command ledger prune"));
  return static_cast<std::size_t>(sqlite3_changes(db_.handle()));
}

Expected<std::int64_t> CommandLedger::count() {
  return db_.scalar("SELECT COUNT(*) FROM commands");
}

}  // namespace tgw::command
