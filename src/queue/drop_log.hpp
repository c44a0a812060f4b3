// Rate-limited logging of dropped messages: the first drop of a reason is
// logged at once, later ones are summed up and logged at most once per
// interval per reason. Never silent, never a log flood.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "tgw/core/clock.hpp"
#include "tgw/queue/queue.hpp"

namespace tgw::queue {

class DropLog {
 public:
  explicit DropLog(const Clock& clock, std::chrono::milliseconds interval = std::chrono::seconds(10))
      : clock_(clock), interval_(interval) {}
  void record(DropReason reason, MessageClass cls, const std::string& topic, std::uint64_t seq,
              const std::string& detail);
  // Log pending summaries whose interval has passed (call now and then).
  void flush(bool force = false);
  // Log lines written (for tests).
  [[nodiscard]] std::uint64_t linesLogged() const { return lines_; }

 private:
  struct Pending {
    MonoTime last_log{};
    bool logged_once = false;
    std::uint64_t suppressed = 0;
    std::string last_what;
  };
  void emit(DropReason reason, Pending& p);

  const Clock& clock_;
  std::chrono::milliseconds interval_;
  std::array<Pending, kDropReasonCount> pending_{};
  std::uint64_t lines_ = 0;
};

}  // namespace tgw::queue
