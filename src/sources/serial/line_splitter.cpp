#include "sources/serial/line_splitter.hpp"

namespace tgw::sources::serial {

void LineSplitter::feed(std::string_view bytes, const std::function<void(std::string_view)>& line) {
  for (char c : bytes) {
    if (c == '\n' || c == '\r') {
      if (!skipping_ && !buf_.empty()) line(buf_);
      buf_.clear();
      skipping_ = false;
      continue;
    }
    if (skipping_) continue;
    if (buf_.size() >= max_) {
      ++overlong_;
      buf_.clear();
      skipping_ = true;
      continue;
    }
    buf_.push_back(c);
  }
}

bool RateLimit::allow(std::int64_t now_ms, std::uint64_t& suppressed) {
  if (last_ms_ >= 0 && now_ms - last_ms_ < period_ms_) {
    ++held_;
    return false;
  }
  suppressed = held_;
  held_ = 0;
  last_ms_ = now_ms;
  return true;
}

}  // namespace tgw::sources::serial
