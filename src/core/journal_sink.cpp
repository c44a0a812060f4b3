#include "core/journal_sink.hpp"

#include <sys/uio.h>
#include <syslog.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <systemd/sd-journal.h>

#include "core/logging.hpp"

namespace tgw::log {

int journalPriority(spdlog::level::level_enum level) noexcept {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return LOG_DEBUG;
    case spdlog::level::info: return LOG_INFO;
    case spdlog::level::warn: return LOG_WARNING;
    case spdlog::level::err: return LOG_ERR;
    case spdlog::level::critical: return LOG_CRIT;
    default: return LOG_INFO;
  }
}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
  std::vector<std::string> fields;
  fields.reserve(8);
  fields.push_back(fmt::format("MESSAGE={}", std::string_view(msg.payload.data(), msg.payload.size())));
  fields.push_back(fmt::format("PRIORITY={}", journalPriority(msg.level)));
  fields.emplace_back("SYSLOG_IDENTIFIER=telemetry-gateway");
  fields.push_back(fmt::format("TGW_COMPONENT={}", std::string_view(msg.logger_name.data(), msg.logger_name.size())));
  if (msg.source.filename != nullptr) {
    fields.push_back(fmt::format("CODE_FILE={}", msg.source.filename));
    fields.push_back(fmt::format("CODE_LINE={}", msg.source.line));
  }
  for (const auto& [k, v] : Fields::current()) fields.push_back(k + "=" + v);
  std::vector<iovec> iov(fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    iov[i].iov_base = fields[i].data();
    iov[i].iov_len = fields[i].size();
  }
  sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

}  // namespace tgw::log
