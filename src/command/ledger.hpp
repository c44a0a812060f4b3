// The exactly-once ledger: one SQLite file (WAL) keyed by (scope, request
// id), scope = the command topic. A command is inserted before anything
// touches the hardware; its outcome (the final response payload) is stored
// before that response is queued. Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "queue/sqlite/sqlite_db.hpp"
#include "tgw/core/error.hpp"

namespace tgw::command {

struct LedgerEntry {
  std::string scope;  // the command topic
  std::string request_id;
  std::string state;  // received | in_progress | done
  std::string action;
  std::string response_topic;
  std::string format;    // staged | homesync (how to answer)
  std::string rid_json;  // the request id as sent, JSON
  std::string rid_key;   // request_id | id
  std::string response;  // final response payload (state done)
  std::int64_t received_ms = 0;
  std::int64_t updated_ms = 0;
};

class CommandLedger {
 public:
  // Creates the file and its directory if needed. `full`: synchronous=FULL
  // (every state change survives a power cut), else NORMAL (survives a crash).
  static Expected<std::unique_ptr<CommandLedger>> open(const std::string& path, bool full);
  ~CommandLedger();
  CommandLedger(const CommandLedger&) = delete;
  CommandLedger& operator=(const CommandLedger&) = delete;

  Expected<std::optional<LedgerEntry>> find(const std::string& scope, const std::string& request_id);
  // Insert a new entry (state from `e`). kBusy if it already exists.
  Expected<void> insert(const LedgerEntry& e);
  Expected<void> setState(const std::string& scope, const std::string& request_id, const std::string& state,
                          std::int64_t now_ms);
  // state := done, response stored.
  Expected<void> complete(const std::string& scope, const std::string& request_id, const std::string& response,
                          std::int64_t now_ms);
  // Entries left in received / in_progress (a previous run died).
  Expected<std::vector<LedgerEntry>> unfinished();
  // Delete finished entries last updated before `before_ms`; returns how many.
  Expected<std::size_t> prune(std::int64_t before_ms);
  Expected<std::int64_t> count();
  [[nodiscard]] const std::string& path() const { return db_.path(); }

 private:
  explicit CommandLedger(queue::Database db) : db_(std::move(db)) {}
  Expected<void> prepare();
  Expected<void> stepDone(queue::Statement& st, std::string_view what);

  queue::Database db_;
  queue::Statement find_;
  queue::Statement insert_;
  queue::Statement set_state_;
  queue::Statement complete_;
};

}  // namespace tgw::command
