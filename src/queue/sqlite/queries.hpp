// SQL shared by SqliteQueue and the `queue` CLI commands.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "queue/sqlite/sqlite_db.hpp"
#include "tgw/queue/queue.hpp"

namespace tgw::queue {

// Drop priority bands (tgw::dropPriority): 0 telemetry/log, 1 status/events,
// 2 alerts/alarms/responses. Sent highest band first, dropped lowest first.
inline constexpr int kBands = 3;

// Columns every message SELECT returns, in this order.
inline constexpr const char* kMessageColumns =
    "seq, cls, qos, retain, created_ms, enqueued_ms, attempts, topic, payload";
QueuedMessage readMessage(const Statement& stmt);

// Counts per class, bytes, oldest, drops and last seq from the file itself.
Expected<QueueStats> readStats(Database& db, std::int64_t now_ms);
// The next `n` messages in send order.
Expected<std::vector<QueuedMessage>> peekRows(Database& db, std::size_t n);
// Delete every message (of one class) and count them as purged, in one
// transaction. Returns how many were deleted.
Expected<std::uint64_t> purgeRows(Database& db, std::optional<MessageClass> cls);

}  // namespace tgw::queue
