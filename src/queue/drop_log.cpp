#include "queue/drop_log.hpp"

#include <fmt/format.h>

#include "core/logging.hpp"

namespace tgw::queue {

void DropLog::record(DropReason reason, MessageClass cls, const std::string& topic, std::uint64_t seq,
                     const std::string& detail) {
  // Forwarded log lines (class log, QoS 0) are not kept while offline, by
  // design; logging each such drop would feed the log forwarder a line about
  // itself. They are still counted (queue stats: drops by reason).
  if (cls == MessageClass::kLog && reason == DropReason::kNotPersisted) return;
  auto& p = pending_[static_cast<std::size_t>(reason)];
  p.last_what = fmt::format("{} message on '{}'{}{}", className(cls), topic,
                            seq != 0 ? fmt::format(" (seq {})", seq) : std::string(),
                            detail.empty() ? std::string() : ": " + detail);
  const MonoTime now = clock_.monotonic();
  if (!p.logged_once || now - p.last_log >= interval_) {
    p.suppressed += 1;
    emit(reason, p);
    return;
  }
  p.suppressed += 1;
}

void DropLog::flush(bool force) {
  const MonoTime now = clock_.monotonic();
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    auto& p = pending_[i];
    if (p.suppressed > 0 && (force || now - p.last_log >= interval_)) emit(static_cast<DropReason>(i), p);
  }
}

void DropLog::emit(DropReason reason, Pending& p) {
  auto log = log::get("queue");
  const auto level = reason == DropReason::kPurged                                       ? spdlog::level::info
                     : (reason == DropReason::kDiskFull || reason == DropReason::kError) ? spdlog::level::err
                                                                                         : spdlog::level::warn;
  if (p.suppressed <= 1) {
    log->log(level, "dropped {} (reason: {})", p.last_what, dropReasonName(reason));
  } else {
    log->log(level, "dropped {} messages (reason: {}) in the last {} s; last one: {}", p.suppressed,
             dropReasonName(reason), std::chrono::duration_cast<std::chrono::seconds>(interval_).count(), p.last_what);
  }
  ++lines_;
  p.suppressed = 0;
  p.logged_once = true;
  p.last_log = clock_.monotonic();
}

}  // namespace tgw::queue
