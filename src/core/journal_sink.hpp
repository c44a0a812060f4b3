#pragma once

#include <mutex>

#include <spdlog/sinks/base_sink.h>

namespace tgw::log {

// Writes each record to journald with PRIORITY, SYSLOG_IDENTIFIER,
// TGW_COMPONENT (the logger's name), CODE_* and any log::Fields in scope.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}
};

int journalPriority(spdlog::level::level_enum level) noexcept;

}  // namespace tgw::log
