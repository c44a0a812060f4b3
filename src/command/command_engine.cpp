#include "command/command_engine.hpp"

#include <fmt/format.h>

#include "core/logging.hpp"

namespace tgw::command {
namespace {

constexpr std::size_t kMaxWaiters = 1000;
constexpr auto kPrunePeriod = std::chrono::hours(1);
constexpr auto kDeadlineGrace = std::chrono::milliseconds(1000);

std::string ledgerKey(const std::string& scope, const std::string& id) {
  return scope + '\x1f' + id;
}

std::string errorReason(Errc code) {
  switch (code) {
    case Errc::kTimeout:
      return "timeout";
    case Errc::kUnavailable:
      return "unavailable";
    case Errc::kInvalidArgument:
      return "invalid_op";
    case Errc::kUnsupported:
      return "unsupported";
    case Errc::kBusy:
      return "busy";
    default:
      return "hardware_error";
  }
}

// Logged text of untrusted input: short, printable.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? '?' : c;
  if (s.size() > 80) out += "...";
  return out;
}

}  // namespace

CommandEngine::CommandEngine(const config::Config& cfg, EventLoop& loop, const Clock& clock, MessageSink& sink,
                             ActuatorLookup lookup)
    : cfg_(cfg.commands), routes_(cfg), loop_(loop), clock_(clock), sink_(sink), lookup_(std::move(lookup)) {}

CommandEngine::~CommandEngine() {
  *alive_ = false;
}

Expected<void> CommandEngine::start() {
  auto ledger = CommandLedger::open(cfg_.ledger_path, cfg_.synchronous == "full");
  if (!ledger) return tl::unexpected(ledger.error());
  ledger_ = std::move(*ledger);
  recoverUnfinished();
  prune();
  prune_timer_ = loop_.every(kPrunePeriod, [this] { prune(); });
  std::string topics;
  for (const auto& s : routes_.subscriptions()) topics += (topics.empty() ? "" : ", ") + s.filter;
  log::get("command")->info(
      "commands: {} action(s), ledger {}, signatures {}, subscribed to [{}]", cfg_.actions.size(), cfg_.ledger_path,
      cfg_.hmac.key.empty() ? "off" : (cfg_.hmac.required ? "required" : "checked if present"), topics);
  return {};
}

void CommandEngine::stop() {
  if (stopped_) return;
  stopped_ = true;
  prune_timer_.reset();
  for (auto& [key, f] : in_flight_) f.deadline.reset();
  if (!in_flight_.empty()) {
    log::get("command")->warn("stopping with {} command(s) in progress: answered 'interrupted' at the next start",
                              in_flight_.size());
  }
  in_flight_.clear();
  log::get("command")->info("{}", summary());
}

void CommandEngine::onMessage(const std::string& topic, const std::string& payload, int /*qos*/) {
  if (stopped_) return;
  try {
    handle(topic, payload);
  } catch (const std::exception& e) {
    // Nothing here should throw; a bug must not take the daemon down.
    countReject("internal");
    log::get("command")->error("command on {} dropped: internal error: {}", shown(topic), e.what());
  }
}

