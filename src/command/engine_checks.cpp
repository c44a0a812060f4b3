// The engine's checks that need configuration and time: signatures,
// staleness, rate limits, and the actuators behind the actions.
#include <fmt/format.h>

#include <cmath>

#include "command/command_engine.hpp"
#include "command/hmac.hpp"
#include "core/logging.hpp"

namespace tgw::command {

std::optional<Refusal> CommandEngine::checkSignature(const Context& ctx) {
  if (cfg_.hmac.key.empty()) return std::nullopt;
  const auto& body = ctx.env.body;
  const auto sig = body.find("signature");
  if (sig == body.end()) {
    if (!cfg_.hmac.required) return std::nullopt;
    return Refusal{"unauthorized", "the command is not signed (commands.hmac.required)"};
  }
  if (!sig->is_string()) return Refusal{"unauthorized", "'signature' is not a hex string"};
  auto key = cfg_.hmac.key.resolve();
  if (!key || key->empty()) {
    log::get("command")->error("commands.hmac key ({}) cannot be read: {}", cfg_.hmac.key.describe(),
                               key ? std::string("empty") : key.error().message);
    return Refusal{"unauthorized", "the gateway cannot check signatures now (key unreadable)"};
  }
  if (!signatureMatches(*key, ctx.topic, body, sig->get_ref<const std::string&>())) {
    return Refusal{"unauthorized", "bad signature"};
  }
  const auto ts = body.find("timestamp");
  const auto when = ts == body.end() ? std::nullopt : parseTimestampMs(*ts);
  if (!when) return Refusal{"unauthorized", "a signed command needs a readable 'timestamp'"};
  const std::int64_t skew = toUnixMs(clock_.now()) - *when;
  if (std::llabs(skew) > static_cast<std::int64_t>(cfg_.hmac.window_s) * 1000) {
    return Refusal{"unauthorized", fmt::format("timestamp {} s away from the gateway's clock, the window is {} s",
                                               skew / 1000, cfg_.hmac.window_s)};
  }
  return std::nullopt;
}

std::optional<Refusal> CommandEngine::checkStale(const Context& ctx) {
  const auto& body = ctx.env.body;
  const std::int64_t now = toUnixMs(clock_.now());
  const std::int64_t max_age_ms = static_cast<std::int64_t>(cfg_.max_age_s) * 1000;
  if (const auto exp = body.find("expires_at"); exp != body.end()) {
    const auto at = parseTimestampMs(*exp);
    if (!at) return Refusal{"invalid_timestamp", "'expires_at' is not ISO 8601 or epoch seconds / milliseconds"};
    if (now > *at) return Refusal{"stale", fmt::format("expired {} s ago", (now - *at) / 1000)};
  }
  if (const auto ts = body.find("timestamp"); ts != body.end()) {
    const auto at = parseTimestampMs(*ts);
    if (!at) return Refusal{"invalid_timestamp", "'timestamp' is not ISO 8601 or epoch seconds / milliseconds"};
    if (now - *at > max_age_ms) {
      return Refusal{"stale", fmt::format("issued {} s ago, the limit is {} s (commands.max_age_s)", (now - *at) / 1000,
                                          cfg_.max_age_s)};
    }
    if (*at - now > max_age_ms) {
      return Refusal{"stale", fmt::format("timestamp is {} s in the future", (*at - now) / 1000)};
    }
  }
  return std::nullopt;
}

bool CommandEngine::rateAllows(const config::CommandActionConfig& action) {
  if (action.rate_max <= 0) return true;
  auto& times = rate_[action.name];
  const MonoTime now = clock_.monotonic();
  const auto window = std::chrono::seconds(action.rate_window_s);
  while (!times.empty() && now - times.front() >= window) times.pop_front();
  if (times.size() >= static_cast<std::size_t>(action.rate_max)) return false;
  times.push_back(now);
  return true;
}

int CommandEngine::checkActuators() {
  int problems = 0;
  for (const auto& a : cfg_.actions) {
    Actuator* act = lookup_ ? lookup_(a.source) : nullptr;
    if (act == nullptr) {
      log::get("command")->error(
          "action '{}': source '{}' has no actuator (cannot act); its commands are answered "
          "'unavailable'",
          a.name, a.source);
      ++problems;
    } else if (!act->supports(probeOp(a))) {
      log::get("command")->error(
          "action '{}': source '{}' does not support {}; its commands are answered "
          "'unsupported'",
          a.name, a.source, a.kind);
      ++problems;
    }
  }
  return problems;
}

}  // namespace tgw::command
