// The downlink command engine (SPEC.md §6, docs/commands.md).
//
// onMessage() (loop thread) takes one message from a command topic and
// either answers it or, when no request id can be read, logs a warning:
//   read (size, UTF-8, JSON, request id) → HMAC → ledger lookup (a duplicate
//   gets the stored response, never the hardware) → action / topic allowed →
//   staleness → parameters → HardwareOp → actuator present → rate limit →
//   ledger insert (received) → "accepted" → in_progress → Actuator::execute
//   within the action's timeout → outcome stored → final response queued.
// Refusals after the lookup are stored too, so a redelivery gets the same
// answer; `unauthorized` is not stored (an unsigned copy must not block the
// signed original). Entries a previous run left unfinished are answered
// `error: interrupted` by start(), never re-run.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "command/action.hpp"
#include "command/ledger.hpp"
#include "command/request.hpp"
#include "command/response.hpp"
#include "command/routes.hpp"
#include "tgw/command/actuator.hpp"
#include "tgw/config/config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/uplink/sink.hpp"

namespace tgw::command {

struct CommandStats {
  std::uint64_t received = 0;  // messages on command topics
  std::uint64_t executed = 0;  // handed to an actuator
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;       // executed, ended in error (timeout, hardware said no ...)
  std::uint64_t duplicates = 0;   // answered from the ledger
  std::uint64_t rejected = 0;     // refused before the hardware (answered or only logged)
  std::uint64_t interrupted = 0;  // unfinished at startup, answered `interrupted`
  std::uint64_t ledger_errors = 0;
  std::map<std::string, std::uint64_t> rejected_by_reason;
  std::size_t in_flight = 0;
};

class CommandEngine {
 public:
  // The actuator of the source named so, or null (no such source, or it cannot act).
  using ActuatorLookup = std::function<Actuator*(std::string_view source)>;

  CommandEngine(const config::Config& cfg, EventLoop& loop, const Clock& clock, MessageSink& sink,
                ActuatorLookup lookup);
  ~CommandEngine();
  CommandEngine(const CommandEngine&) = delete;
  CommandEngine& operator=(const CommandEngine&) = delete;

  // Opens the ledger, answers what a previous run left unfinished, prunes,
  // starts the hourly prune timer. Loop thread.
  Expected<void> start();
  // Stop taking commands; outcomes arriving later stay unfinished in the
  // ledger (answered `interrupted` at the next start).
  void stop();

  [[nodiscard]] std::vector<TopicSubscription> subscriptions() const { return routes_.subscriptions(); }
  // Loop thread.
  void onMessage(const std::string& topic, const std::string& payload, int qos);
  // Logs an error for every action whose source has no actuator now or
  // whose actuator does not support the action's kind. Returns how many.
  int checkActuators();

  [[nodiscard]] CommandStats stats() const;
  [[nodiscard]] std::string summary() const;  // one log line

 private:
  struct Context {
    std::string topic;
    Route route;
    Envelope env;
    std::string action;
    std::string scope;
  };
  struct InFlight {
    std::string scope;
    std::string request_id;
    std::string action;
    std::string response_topic;
    ResponseFormat format = ResponseFormat::kStaged;
    nlohmann::json rid;
    std::string rid_key;
    std::size_t waiters = 0;  // duplicates that arrived meanwhile
    Registration deadline;
  };

  void handle(const std::string& topic, const std::string& payload);
  std::optional<Refusal> checkSignature(const Context& ctx);
  std::optional<Refusal> checkStale(const Context& ctx);
  bool rateAllows(const config::CommandActionConfig& action);
  void answerDuplicate(const Context& ctx, const LedgerEntry& entry);
  // Store (unless store=false) and answer a refusal.
  void refuse(const Context& ctx, const Refusal& why, bool store);
  void execute(const Context& ctx, const config::CommandActionConfig& action, HardwareOp op, Actuator& actuator);
  void finish(const std::string& key, Expected<OpOutcome> result);
  void respond(const std::string& topic, std::string payload);
  void recoverUnfinished();
  void prune();
  void countReject(std::string_view reason);
  [[nodiscard]] const config::CommandActionConfig* findAction(std::string_view name) const;

  config::CommandsConfig cfg_;
  Routes routes_;
  EventLoop& loop_;
  const Clock& clock_;
  MessageSink& sink_;
  ActuatorLookup lookup_;
  std::unique_ptr<CommandLedger> ledger_;
  std::unordered_map<std::string, InFlight> in_flight_;
  std::map<std::string, std::deque<MonoTime>, std::less<>> rate_;
  Registration prune_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool stopped_ = false;
  CommandStats stats_;
};

}  // namespace tgw::command
