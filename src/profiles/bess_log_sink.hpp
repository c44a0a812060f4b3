// Forwards the daemon's own log lines to bess/logs/{level} (SPEC §4.2): an
// spdlog sink the app registers with tgw::log::addSink(). Lines at or above
// the configured level, rate limited (token bucket), buffered (bounded) until
// the profile drains them on the loop thread. The sink never logs itself;
// a line logged while the sink is running on the same thread is dropped, and
// lines of the logger "bess.logs" are never forwarded (no feedback loop).
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "tgw/config/profile_config.hpp"
#include "tgw/model/message.hpp"

namespace tgw::profiles {

class BessLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::size_t kMaxBuffered = 256;
  static constexpr std::size_t kMaxMessageBytes = 1024;

  // `topic_template`: e.g. "bess/logs/{level}" ({device_id} already usable).
  BessLogSink(std::string device_id, std::string topic_template, const config::BessLogsConfig& cfg);

  // Loop thread: move the buffered messages to `out`.
  void drain(std::vector<Message>& out);

  [[nodiscard]] std::uint64_t forwarded() const { return forwarded_.load(); }
  [[nodiscard]] std::uint64_t droppedRate() const { return dropped_rate_.load(); }
  [[nodiscard]] std::uint64_t droppedOverflow() const { return dropped_overflow_.load(); }
  [[nodiscard]] std::uint64_t droppedReentrant() const { return dropped_reentrant_.load(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string device_id_;
  std::string topic_template_;
  config::BessLogsConfig cfg_;
  spdlog::level::level_enum min_level_;
  double tokens_;
  std::int64_t last_refill_ms_ = 0;
  std::mutex buffer_mutex_;  // buffer_ only; never held while logging
  std::deque<Message> buffer_;
  std::atomic<std::uint64_t> forwarded_{0};
  std::atomic<std::uint64_t> dropped_rate_{0};
  std::atomic<std::uint64_t> dropped_overflow_{0};
  std::atomic<std::uint64_t> dropped_reentrant_{0};
};

}  // namespace tgw::profiles
