// `telemetry-gateway queue stats|peek|purge`: safe while the daemon runs
// (a separate connection with a busy timeout; never creates, migrates or
// moves the file). Return the process exit code: 0 ok, 1 failure (a clear
// message is written to `out`).
#pragma once

#include <optional>
#include <ostream>

#include "tgw/config/queue_config.hpp"
#include "tgw/model/message.hpp"

namespace tgw::queue {

int queueStats(const config::QueueConfig& cfg, std::ostream& out, bool json);
int queuePeek(const config::QueueConfig& cfg, std::ostream& out, int n);
int queuePurge(const config::QueueConfig& cfg, std::ostream& out, std::optional<MessageClass> cls);

}  // namespace tgw::queue
