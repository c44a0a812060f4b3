// Keeps the last few warning/error log lines for `telemetry-gateway status`
// ("Recent problems"). An spdlog sink: thread-safe, cheap, bounded.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace tgw::service {

struct RecentLogLine {
  std::int64_t time_ms = 0;  // Unix ms
  std::string level;         // "warning", "error", "critical"
  std::string logger;        // "uplink", "source.can0" ...
  std::string message;
};

class RecentLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Keeps the last `capacity` lines at `min_level` or above; messages are cut
  // at `max_chars`.
  explicit RecentLogSink(std::size_t capacity = 8, spdlog::level::level_enum min_level = spdlog::level::warn,
                         std::size_t max_chars = 300);
  [[nodiscard]] std::vector<RecentLogLine> lines();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::size_t capacity_;
  std::size_t max_chars_;
  std::deque<RecentLogLine> lines_;
};

}  // namespace tgw::service
