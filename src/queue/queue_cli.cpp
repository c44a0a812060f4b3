#include "queue/queue_cli.hpp"

#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "queue/sqlite/queries.hpp"
#include "queue/sqlite/schema.hpp"
#include "tgw/core/clock.hpp"

namespace tgw::queue {
namespace {

std::string age(std::int64_t ms) {
  const std::int64_t s = ms / 1000;
  if (s < 120) return fmt::format("{} s", s);
  if (s < 7200) return fmt::format("{} min", s / 60);
  return fmt::format("{:.1f} h", static_cast<double>(s) / 3600.0);
}

int failWith(std::ostream& out, const std::string& what, const Error& e) {
  out << "error: " << what << ": " << e.message << "\n";
  return 1;
}

}  // namespace

int queueStats(const config::QueueConfig& cfg, std::ostream& out, bool json) {
  auto db = openExistingQueue(cfg.path, false);
  if (!db) return failWith(out, "queue stats", db.error());
  auto s = readStats(*db, toUnixMs(SystemClock::instance().now()));
  if (!s) return failWith(out, "queue stats", s.error());
  if (json) {
    nlohmann::json j;
    j["path"] = cfg.path;
    j["messages"] = s->messages;
    j["bytes"] = s->bytes;
    j["oldest_age_ms"] = s->oldest_age_ms;
    j["last_seq"] = s->last_seq;
    j["max_messages"] = cfg.max_messages;
    j["max_bytes"] = cfg.max_bytes;
    auto& by_class = j["by_class"] = nlohmann::json::object();
    for (std::size_t c = 0; c < kMessageClassCount; ++c) {
      by_class[std::string(className(static_cast<MessageClass>(c)))] = s->count_by_class[c];
    }
    auto& drops = j["drops"] = nlohmann::json::object();
    for (std::size_t r = 0; r < kDropReasonCount; ++r) {
      drops[std::string(dropReasonName(static_cast<DropReason>(r)))] = s->drops[r];
    }
    out << j.dump(2) << "\n";
    return 0;
  }
  out << fmt::format("queue {}\n", cfg.path);
  out << fmt::format("  messages   {} (max {})\n", s->messages, cfg.max_messages);
  out << fmt::format("  bytes      {} (max {})\n", s->bytes, cfg.max_bytes);
  out << fmt::format("  oldest     {}\n", s->messages == 0 ? std::string("-") : age(s->oldest_age_ms));
  out << fmt::format("  last seq   {}\n", s->last_seq);
  out << "  by class\n";
  for (std::size_t c = 0; c < kMessageClassCount; ++c) {
    out << fmt::format("    {:<10} {}\n", className(static_cast<MessageClass>(c)), s->count_by_class[c]);
  }
  out << "  drops\n";
  for (std::size_t r = 0; r < kDropReasonCount; ++r) {
    out << fmt::format("    {:<14} {}\n", dropReasonName(static_cast<DropReason>(r)), s->drops[r]);
  }
  return 0;
}

int queuePeek(const config::QueueConfig& cfg, std::ostream& out, int n) {
  if (n < 1) {
    out << "error: queue peek: -n must be at least 1\n";
    return 1;
  }
  auto db = openExistingQueue(cfg.path, false);
  if (!db) return failWith(out, "queue peek", db.error());
  auto rows = peekRows(*db, static_cast<std::size_t>(n));
  if (!rows) return failWith(out, "queue peek", rows.error());
  const std::int64_t now = toUnixMs(SystemClock::instance().now());
  for (const auto& m : *rows) {
    out << fmt::format("seq={} class={} qos={} attempts={} age={} topic={} payload={}\n", m.seq,
                       className(m.message.cls), m.message.qos, m.attempts, age(now - m.enqueued_ms), m.message.topic,
                       m.message.payload);
  }
  if (rows->empty()) out << "(queue is empty)\n";
  return 0;
}

int queuePurge(const config::QueueConfig& cfg, std::ostream& out, std::optional<MessageClass> cls) {
  auto db = openExistingQueue(cfg.path, true);
  if (!db) return failWith(out, "queue purge", db.error());
  auto n = purgeRows(*db, cls);
  if (!n) return failWith(out, "queue purge", n.error());
  out << fmt::format("purged {} {}message(s) from {}\n", *n, cls ? std::string(className(*cls)) + " " : std::string(),
                     cfg.path);
  return 0;
}

}  // namespace tgw::queue
