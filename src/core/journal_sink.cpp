#include "core/journal_sink.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

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

std::string encodeJournalEntry(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    if (value.find('\n') == std::string::npos) {
      out += key;
      out += '=';
      out += value;
      out += '\n';
    } else {
      out += key;
      out += '\n';
      std::uint64_t len = value.size();
      for (int i = 0; i < 8; ++i) out += static_cast<char>((len >> (8 * i)) & 0xFF);
      out += value;
      out += '\n';
    }
  }
  return out;
}

JournalSink::JournalSink(std::string socket_path) : socket_path_(std::move(socket_path)) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

JournalSink::~JournalSink() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
  std::vector<std::pair<std::string, std::string>> fields;
  fields.reserve(8);
  fields.emplace_back("MESSAGE", std::string(msg.payload.data(), msg.payload.size()));
  fields.emplace_back("PRIORITY", std::to_string(journalPriority(msg.level)));
  fields.emplace_back("SYSLOG_IDENTIFIER", "telemetry-gateway");
  fields.emplace_back("TGW_COMPONENT", std::string(msg.logger_name.data(), msg.logger_name.size()));
  if (msg.source.filename != nullptr) {
    fields.emplace_back("CODE_FILE", msg.source.filename);
    fields.emplace_back("CODE_LINE", std::to_string(msg.source.line));
  }
  for (const auto& f : Fields::current()) fields.push_back(f);
  const std::string datagram = encodeJournalEntry(fields);

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof(addr.sun_path) - 1);
  if (fd_ < 0 || ::sendto(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
                          sizeof addr) < 0) {
    // journald unreachable: never lose the line, write it to stderr instead.
    const std::string line = fmt::format("<{}>{}\n", journalPriority(msg.level),
                                          std::string_view(msg.payload.data(), msg.payload.size()));
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  }
}

}  // namespace tgw::log
