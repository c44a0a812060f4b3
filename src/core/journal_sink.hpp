#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/sinks/base_sink.h>

namespace tgw::log {

// Writes each record to journald with PRIORITY, SYSLOG_IDENTIFIER,
// TGW_COMPONENT (the logger's name), CODE_FILE/CODE_LINE and any log::Fields
// in scope, using journald's native datagram protocol on `socket_path`.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit JournalSink(std::string socket_path = "/run/systemd/journal/socket");
  ~JournalSink() override;
  JournalSink(const JournalSink&) = delete;
  JournalSink& operator=(const JournalSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string socket_path_;
  int fd_ = -1;
};

int journalPriority(spdlog::level::level_enum level) noexcept;

// One datagram of journald's native protocol: KEY=value lines; values with
// a newline use the binary form (KEY\n, 64-bit LE length, value, \n).
std::string encodeJournalEntry(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace tgw::log
