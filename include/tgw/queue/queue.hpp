// The durable store-and-forward queue between the profiles and the uplink
// (SPEC.md §3). Loop thread only: one owner, one writer.
//
// Life of a message: push() stages it (assigns its seq and writes "seq":N into
// the JSON payload); commit() makes every staged write durable in one
// transaction; fetch() hands out committed messages, leased until ack()
// (delivered: deleted) or fail() (kept, sent again later).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "tgw/core/error.hpp"
#include "tgw/model/message.hpp"

namespace tgw {

// Why a message left the queue without being delivered. Every drop is
// counted by reason (persisted with the queue) and logged, rate-limited.
enum class DropReason : std::uint8_t {
  kFull = 0,          // max_messages / max_bytes reached, dropped by priority
  kExpired = 1,       // older than ttl_s
  kAttempts = 2,      // max_attempts failed publishes
  kDiskFull = 3,      // the file system is full (ENOSPC / file size limit)
  kNotPersisted = 4,  // QoS 0 not persisted (policy) and the link could not take it
  kPurged = 5,        // removed by `queue purge`
  kError = 6,         // other storage error (I/O, corrupt page ...)
  kSendFailed = 7,    // QoS 0 message handed to the link but not written
};
inline constexpr std::size_t kDropReasonCount = 8;
inline constexpr std::size_t kMessageClassCount = 8;

std::string_view dropReasonName(DropReason reason) noexcept;
std::optional<DropReason> parseDropReason(std::string_view name) noexcept;

struct QueuedMessage {
  std::uint64_t seq = 0;
  Message message;  // payload already carries "seq"
  int attempts = 0;
  std::int64_t enqueued_ms = 0;  // Unix ms when pushed (TTL counts from here)
};

struct QueueStats {
  std::array<std::uint64_t, kMessageClassCount> count_by_class{};  // index: MessageClass
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;                              // topic + payload bytes
  std::int64_t oldest_enqueued_ms = 0;                  // 0 when empty
  std::int64_t oldest_age_ms = 0;                       // now - oldest_enqueued_ms, 0 when empty
  std::array<std::uint64_t, kDropReasonCount> drops{};  // index: DropReason; over the queue's life
  std::uint64_t last_seq = 0;                           // highest seq handed out
  std::uint64_t committed_seq = 0;                      // highest seq durable on disk
  std::size_t uncommitted = 0;                          // staged writes waiting for commit()
  std::size_t leased = 0;                               // fetched, not yet acked / failed
  std::uint64_t commits = 0;
  std::uint64_t commit_errors = 0;
};

class Queue {
 public:
  virtual ~Queue() = default;

  // Stage one message; returns its seq (monotonic, never reused, also after
  // restarts). Durable only after the next successful commit(). When full,
  // messages are dropped by priority (see docs/queue.md): if the new message
  // is the one dropped, the result is an Errc::kFull error. Disk full gives
  // Errc::kFull too (counted as kDiskFull).
  virtual Expected<std::uint64_t> push(Message message) = 0;
  // Make every staged insert / delete / attempt update durable (one
  // transaction). On failure the staged inserts are dropped and counted.
  virtual Expected<void> commit() = 0;
  // Staged writes (inserts, deletes, updates) not committed yet.
  [[nodiscard]] virtual std::size_t uncommitted() const = 0;

  // Up to `max` committed, not leased messages, leased to the caller:
  // highest drop priority first (alerts/alarms/responses, then status/events,
  // then telemetry/log), in seq order within a priority. Expired messages
  // met on the way are dropped (kExpired).
  virtual std::vector<QueuedMessage> fetch(std::size_t max) = 0;
  // Delivered: delete (staged; durable at the next commit).
  virtual void ack(std::uint64_t seq) = 0;
  // Not delivered: the lease ends and the message is fetched again. With
  // `count_attempt` the failure counts towards max_attempts (the message is
  // dropped with kAttempts when it reaches it).
  virtual void fail(std::uint64_t seq, bool count_attempt) = 0;

  // Drop expired messages; returns how many.
  virtual std::size_t sweep() = 0;
  // Count (and log) a message that never entered the queue.
  virtual void recordDrop(DropReason reason, const Message& message) = 0;

  [[nodiscard]] virtual QueueStats stats() const = 0;
  // Messages of this class in the queue (committed or staged).
  [[nodiscard]] virtual std::uint64_t count(MessageClass cls) const = 0;
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  [[nodiscard]] virtual std::uint64_t committedSeq() const = 0;
  // The next `n` messages in send order, without leasing them.
  virtual Expected<std::vector<QueuedMessage>> peek(std::size_t n) = 0;
  // Delete every message (of one class); counted as kPurged. Committed now.
  virtual Expected<std::uint64_t> purge(std::optional<MessageClass> cls) = 0;
};

}  // namespace tgw
