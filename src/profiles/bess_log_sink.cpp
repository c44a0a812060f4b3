#include "profiles/bess_log_sink.hpp"

#include <algorithm>

#include "profiles/payload.hpp"
#include "tgw/config/topics.hpp"

namespace tgw::profiles {
namespace {

thread_local bool t_in_sink = false;

spdlog::level::level_enum levelOf(const std::string& name) {
  if (name == "info") return spdlog::level::info;
  if (name == "error") return spdlog::level::err;
  return spdlog::level::warn;
}

// Topic level and the numeric level of the BESS log API (ESP-IDF style:
// 1 error, 2 warning, 3 info).
std::pair<const char*, int> levelName(spdlog::level::level_enum l) {
  if (l >= spdlog::level::err) return {"error", 1};
  if (l == spdlog::level::warn) return {"warning", 2};
  return {"info", 3};
}

}  // namespace

BessLogSink::BessLogSink(std::string device_id, std::string topic_template, const config::BessLogsConfig& cfg)
    : device_id_(std::move(device_id)),
      topic_template_(std::move(topic_template)),
      cfg_(cfg),
      min_level_(levelOf(cfg.level)),
      tokens_(cfg.burst) {
  set_level(cfg.enabled ? min_level_ : spdlog::level::off);
}

void BessLogSink::sink_it_(const spdlog::details::log_msg& msg) {
  if (t_in_sink) {
    ++dropped_reentrant_;
    return;
  }
  t_in_sink = true;
  struct Reset {
    ~Reset() { t_in_sink = false; }
  } reset;
  if (!cfg_.enabled || msg.level < min_level_ || msg.level == spdlog::level::off) return;
  const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
  if (logger == "bess.logs") return;

  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
  // Token bucket; a clock stepping back refills nothing.
  if (last_refill_ms_ != 0 && now_ms > last_refill_ms_) {
    tokens_ = std::min<double>(cfg_.burst,
                               tokens_ + static_cast<double>(now_ms - last_refill_ms_) / 1000.0 * cfg_.rate_per_s);
  }
  last_refill_ms_ = now_ms;
  if (tokens_ < 1.0) {
    ++dropped_rate_;
    return;
  }
  tokens_ -= 1.0;

  const auto [name, number] = levelName(msg.level);
  std::string text(msg.payload.data(), std::min(msg.payload.size(), kMaxMessageBytes));
  Json p;
  p["timestamp"] = now_ms;
  p["device_id"] = device_id_;
  p["level"] = number;
  p["component"] = logger.empty() ? std::string("daemon") : std::string(logger);
  p["message"] = std::move(text);
  const std::string topic = config::expandTopic(topic_template_, {{"device_id", device_id_}, {"level", name}});
  Message m = makeMessage(MessageClass::kLog, topic, p, 0, false, now_ms);
  std::lock_guard<std::mutex> lock(buffer_mutex_);
  if (buffer_.size() >= kMaxBuffered) {
    ++dropped_overflow_;
    return;
  }
  buffer_.push_back(std::move(m));
  ++forwarded_;
}

void BessLogSink::drain(std::vector<Message>& out) {
  std::deque<Message> taken;
  {
    std::lock_guard<std::mutex> lock(buffer_mutex_);
    taken.swap(buffer_);
  }
  for (auto& m : taken) out.push_back(std::move(m));
}

}  // namespace tgw::profiles