void CommandEngine::handle(const std::string& topic, const std::string& payload) {
  auto log = log::get("command");
  ++stats_.received;
  auto route = routes_.match(topic);
  if (!route) {
    countReject("unknown_topic");
    log->warn("message on {} ignored: not a command topic", shown(topic));
    return;
  }
  auto env = readEnvelope(payload, static_cast<std::size_t>(cfg_.max_payload_bytes));
  if (!env) {
    countReject(unreadableName(env.error().why));
    log->warn("command on {} ignored ({}): {}; no answer is possible", shown(topic), unreadableName(env.error().why),
              env.error().detail);
    return;
  }
  Context ctx{topic, std::move(*route), std::move(*env), {}, topic};
  const bool from_topic = ctx.route.spec->action_from_topic;
  const auto name_of = [&](const char* key) -> std::string {
    const auto it = ctx.env.body.find(key);
    return it != ctx.env.body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ctx.action = from_topic ? ctx.route.topic_action : name_of("command");
  if (ctx.action.empty() && !from_topic) ctx.action = name_of("action");
  if (ctx.action.empty()) ctx.action = ctx.route.spec->default_action;

  if (auto bad = checkSignature(ctx)) {
    refuse(ctx, *bad, false);
    return;
  }
  auto found = ledger_->find(ctx.scope, ctx.env.request_id);
  if (!found) {
    ++stats_.ledger_errors;
    log->error("{}", found.error().message);
    refuse(ctx, {"unavailable", "the command ledger cannot be read; not executed"}, false);
    return;
  }
  if (*found) {
    answerDuplicate(ctx, **found);
    return;
  }
  const auto* action = findAction(ctx.action);
  if (action == nullptr) {
    refuse(ctx,
           {"unknown_action", ctx.action.empty() ? std::string("the command names no action")
                                                 : fmt::format("no action named '{}'", shown(ctx.action))},
           true);
    return;
  }
  const auto& profiles = action->profiles;
  bool allowed =
      profiles.empty() || std::find(profiles.begin(), profiles.end(), ctx.route.spec->profile) != profiles.end();
  if (allowed && !action->topics.empty()) {
    allowed = std::any_of(action->topics.begin(), action->topics.end(),
                          [&](const std::string& f) { return topicMatches(f, topic); });
  }
  if (!allowed) {
    refuse(ctx, {"not_allowed", fmt::format("action '{}' is not allowed on {}", action->name, shown(topic))}, true);
    return;
  }
  if (auto stale = checkStale(ctx)) {
    refuse(ctx, *stale, true);
    return;
  }
  auto values = validateParams(*action, ctx.env.body, from_topic);
  if (!values) {
    refuse(ctx, values.error(), true);
    return;
  }
  auto op = buildOp(*action, *values);
  if (!op) {
    refuse(ctx, op.error(), true);
    return;
  }
  Actuator* actuator = lookup_ ? lookup_(action->source) : nullptr;
  if (actuator == nullptr) {
    refuse(ctx,
           {"unavailable", fmt::format("source '{}' cannot act now (not running, or no actuator)", action->source)},
           true);
    return;
  }
  if (!actuator->supports(*op)) {
    refuse(ctx, {"unsupported", fmt::format("source '{}' does not support {}", action->source, hardwareOpKind(*op))},
           true);
    return;
  }
  if (!rateAllows(*action)) {
    refuse(ctx,
           {"rate_limited",
            fmt::format("action '{}' allows {} per {} s", action->name, action->rate_max, action->rate_window_s)},
           true);
    return;
  }
  if (in_flight_.size() >= static_cast<std::size_t>(cfg_.max_in_flight)) {
    refuse(ctx, {"busy", fmt::format("{} commands are in progress (commands.max_in_flight)", in_flight_.size())}, true);
    return;
  }
  execute(ctx, *action, std::move(*op), *actuator);
}

void CommandEngine::answerDuplicate(const Context& ctx, const LedgerEntry& entry) {
  ++stats_.duplicates;
  log::get("command")->info("duplicate command {} on {}: answered from the ledger, not executed again",
                            shown(ctx.env.request_id), shown(ctx.topic));
  if (entry.state == "done") {
    respond(entry.response_topic, entry.response);
    return;
  }
  auto it = in_flight_.find(ledgerKey(ctx.scope, ctx.env.request_id));
  if (it != in_flight_.end() && it->second.waiters < kMaxWaiters) {
    ++it->second.waiters;  // answered with the outcome when it comes
    return;
  }
  Outcome o{it != in_flight_.end() ? Stage::kInProgress : Stage::kError, entry.action,
            it != in_flight_.end() ? "" : "interrupted",
            it != in_flight_.end() ? "still in progress" : "the outcome of this command is unknown; not run again"};
  respond(entry.response_topic,
          responsePayload(parseFormat(entry.format), ctx.env.rid, ctx.env.rid_key, o, toUnixMs(clock_.now())));
}

void CommandEngine::refuse(const Context& ctx, const Refusal& why, bool store) {
  countReject(why.reason);
  log::get("command")->warn("command {} on {} refused: {}: {}", shown(ctx.env.request_id), shown(ctx.topic), why.reason,
                            why.detail);
  const std::int64_t now = toUnixMs(clock_.now());
  Outcome o{Stage::kError, ctx.action, why.reason, why.detail};
  std::string payload = responsePayload(ctx.route.spec->format, ctx.env.rid, ctx.env.rid_key, o, now);
  if (store) {
    LedgerEntry e{ctx.scope,
                  ctx.env.request_id,
                  "done",
                  ctx.action,
                  ctx.route.response_topic,
                  std::string(formatName(ctx.route.spec->format)),
                  ctx.env.rid.dump(),
                  ctx.env.rid_key,
                  payload,
                  now,
                  now};
    if (auto ok = ledger_->insert(e); !ok) {
      ++stats_.ledger_errors;
      log::get("command")->error("{}", ok.error().message);
    }
  }
  respond(ctx.route.response_topic, std::move(payload));
}

void CommandEngine::execute(const Context& ctx, const config::CommandActionConfig& action, HardwareOp op,
                            Actuator& actuator) {
  auto log = log::get("command");
  const std::int64_t now = toUnixMs(clock_.now());
  const auto format = ctx.route.spec->format;
  // Recorded (durably) as in progress before anything reaches the hardware:
  // one write, so one fsync, on the way in. A row still in progress at start
  // is answered "interrupted".
  LedgerEntry e{ctx.scope,
                ctx.env.request_id,
                "in_progress",
                action.name,
                ctx.route.response_topic,
                std::string(formatName(format)),
                ctx.env.rid.dump(),
                ctx.env.rid_key,
                "",
                now,
                now};
  if (auto ok = ledger_->insert(e); !ok) {
    ++stats_.ledger_errors;
    log->error("{}", ok.error().message);
    refuse(ctx, {"unavailable", "the command could not be recorded; not executed"}, false);
    return;
  }
  const std::string key = ledgerKey(ctx.scope, ctx.env.request_id);
  InFlight& f = in_flight_[key];
  f.scope = ctx.scope;
  f.request_id = ctx.env.request_id;
  f.action = action.name;
  f.response_topic = ctx.route.response_topic;
  f.format = format;
  f.rid = ctx.env.rid;
  f.rid_key = ctx.env.rid_key;
  if (format == ResponseFormat::kStaged) {
    respond(f.response_topic, responsePayload(format, f.rid, f.rid_key, {Stage::kAccepted, action.name, "", ""}, now));
  }
  if (format == ResponseFormat::kStaged) {
    respond(f.response_topic,
            responsePayload(format, f.rid, f.rid_key, {Stage::kInProgress, action.name, "", ""}, now));
  }
  ++stats_.executed;
  log->info("command {} on {}: {} via source '{}'", shown(ctx.env.request_id), shown(ctx.topic), action.name,
            action.source);
  const auto timeout = std::chrono::milliseconds(action.timeout_ms);
  auto alive = alive_;
  f.deadline = loop_.after(timeout + kDeadlineGrace, [this, alive, key, timeout] {
    if (!*alive) return;
    finish(key, makeError(Errc::kTimeout, fmt::format("no answer from the hardware within {} ms", timeout.count())));
  });
  // May complete synchronously: `f` must not be used after this call.
  actuator.execute(std::move(op), timeout, [this, alive, key](Expected<OpOutcome> result) {
    if (!*alive) return;
    finish(key, std::move(result));
  });
}

void CommandEngine::finish(const std::string& key, Expected<OpOutcome> result) {
  auto it = in_flight_.find(key);
  if (it == in_flight_.end()) return;  // already timed out, or stopping
  InFlight f = std::move(it->second);
  in_flight_.erase(it);
  f.deadline.reset();
  auto log = log::get("command");
  Outcome o{Stage::kSuccess, f.action, "", ""};
  if (result) {
    ++stats_.succeeded;
    o.detail = result->detail;
    log->info("command {} ({}) succeeded: {}", shown(f.request_id), f.action, result->detail);
  } else {
    ++stats_.failed;
    o.stage = Stage::kError;
    o.reason = errorReason(result.error().code);
    o.detail = result.error().message;
    log->warn("command {} ({}) failed: {}: {}", shown(f.request_id), f.action, o.reason, o.detail);
  }
  const std::int64_t now = toUnixMs(clock_.now());
  std::string payload = responsePayload(f.format, f.rid, f.rid_key, o, now);
  if (auto ok = ledger_->complete(f.scope, f.request_id, payload, now); !ok) {
    ++stats_.ledger_errors;
    log->error("{} (the response is sent anyway)", ok.error().message);
  }
  for (std::size_t i = 0; i < f.waiters; ++i) respond(f.response_topic, payload);
  respond(f.response_topic, std::move(payload));
}

void CommandEngine::respond(const std::string& topic, std::string payload) {
  Message m;
  m.cls = MessageClass::kResponse;
  m.topic = topic;
  m.payload = std::move(payload);
  m.qos = 1;
  m.created_ms = toUnixMs(clock_.now());
  sink_.submit(std::move(m));
}

void CommandEngine::recoverUnfinished() {
  auto log = log::get("command");
  auto rows = ledger_->unfinished();
  if (!rows) {
    ++stats_.ledger_errors;
    log->error("{}", rows.error().message);
    return;
  }
  const std::int64_t now = toUnixMs(clock_.now());
  for (const auto& e : *rows) {
    ++stats_.interrupted;
    nlohmann::json rid = nlohmann::json::parse(e.rid_json, nullptr, false);
    if (rid.is_discarded()) rid = e.request_id;
    Outcome o{Stage::kError, e.action, "interrupted",
              "the gateway stopped before this command finished; it was not run again"};
    std::string payload = responsePayload(parseFormat(e.format), rid, e.rid_key, o, now);
    if (auto ok = ledger_->complete(e.scope, e.request_id, payload, now); !ok) {
      ++stats_.ledger_errors;
      log->error("{}", ok.error().message);
    }
    log->warn("command {} on {} ({}) was {} when the gateway stopped: answered 'interrupted', not re-run",
              shown(e.request_id), shown(e.scope), e.action, e.state);
    respond(e.response_topic, std::move(payload));
  }
}

void CommandEngine::prune() {
  if (!ledger_) return;
  const std::int64_t before = toUnixMs(clock_.now()) - static_cast<std::int64_t>(cfg_.retention_h) * 3600 * 1000;
  auto n = ledger_->prune(before);
  if (!n) {
    ++stats_.ledger_errors;
    log::get("command")->error("{}", n.error().message);
  } else if (*n > 0) {
    log::get("command")->info("ledger: {} finished command(s) older than {} h pruned", *n, cfg_.retention_h);
  }
}

void CommandEngine::countReject(std::string_view reason) {
  ++stats_.rejected;
  ++stats_.rejected_by_reason[std::string(reason)];
}

const config::CommandActionConfig* CommandEngine::findAction(std::string_view name) const {
  for (const auto& a : cfg_.actions) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

CommandStats CommandEngine::stats() const {
  CommandStats s = stats_;
  s.in_flight = in_flight_.size();
  return s;
}

std::string CommandEngine::summary() const {
  std::string reasons;
  for (const auto& [r, n] : stats_.rejected_by_reason)
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", r, n);
  return fmt::format(
      "commands: {} received, {} executed ({} ok, {} failed), {} duplicates, {} rejected{}{}, {} "
      "interrupted, {} in progress",
      stats_.received, stats_.executed, stats_.succeeded, stats_.failed, stats_.duplicates, stats_.rejected,
      reasons.empty() ? "" : " (", reasons.empty() ? "" : reasons + ")", stats_.interrupted, in_flight_.size());
}

}  // namespace tgw::command
