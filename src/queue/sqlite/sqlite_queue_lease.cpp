// SqliteQueue: handing out messages (leases), acks, failures, TTL sweep,
// and the read-only views (stats, peek, purge).
#include <fmt/format.h>

#include <algorithm>

#include "core/logging.hpp"
#include "queue/sqlite/sqlite_queue.hpp"

namespace tgw::queue {
namespace {
constexpr std::int64_t kScanChunk = 256;
}  // namespace

std::vector<QueuedMessage> SqliteQueue::fetch(std::size_t max) {
  std::vector<QueuedMessage> out;
  if (closed_ || max == 0) return out;
  const std::int64_t cutoff = nowMs() - static_cast<std::int64_t>(cfg_.ttl_s) * 1000;
  struct Expired {
    int band;
    std::uint64_t seq;
    MessageClass cls;
    std::uint64_t bytes;
    std::string topic;
  };
  std::vector<Expired> expired;
  for (int band = kBands - 1; band >= 0 && out.size() < max; --band) {
    if (bandCount(band) == 0) continue;
    for (;;) {
      std::size_t leased_here = 0;
      for (const auto& [s, l] : leases_) leased_here += l.band == band ? 1 : 0;
      const auto limit = static_cast<std::int64_t>(max - out.size() + leased_here);
      fetch_.reset();
      fetch_.bind(1, std::int64_t{band})
          .bind(2, static_cast<std::int64_t>(cursor_[static_cast<std::size_t>(band)]))
          .bind(3, static_cast<std::int64_t>(committed_seq_))
          .bind(4, limit);
      std::int64_t rows = 0;
      int rc = 0;
      while (out.size() < max && (rc = fetch_.step()) == SQLITE_ROW) {
        ++rows;
        QueuedMessage m = readMessage(fetch_);
        cursor_[static_cast<std::size_t>(band)] = m.seq;
        if (leases_.count(m.seq) != 0) continue;
        const std::uint64_t bytes = m.message.topic.size() + m.message.payload.size();
        if (m.enqueued_ms < cutoff) {
          expired.push_back(Expired{band, m.seq, m.message.cls, bytes, m.message.topic});
          continue;
        }
        leases_.emplace(m.seq, Lease{band, m.message.cls, bytes, m.attempts, m.message.topic});
        out.push_back(std::move(m));
      }
      fetch_.reset();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE && rc != 0) {
        log::get("queue")->error("{}", db_.error(rc, "reading queued messages").message);
        break;
      }
      if (out.size() >= max || rows < limit) break;
    }
  }
  for (const auto& e : expired) {
    if (!begin()) break;
    if (deleteRow(e.band, e.seq, e.cls, e.bytes)) {
      countDrop(DropReason::kExpired, e.cls, e.topic, e.seq, fmt::format("older than ttl_s={}", cfg_.ttl_s));
    }
  }
  return out;
}

void SqliteQueue::ack(std::uint64_t seq) {
  auto it = leases_.find(seq);
  if (it == leases_.end()) return;  // dropped or purged while in flight
  const Lease l = std::move(it->second);
  leases_.erase(it);
  if (!begin()) return;
  (void)deleteRow(l.band, seq, l.cls, l.bytes);
}

void SqliteQueue::fail(std::uint64_t seq, bool count_attempt) {
  auto it = leases_.find(seq);
  if (it == leases_.end()) return;
  const Lease l = std::move(it->second);
  leases_.erase(it);
  auto& cursor = cursor_[static_cast<std::size_t>(l.band)];
  cursor = std::min(cursor, seq - 1);
  if (!count_attempt) return;
  const int attempts = l.attempts + 1;
  if (!begin()) return;
  if (attempts >= cfg_.max_attempts) {
    if (deleteRow(l.band, seq, l.cls, l.bytes)) {
      countDrop(DropReason::kAttempts, l.cls, l.topic, seq,
                fmt::format("{} failed publish attempts (max_attempts={})", attempts, cfg_.max_attempts));
    }
    return;
  }
  attempts_.reset();
  attempts_.bind(1, std::int64_t{l.band}).bind(2, static_cast<std::int64_t>(seq)).bind(3, std::int64_t{attempts});
  const int rc = attempts_.step();
  attempts_.reset();
  if (rc != SQLITE_DONE) {
    log::get("queue")->error("{}", writeFailed(rc, "counting a failed attempt").message);
    return;
  }
  ++staged_writes_;
}

