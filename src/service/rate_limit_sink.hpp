// A spdlog sink wrapper that rate-limits repeated log lines before they
// reach journald (or the console): per (logger, level, text with digits
// blanked) at most `burst` lines per `interval` pass; the rest are counted
// and, when the interval ends, one line says
//   "suppressed 118 similar message(s) in the last 30 s: <first one>"
// at the same level and component. Lines below `min_level` pass untouched.
// Thread-safe (spdlog's base_sink mutex). Depends on spdlog only, so the
// core logging can wrap its output with it (library tgw_log_limit).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include <spdlog/sinks/base_sink.h>

namespace tgw::service {

struct RateLimitOptions {
  std::chrono::milliseconds interval{30000};
  std::size_t burst = 5;  // similar lines passed per interval
  spdlog::level::level_enum min_level = spdlog::level::warn;
  std::size_t max_keys = 1024;  // distinct lines tracked (oldest windows closed first)
};

class RateLimitSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  using Now = std::function<std::chrono::steady_clock::time_point()>;

  explicit RateLimitSink(spdlog::sink_ptr inner, RateLimitOptions options = {},
                         Now now = [] { return std::chrono::steady_clock::now(); });

  // Close the windows that ended and write their "suppressed" lines. Called
  // on every line (at most once a second); call it from a timer too so the
  // count of a burst that stopped is not held back until the next line.
  void sweep();
  [[nodiscard]] std::uint64_t suppressedTotal() const;
  [[nodiscard]] const spdlog::sink_ptr& inner() const { return inner_; }

  // "connect to 10.0.0.7:1883 failed (attempt 12)" -> "connect to #.#.#.#:# failed (attempt #)"
  static std::string similarityKey(std::string_view text);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;
  void set_pattern_(const std::string& pattern) override;
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    std::size_t passed = 0;
    std::uint64_t suppressed = 0;
    std::string logger;
    spdlog::level::level_enum level = spdlog::level::info;
    std::string first;  // the first suppressed line, as written
  };

  void sweepLocked(std::chrono::steady_clock::time_point now, bool all);
  void emitSummary(const Window& w);

  spdlog::sink_ptr inner_;
  RateLimitOptions options_;
  Now now_;
  std::unordered_map<std::string, Window> windows_;
  std::chrono::steady_clock::time_point last_sweep_{};
  std::uint64_t suppressed_total_ = 0;
};

}  // namespace tgw::service
