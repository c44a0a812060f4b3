#pragma once

#include <cstdint>
#include <string>

namespace tgw::config {

struct QueueConfig {
  std::string path;                        // default: <state_dir>/queue.db
  std::int64_t max_messages = 10000;
  std::int64_t max_bytes = 64LL * 1024 * 1024;
  int ttl_s = 86400;
  int max_attempts = 3;
  int sweep_interval_s = 300;
  std::string telemetry_persistence = "offline";  // always | offline | never
  int commit_window_ms = 5;
  int commit_batch = 256;
  std::string synchronous = "normal";      // normal | full
  int drain_rate = 200;                    // max messages/s while draining a backlog (0 = unlimited)
};

}  // namespace tgw::config