std::size_t SqliteQueue::sweep() {
  if (closed_) return 0;
  checkExternalChanges();
  const std::int64_t cutoff = nowMs() - static_cast<std::int64_t>(cfg_.ttl_s) * 1000;
  std::size_t n = 0;
  for (int band = 0; band < kBands; ++band) {
    std::uint64_t after = 0;
    bool done = bandCount(band) == 0;
    while (!done) {
      struct Row {
        std::uint64_t seq;
        MessageClass cls;
        std::uint64_t bytes;
        std::string topic;
      };
      std::vector<Row> rows;
      expired_.reset();
      expired_.bind(1, std::int64_t{band}).bind(2, static_cast<std::int64_t>(after)).bind(3, kScanChunk);
      std::int64_t seen = 0;
      while (expired_.step() == SQLITE_ROW) {
        ++seen;
        after = static_cast<std::uint64_t>(expired_.integer(0));
        if (expired_.integer(4) >= cutoff) {  // messages are stored in time order
          done = true;
          break;
        }
        if (leases_.count(after) != 0) continue;  // in flight: its outcome decides
        rows.push_back(Row{after, static_cast<MessageClass>(expired_.integer(1)),
                           static_cast<std::uint64_t>(expired_.integer(2)), expired_.text(3)});
      }
      expired_.reset();
      if (seen < kScanChunk) done = true;
      for (const auto& r : rows) {
        if (!begin()) return n;
        if (deleteRow(band, r.seq, r.cls, r.bytes)) {
          countDrop(DropReason::kExpired, r.cls, r.topic, r.seq, fmt::format("older than ttl_s={}", cfg_.ttl_s));
          ++n;
        }
      }
    }
  }
  drop_log_.flush();
  return n;
}

QueueStats SqliteQueue::stats() const {
  QueueStats s;
  s.count_by_class = counts_;
  s.messages = total_;
  s.bytes = bytes_;
  s.drops = drops_;
  s.last_seq = last_seq_;
  s.committed_seq = committed_seq_;
  s.uncommitted = staged_writes_;
  s.leased = leases_.size();
  s.commits = commits_;
  s.commit_errors = commit_errors_;
  if (!closed_ && total_ > 0) {
    for (int band = 0; band < kBands; ++band) {
      if (bandCount(band) == 0) continue;
      victim_.reset();
      victim_.bind(1, std::int64_t{band}).bind(2, std::int64_t{0}).bind(3, std::int64_t{1});
      if (victim_.step() == SQLITE_ROW) {
        const std::int64_t t = victim_.integer(4);
        if (s.oldest_enqueued_ms == 0 || t < s.oldest_enqueued_ms) s.oldest_enqueued_ms = t;
      }
      victim_.reset();
    }
    if (s.oldest_enqueued_ms != 0) s.oldest_age_ms = std::max<std::int64_t>(0, nowMs() - s.oldest_enqueued_ms);
  }
  return s;
}

Expected<std::vector<QueuedMessage>> SqliteQueue::peek(std::size_t n) {
  if (closed_) return makeError(Errc::kUnavailable, "the queue is closed");
  return peekRows(db_, n);
}

Expected<std::uint64_t> SqliteQueue::purge(std::optional<MessageClass> cls) {
  if (closed_) return makeError(Errc::kUnavailable, "the queue is closed");
  if (auto r = commit(); !r) return tl::unexpected(r.error());
  auto n = purgeRows(db_, cls);
  if (!n) return n;
  if (auto r = loadCounters(); !r) return tl::unexpected(r.error());
  cursor_ = {};
  log::get("queue")->info("purged {} {} messages from {}", *n, cls ? className(*cls) : "", db_.path());
  return n;
}

}  // namespace tgw::queue
