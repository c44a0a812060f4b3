#include "service/rate_limit_sink.hpp"

#include <cctype>
#include <vector>

#include <fmt/format.h>

namespace tgw::service {

RateLimitSink::RateLimitSink(spdlog::sink_ptr inner, RateLimitOptions options, Now now)
    : inner_(std::move(inner)), options_(options), now_(std::move(now)) {}

std::string RateLimitSink::similarityKey(std::string_view text) {
  std::string key;
  key.reserve(text.size());
  bool in_digits = false;
  for (const char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      if (!in_digits) key.push_back('#');
      in_digits = true;
    } else {
      in_digits = false;
      key.push_back(c);
    }
  }
  return key;
}

void RateLimitSink::sink_it_(const spdlog::details::log_msg& msg) {
  const auto now = now_();
  if (now - last_sweep_ >= std::chrono::seconds(1)) {
    last_sweep_ = now;
    sweepLocked(now, false);
  }
  if (msg.level < options_.min_level) {
    inner_->log(msg);
    return;
  }
  const std::string_view text(msg.payload.data(), msg.payload.size());
  const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
  std::string key = fmt::format("{}\x1f{}\x1f{}", logger, static_cast<int>(msg.level), similarityKey(text));
  auto it = windows_.find(key);
  if (it != windows_.end() && now - it->second.start >= options_.interval) {
    emitSummary(it->second);
    windows_.erase(it);
    it = windows_.end();
  }
  if (it == windows_.end()) {
    if (windows_.size() >= options_.max_keys) sweepLocked(now, true);
    Window w;
    w.start = now;
    w.logger = std::string(logger);
    w.level = msg.level;
    it = windows_.emplace(std::move(key), std::move(w)).first;
  }
  Window& w = it->second;
  if (w.passed < options_.burst) {
    ++w.passed;
    inner_->log(msg);
    return;
  }
  if (w.suppressed == 0) w.first = std::string(text);
  ++w.suppressed;
  ++suppressed_total_;
}

void RateLimitSink::emitSummary(const Window& w) {
  if (w.suppressed == 0) return;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(options_.interval).count();
  const std::string text =
      fmt::format("suppressed {} similar message(s) in the last {} s: {}", w.suppressed, secs, w.first);
  spdlog::details::log_msg summary(spdlog::string_view_t(w.logger.data(), w.logger.size()), w.level,
                                   spdlog::string_view_t(text.data(), text.size()));
  inner_->log(summary);
}

void RateLimitSink::sweepLocked(std::chrono::steady_clock::time_point now, bool all) {
  std::vector<std::string> done;
  for (const auto& [key, w] : windows_) {
    if (all || now - w.start >= options_.interval) done.push_back(key);
  }
  for (const auto& key : done) {
    auto it = windows_.find(key);
    emitSummary(it->second);
    windows_.erase(it);
  }
}

void RateLimitSink::sweep() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = now_();
  last_sweep_ = now;
  sweepLocked(now, false);
}

std::uint64_t RateLimitSink::suppressedTotal() const {
  std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(mutex_));
  return suppressed_total_;
}

void RateLimitSink::flush_() { inner_->flush(); }
void RateLimitSink::set_pattern_(const std::string& pattern) { inner_->set_pattern(pattern); }
void RateLimitSink::set_formatter_(std::unique_ptr<spdlog::formatter> formatter) {
  inner_->set_formatter(std::move(formatter));
}

}  // namespace tgw::service
