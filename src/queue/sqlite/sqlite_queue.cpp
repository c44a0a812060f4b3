// SqliteQueue: opening, staging writes, group commit, limits, failures.
// Leasing / acks / sweep / reads are in sqlite_queue_lease.cpp.
#include "queue/sqlite/sqlite_queue.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/logging.hpp"
#include "queue/payload_seq.hpp"
#include "queue/sqlite/schema.hpp"

namespace tgw::queue {

Expected<std::unique_ptr<SqliteQueue>> SqliteQueue::open(const config::QueueConfig& cfg, const Clock& clock) {
  auto db = openQueueDatabase(cfg, clock);
  if (!db) return tl::unexpected(db.error());
  std::unique_ptr<SqliteQueue> q(new SqliteQueue(std::move(*db), cfg, clock));
  if (auto r = q->prepare(); !r) return tl::unexpected(r.error());
  if (auto r = q->loadCounters(); !r) return tl::unexpected(r.error());
  q->committed_seq_ = q->last_seq_;
  q->checkExternalChanges();
  log::get("queue")->info("queue {} open: {} messages, {} bytes, last seq {}, synchronous={}", cfg.path, q->total_,
                          q->bytes_, q->last_seq_, cfg.synchronous);
  return q;
}

SqliteQueue::SqliteQueue(Database db, const config::QueueConfig& cfg, const Clock& clock)
    : db_(std::move(db)), cfg_(cfg), clock_(clock), drop_log_(clock) {}

SqliteQueue::~SqliteQueue() {
  (void)close();
}

Expected<void> SqliteQueue::close() {
  if (closed_) return {};
  auto r = commit();
  drop_log_.flush(true);
  insert_ = Statement();
  delete_ = Statement();
  attempts_ = Statement();
  fetch_ = Statement();
  victim_ = Statement();
  expired_ = Statement();
  meta_ = Statement();
  drop_count_ = Statement();
  data_version_ = Statement();
  db_.close();
  closed_ = true;
  return r;
}

Expected<void> SqliteQueue::prepare() {
  struct Item {
    Statement* stmt;
    std::string sql;
  };
  const Item items[] = {
      {&insert_,
       "INSERT INTO messages(band, seq, cls, qos, retain, created_ms, enqueued_ms, attempts, topic, payload) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9)"},
      {&delete_, "DELETE FROM messages WHERE band = ?1 AND seq = ?2"},
      {&attempts_, "UPDATE messages SET attempts = ?3 WHERE band = ?1 AND seq = ?2"},
      {&fetch_, fmt::format("SELECT {} FROM messages WHERE band = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4",
                            kMessageColumns)},
      {&victim_,
       "SELECT seq, cls, length(CAST(topic AS BLOB)) + length(payload), topic, enqueued_ms FROM messages "
       "WHERE band = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"},
      {&expired_,
       "SELECT seq, cls, length(CAST(topic AS BLOB)) + length(payload), topic, enqueued_ms FROM messages "
       "WHERE band = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"},
      {&meta_,
       "INSERT INTO meta(key, value) VALUES('last_seq', ?1) ON CONFLICT(key) DO UPDATE SET value = "
       "max(value, ?1)"},
      {&drop_count_,
       "INSERT INTO drops(reason, count) VALUES(?1, ?2) ON CONFLICT(reason) DO UPDATE SET count = count + ?2"},
      {&data_version_, "PRAGMA data_version"},
  };
  for (const auto& item : items) {
    auto stmt = db_.prepare(item.sql);
    if (!stmt) return tl::unexpected(stmt.error());
    *item.stmt = std::move(*stmt);
  }
  return {};
}

Expected<void> SqliteQueue::loadCounters() {
  auto s = readStats(db_, nowMs());
  if (!s) return tl::unexpected(s.error());
  counts_ = s->count_by_class;
  total_ = s->messages;
  bytes_ = s->bytes;
  for (std::size_t i = 0; i < kDropReasonCount; ++i) drops_[i] = s->drops[i] + drops_unsaved_[i];
  last_seq_ = std::max(last_seq_, s->last_seq);
  return {};
}

void SqliteQueue::checkExternalChanges() {
  if (!data_version_.valid()) return;
  data_version_.reset();
  if (data_version_.step() != SQLITE_ROW) return;
  const std::int64_t v = data_version_.integer(0);
  data_version_.reset();
  if (v == data_version_value_) return;
  const bool first = data_version_value_ == 0;
  data_version_value_ = v;
  if (first) return;
  // Another connection (queue purge) committed: our counters are stale.
  if (auto r = loadCounters(); !r) log::get("queue")->error("{}", r.error().message);
  cursor_ = {};
}

std::uint64_t SqliteQueue::bandCount(int band) const {
  std::uint64_t n = 0;
  for (std::size_t c = 0; c < kMessageClassCount; ++c) {
    if (dropPriority(static_cast<MessageClass>(c)) == band) n += counts_[c];
  }
  return n;
}

std::uint64_t SqliteQueue::count(MessageClass cls) const {
  const auto i = static_cast<std::size_t>(cls);
  return i < counts_.size() ? counts_[i] : 0;
}

Expected<void> SqliteQueue::begin() {
  if (in_txn_) return {};
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r;
  in_txn_ = true;
  checkExternalChanges();  // we hold the write lock: counters reloaded now stay right
  return {};
}

void SqliteQueue::countDrop(DropReason reason, MessageClass cls, const std::string& topic, std::uint64_t seq,
                            const std::string& detail) {
  const auto i = static_cast<std::size_t>(reason);
  drops_[i] += 1;
  drops_unsaved_[i] += 1;
  drop_log_.record(reason, cls, topic, seq, detail);
}

void SqliteQueue::recordDrop(DropReason reason, const Message& message) {
  countDrop(reason, message.cls, message.topic, 0, {});
}

Expected<std::uint64_t> SqliteQueue::push(Message message) {
  if (closed_) return makeError(Errc::kUnavailable, "the queue is closed");
  const int band = dropPriority(message.cls);
  const std::uint64_t seq = last_seq_ + 1;
  if (!spliceSeq(message.payload, seq)) {
    log::get("queue")->debug("payload on '{}' is not a JSON object: stored without \"seq\"", message.topic);
  }
  const std::uint64_t bytes = message.topic.size() + message.payload.size();
  if (!makeRoom(band, bytes, message)) {
    countDrop(
        DropReason::kFull, message.cls, message.topic, 0,
        fmt::format("queue full ({} messages, {} bytes) of messages that are not dropped before it", total_, bytes_));
    return makeError(Errc::kFull, fmt::format("queue {} is full: {} message on '{}' dropped", db_.path(),
                                              className(message.cls), message.topic));
  }
  if (auto r = begin(); !r) {
    const DropReason reason = r.error().code == Errc::kFull ? DropReason::kDiskFull : DropReason::kError;
    countDrop(reason, message.cls, message.topic, 0, r.error().message);
    return tl::unexpected(r.error());
  }
  insert_.reset();
  insert_.bind(1, std::int64_t{band})
      .bind(2, static_cast<std::int64_t>(seq))
      .bind(3, static_cast<std::int64_t>(message.cls))
      .bind(4, std::int64_t{message.qos})
      .bind(5, std::int64_t{message.retain ? 1 : 0})
      .bind(6, message.created_ms)
      .bind(7, nowMs())
      .bind(8, message.topic)
      .bindBlob(9, message.payload);
  const int rc = insert_.step();
  insert_.reset();
  if (rc != SQLITE_DONE) {
    Error e = writeFailed(rc, "storing a message");
    countDrop(e.code == Errc::kFull ? DropReason::kDiskFull : DropReason::kError, message.cls, message.topic, 0,
              e.message);
    return tl::unexpected(std::move(e));
  }
  last_seq_ = seq;
  staged_deltas_.push_back(Delta{message.cls, bytes, true});
  applyDelta(staged_deltas_.back(), false);
  staged_inserts_.push_back(Staged{seq, message.cls, std::move(message.topic)});
  ++staged_writes_;
  return seq;
}

bool SqliteQueue::makeRoom(int band, std::uint64_t bytes, const Message& incoming) {
  (void)incoming;
  const auto maxMessages = static_cast<std::uint64_t>(cfg_.max_messages);
  const auto maxBytes = static_cast<std::uint64_t>(cfg_.max_bytes);
  if (bytes > maxBytes) return false;
  bool refreshed = false;
  while (total_ + 1 > maxMessages || bytes_ + bytes > maxBytes) {
    if (!refreshed) {  // a `queue purge` may have made room meanwhile
      refreshed = true;
      checkExternalChanges();
      continue;
    }
    int victim_band = -1;
    for (int b = 0; b < kBands; ++b) {
      if (bandCount(b) > 0) {
        victim_band = b;
        break;
      }
    }
    if (victim_band < 0 || victim_band > band) return false;
    victim_.reset();
    victim_.bind(1, std::int64_t{victim_band}).bind(2, std::int64_t{0}).bind(3, std::int64_t{1});
    if (victim_.step() != SQLITE_ROW) {
      victim_.reset();
      (void)loadCounters();    // counters were stale; try again with fresh ones
      reload_on_loss_ = true;  // the deltas no longer apply to these counters
      if (bandCount(victim_band) > 0) return false;
      continue;
    }
    const auto seq = static_cast<std::uint64_t>(victim_.integer(0));
    const auto cls = static_cast<MessageClass>(victim_.integer(1));
    const auto vbytes = static_cast<std::uint64_t>(victim_.integer(2));
    const std::string topic = victim_.text(3);
    victim_.reset();
    if (!begin()) return false;
    leases_.erase(seq);
    if (!deleteRow(victim_band, seq, cls, vbytes)) return false;
    countDrop(DropReason::kFull, cls, topic, seq,
              fmt::format("queue full ({} of max {} messages, {} of max {} bytes): oldest of the lowest priority "
                          "dropped for a new {} message",
                          total_ + 1, maxMessages, bytes_ + vbytes, maxBytes, className(incoming.cls)));
  }
  return true;
}

bool SqliteQueue::deleteRow(int band, std::uint64_t seq, MessageClass cls, std::uint64_t bytes) {
  delete_.reset();
  delete_.bind(1, std::int64_t{band}).bind(2, static_cast<std::int64_t>(seq));
  const int rc = delete_.step();
  delete_.reset();
  if (rc != SQLITE_DONE) {
    Error e = writeFailed(rc, "deleting a message");
    log::get("queue")->error("{}", e.message);
    return false;
  }
  if (sqlite3_changes(db_.handle()) != 1) return false;
  staged_deltas_.push_back(Delta{cls, bytes, false});
  applyDelta(staged_deltas_.back(), false);
  ++staged_writes_;
  return true;
}

void SqliteQueue::applyDelta(const Delta& d, bool undo) {
  auto& c = counts_[static_cast<std::size_t>(d.cls)];
  if (d.insert != undo) {
    c += 1;
    total_ += 1;
    bytes_ += d.bytes;
  } else {
    if (c > 0) c -= 1;
    if (total_ > 0) total_ -= 1;
    bytes_ = bytes_ >= d.bytes ? bytes_ - d.bytes : 0;
  }
}

Error SqliteQueue::writeFailed(int rc, std::string_view what) {
  Error e = db_.error(rc, what);
  if (in_txn_ && sqlite3_get_autocommit(db_.handle()) != 0) {
    transactionLost(isDiskFull(db_.handle(), rc) ? DropReason::kDiskFull : DropReason::kError, e.message);
  }
  return e;
}

void SqliteQueue::transactionLost(DropReason reason, const std::string& why) {
  in_txn_ = false;
  ++commit_errors_;
  for (const auto& s : staged_inserts_) countDrop(reason, s.cls, s.topic, s.seq, "not committed: " + why);
  staged_inserts_.clear();
  staged_writes_ = 0;
  if (reload_on_loss_) {
    if (auto r = loadCounters(); !r) log::get("queue")->error("{}", r.error().message);
  } else {
    for (auto it = staged_deltas_.rbegin(); it != staged_deltas_.rend(); ++it) applyDelta(*it, true);
  }
  staged_deltas_.clear();
  reload_on_loss_ = false;
  cursor_ = {};  // acks of the lost transaction are undone: send those again
}

Expected<void> SqliteQueue::commit() {
  if (closed_) return {};
  const bool unsaved_drops =
      std::any_of(drops_unsaved_.begin(), drops_unsaved_.end(), [](std::uint64_t n) { return n > 0; });
  if (!in_txn_ && !unsaved_drops) {
    checkExternalChanges();
    return {};
  }
  if (auto r = begin(); !r) {
    ++commit_errors_;
    return r;
  }
  int rc = SQLITE_DONE;
  if (last_seq_ > committed_seq_) {
    meta_.reset();
    meta_.bind(1, static_cast<std::int64_t>(last_seq_));
    rc = meta_.step();
    meta_.reset();
  }
  for (std::size_t i = 0; i < kDropReasonCount && rc == SQLITE_DONE; ++i) {
    if (drops_unsaved_[i] == 0) continue;
    drop_count_.reset();
    drop_count_.bind(1, dropReasonName(static_cast<DropReason>(i)))
        .bind(2, static_cast<std::int64_t>(drops_unsaved_[i]));
    rc = drop_count_.step();
    drop_count_.reset();
  }
  if (rc == SQLITE_DONE) {
    rc = sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) rc = SQLITE_DONE;
  }
  if (rc != SQLITE_DONE) {
    Error e = db_.error(rc, "committing the queue");
    if (sqlite3_get_autocommit(db_.handle()) == 0) (void)db_.exec("ROLLBACK");
    transactionLost(isDiskFull(db_.handle(), rc) ? DropReason::kDiskFull : DropReason::kError, e.message);
    // Rate-limited: with a full disk every commit window fails.
    const MonoTime now = clock_.monotonic();
    if (commit_errors_logged_ == 0 || now - last_commit_error_log_ >= std::chrono::seconds(10)) {
      log::get("queue")->error(
          "{}{}", e.message,
          suppressed_commit_errors_ > 0
              ? fmt::format(" ({} more failed commits since the last report)", suppressed_commit_errors_)
              : std::string());
      ++commit_errors_logged_;
      suppressed_commit_errors_ = 0;
      last_commit_error_log_ = now;
    } else {
      ++suppressed_commit_errors_;
    }
    return tl::unexpected(std::move(e));
  }
  in_txn_ = false;
  committed_seq_ = last_seq_;
  staged_inserts_.clear();
  staged_deltas_.clear();
  reload_on_loss_ = false;
  staged_writes_ = 0;
  drops_unsaved_ = {};
  ++commits_;
  drop_log_.flush();
  return {};
}

}  // namespace tgw::queue
