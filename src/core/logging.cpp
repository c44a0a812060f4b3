#include "core/logging.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/dist_sink.h>

#include "core/journal_sink.hpp"
#include "service/rate_limit_sink.hpp"

namespace tgw::log {
namespace {

struct State {
  std::mutex mutex;
  std::shared_ptr<spdlog::sinks::dist_sink_mt> dist = std::make_shared<spdlog::sinks::dist_sink_mt>();
  spdlog::sink_ptr output;  // console or journal
  spdlog::level::level_enum level = spdlog::level::info;
  bool journal = false;
};

State& state() {
  static State s;
  return s;
}

thread_local std::vector<std::pair<std::string, std::string>> t_fields;

spdlog::sink_ptr makeOutput(bool journal) {
  spdlog::sink_ptr out;
  if (journal) {
    out = std::make_shared<JournalSink>();
  } else {
    auto console = std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>(spdlog::color_mode::automatic);
    console->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-8l%$ [%n] %v");
    out = console;
  }
  // Repeated warnings/errors: a few, then one "suppressed N similar" line.
  return std::make_shared<service::RateLimitSink>(std::move(out));
}

}  // namespace

std::optional<spdlog::level::level_enum> parseLevel(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warning" || name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "critical") return spdlog::level::critical;
  if (name == "off") return spdlog::level::off;
  return std::nullopt;
}

bool stderrIsJournal() {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (js == nullptr) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

void init(spdlog::level::level_enum level, Output output) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  const bool journal = output == Output::kJournal || (output == Output::kAuto && stderrIsJournal());
  if (!s.output || journal != s.journal) {
    if (s.output) s.dist->remove_sink(s.output);
    s.output = makeOutput(journal);
    s.journal = journal;
    s.dist->add_sink(s.output);
  }
  s.level = level;
  spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
}

void setLevel(spdlog::level::level_enum level) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.level = level;
  spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
}

bool usingJournal() {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  return s.journal;
}

std::shared_ptr<spdlog::logger> get(std::string_view component) {
  const std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (auto existing = spdlog::get(name)) return existing;
  if (!s.output) {
    s.output = makeOutput(false);
    s.dist->add_sink(s.output);
  }
  auto logger = std::make_shared<spdlog::logger>(name, s.dist);
  logger->set_level(s.level);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

void addSink(const spdlog::sink_ptr& sink) { state().dist->add_sink(sink); }
void removeSink(const spdlog::sink_ptr& sink) { state().dist->remove_sink(sink); }

Fields::Fields(std::initializer_list<std::pair<std::string, std::string>> fields) : count_(fields.size()) {
  for (const auto& f : fields) t_fields.push_back(f);
}
Fields::~Fields() { t_fields.resize(t_fields.size() - count_); }
const std::vector<std::pair<std::string, std::string>>& Fields::current() { return t_fields; }

}  // namespace tgw::log
