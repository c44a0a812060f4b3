#include "queue/sqlite/queries.hpp"

#include <fmt/format.h>

namespace tgw::queue {

QueuedMessage readMessage(const Statement& stmt) {
  QueuedMessage m;
  m.seq = static_cast<std::uint64_t>(stmt.integer(0));
  m.message.cls = static_cast<MessageClass>(stmt.integer(1));
  m.message.qos = static_cast<int>(stmt.integer(2));
  m.message.retain = stmt.integer(3) != 0;
  m.message.created_ms = stmt.integer(4);
  m.enqueued_ms = stmt.integer(5);
  m.attempts = static_cast<int>(stmt.integer(6));
  m.message.topic = stmt.text(7);
  m.message.payload = stmt.text(8);
  return m;
}

Expected<QueueStats> readStats(Database& db, std::int64_t now_ms) {
  QueueStats s;
  // One pass in key order, summed here: a GROUP BY would sort every row in
  // memory (RSS growing with the backlog).
  auto counts = db.prepare("SELECT cls, length(CAST(topic AS BLOB)) + length(payload), seq FROM messages");
  if (!counts) return tl::unexpected(counts.error());
  int rc = 0;
  while ((rc = counts->step()) == SQLITE_ROW) {
    const auto cls = static_cast<std::size_t>(counts->integer(0));
    if (cls < s.count_by_class.size()) s.count_by_class[cls] += 1;
    s.messages += 1;
    s.bytes += static_cast<std::uint64_t>(counts->integer(1));
    s.last_seq = std::max(s.last_seq, static_cast<std::uint64_t>(counts->integer(2)));
  }
  if (rc != SQLITE_DONE) return tl::unexpected(db.error(rc, "counting queued messages"));
  auto oldest = db.prepare("SELECT enqueued_ms FROM messages WHERE band = ?1 ORDER BY seq LIMIT 1");
  if (!oldest) return tl::unexpected(oldest.error());
  for (int band = 0; band < kBands; ++band) {
    oldest->reset();
    oldest->bind(1, std::int64_t{band});
    rc = oldest->step();
    if (rc == SQLITE_ROW) {
      const std::int64_t t = oldest->integer(0);
      if (s.oldest_enqueued_ms == 0 || t < s.oldest_enqueued_ms) s.oldest_enqueued_ms = t;
    } else if (rc != SQLITE_DONE) {
      return tl::unexpected(db.error(rc, "finding the oldest message"));
    }
  }
  if (s.oldest_enqueued_ms != 0) s.oldest_age_ms = std::max<std::int64_t>(0, now_ms - s.oldest_enqueued_ms);
  auto drops = db.prepare("SELECT reason, count FROM drops");
  if (!drops) return tl::unexpected(drops.error());
  while ((rc = drops->step()) == SQLITE_ROW) {
    if (auto r = parseDropReason(drops->text(0))) {
      s.drops[static_cast<std::size_t>(*r)] = static_cast<std::uint64_t>(drops->integer(1));
    }
  }
  if (rc != SQLITE_DONE) return tl::unexpected(db.error(rc, "reading drop counters"));
  auto last = db.scalar("SELECT value FROM meta WHERE key = 'last_seq'");
  if (!last) return tl::unexpected(last.error());
  s.last_seq = std::max(s.last_seq, static_cast<std::uint64_t>(*last));
  s.committed_seq = s.last_seq;
  return s;
}

Expected<std::vector<QueuedMessage>> peekRows(Database& db, std::size_t n) {
  std::vector<QueuedMessage> out;
  auto stmt = db.prepare(fmt::format("SELECT {} FROM messages WHERE band = ?1 ORDER BY seq LIMIT ?2", kMessageColumns));
  if (!stmt) return tl::unexpected(stmt.error());
  for (int band = kBands - 1; band >= 0 && out.size() < n; --band) {
    stmt->reset();
    stmt->bind(1, std::int64_t{band}).bind(2, static_cast<std::int64_t>(n - out.size()));
    int rc = 0;
    while ((rc = stmt->step()) == SQLITE_ROW) out.push_back(readMessage(*stmt));
    if (rc != SQLITE_DONE) return tl::unexpected(db.error(rc, "reading queued messages"));
  }
  return out;
}

Expected<std::uint64_t> purgeRows(Database& db, std::optional<MessageClass> cls) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return tl::unexpected(r.error());
  auto fail = [&](const Error& e) -> Expected<std::uint64_t> {
    (void)db.exec("ROLLBACK");
    return tl::unexpected(e);
  };
  auto del = db.prepare(cls ? "DELETE FROM messages WHERE cls = ?1" : "DELETE FROM messages");
  if (!del) return fail(del.error());
  if (cls) del->bind(1, static_cast<std::int64_t>(*cls));
  const int rc = del->step();
  if (rc != SQLITE_DONE) return fail(db.error(rc, "deleting messages"));
  const auto n = static_cast<std::uint64_t>(sqlite3_changes(db.handle()));
  auto count = db.prepare(
      "INSERT INTO drops(reason, count) VALUES('purged', ?1) ON CONFLICT(reason) DO UPDATE SET count = count + ?1");
  if (!count) return fail(count.error());
  count->bind(1, static_cast<std::int64_t>(n));
  if (const int c = count->step(); c != SQLITE_DONE) return fail(db.error(c, "counting purged messages"));
  if (auto r = db.exec("COMMIT"); !r) return fail(r.error());
  return n;
}

}  // namespace tgw::queue
