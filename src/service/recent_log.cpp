#include "service/recent_log.hpp"

#include <chrono>

namespace tgw::service {

RecentLogSink::RecentLogSink(std::size_t capacity, spdlog::level::level_enum min_level, std::size_t max_chars)
    : capacity_(capacity), max_chars_(max_chars) {
  set_level(min_level);
}

std::vector<RecentLogLine> RecentLogSink::lines() {
  std::lock_guard<std::mutex> lock(mutex_);
  return {lines_.begin(), lines_.end()};
}

void RecentLogSink::sink_it_(const spdlog::details::log_msg& msg) {
  // base_sink::log() holds mutex_ here; the level filter ran already.
  RecentLogLine line;
  line.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
  line.level = msg.level == spdlog::level::warn ? "warning"
                                                : std::string(spdlog::level::to_string_view(msg.level).data(),
                                                              spdlog::level::to_string_view(msg.level).size());
  line.logger.assign(msg.logger_name.data(), msg.logger_name.size());
  line.message.assign(msg.payload.data(), std::min(msg.payload.size(), max_chars_));
  if (msg.payload.size() > max_chars_) line.message += "…";
  lines_.push_back(std::move(line));
  while (lines_.size() > capacity_) lines_.pop_front();
}

}  // namespace tgw::service
