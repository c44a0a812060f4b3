// Named loggers per module ("uplink", "queue", "source.can0" ...). Output goes
// to journald (with priority and TGW_* fields) when started by systemd, to a
// readable console otherwise.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace tgw::log {

enum class Output { kAuto, kConsole, kJournal };

// Parse "trace|debug|info|warning|error|critical|off".
std::optional<spdlog::level::level_enum> parseLevel(std::string_view name);

// Configure output and level; safe to call again (e.g. on reload).
void init(spdlog::level::level_enum level, Output output = Output::kAuto);
void setLevel(spdlog::level::level_enum level);
// True when stderr is connected to the journal (JOURNAL_STREAM matches).
bool stderrIsJournal();
bool usingJournal();

// The logger for a component; created on first use, shares the global sinks.
std::shared_ptr<spdlog::logger> get(std::string_view component);

// Add / remove an extra sink for every logger (e.g. the bess log forwarder).
void addSink(const spdlog::sink_ptr& sink);
void removeSink(const spdlog::sink_ptr& sink);

// Extra structured journald fields for log lines written by this thread while
// the scope lives: `log::Fields f{{"TGW_TOPIC", topic}};`
class Fields {
 public:
  Fields(std::initializer_list<std::pair<std::string, std::string>> fields);
  ~Fields();
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;
  static const std::vector<std::pair<std::string, std::string>>& current();

 private:
  std::size_t count_;
};

}  // namespace tgw::log
