#include "sources/can_common/rate_limited_log.hpp"

namespace tgw::sources::can {

void RateLimitedLog::log(spdlog::level::level_enum level, const std::string& key, const std::string& message) {
  if (!logger_->should_log(level)) return;
  Entry& e = entries_[key];
  const MonoTime now = clock_.monotonic();
  if (e.seen && now - e.last < period_) {
    ++e.suppressed;
    return;
  }
  if (e.suppressed > 0) {
    logger_->log(level, "{} ({} more since the last report)", message, e.suppressed);
  } else {
    logger_->log(level, "{}", message);
  }
  e.seen = true;
  e.last = now;
  e.suppressed = 0;
}

}  // namespace tgw::sources::can
