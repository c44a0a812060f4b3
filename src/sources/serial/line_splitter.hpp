// Splits a byte stream into lines (CR, LF or CRLF terminated). A line longer
// than the limit is dropped up to its end and counted; partial lines wait
// for more bytes. Pure, no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tgw::sources::serial {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line = 512) : max_(max_line) {}
  // Calls `line` for every complete, non-empty line in `bytes` (terminator removed).
  void feed(std::string_view bytes, const std::function<void(std::string_view)>& line);
  // Drop a partial line (e.g. after the port was reopened).
  void reset() {
    buf_.clear();
    skipping_ = false;
  }
  [[nodiscard]] std::uint64_t overlong() const { return overlong_; }
  [[nodiscard]] std::string_view pending() const { return buf_; }

 private:
  std::size_t max_;
  std::string buf_;
  bool skipping_ = false;
  std::uint64_t overlong_ = 0;
};

// At most one log line per `period` per key; the next one says how many were
// suppressed in between. Not thread-safe (one per owner thread).
class RateLimit {
 public:
  explicit RateLimit(std::int64_t period_ms = 10000) : period_ms_(period_ms) {}
  // Returns true if a line may be logged now; `suppressed` is set to the
  // number of lines held back since the last one.
  bool allow(std::int64_t now_ms, std::uint64_t& suppressed);

 private:
  std::int64_t period_ms_;
  std::int64_t last_ms_ = -1;
  std::uint64_t held_ = 0;
};

}  // namespace tgw::sources::serial
