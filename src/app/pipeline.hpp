// The message path after the profiles: stdout (debug) or queue + uplink.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tgw/config/config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/profile/profile.hpp"
#include "tgw/queue/queue.hpp"
#include "tgw/uplink/sink.hpp"
#include "tgw/uplink/uplink.hpp"

namespace tgw::app {

struct PipelineStats {
  std::string link;            // "connected mqtt://...", "stdout" ...
  std::string state;           // linkStateName(), or "stdout"
  std::string broker;          // URL, or "stdout"
  bool connected = false;
  std::uint64_t published = 0;      // handed to the broker
  std::uint64_t uncommitted = 0;    // staged, not yet durable
  std::uint64_t committed_seq = 0;  // last durable seq
  std::uint64_t sent = 0;      // acknowledged by the broker (or printed)
  std::uint64_t queued = 0;    // in the durable queue
  std::int64_t oldest_age_ms = 0;
  std::uint64_t dropped = 0;
  std::string last_error;
  std::uint64_t queue_bytes = 0;
  std::int64_t last_ack_ms = 0;  // Unix ms of the last acknowledged publish (0 = none)
  std::array<std::uint64_t, kDropReasonCount> drops{};  // index: DropReason
};

// Gets the messages arriving on a subscribed topic (loop thread).
using TopicHandler = std::function<void(const std::string& topic, const std::string& payload, int qos)>;

class Pipeline {
 public:
  virtual ~Pipeline() = default;
  virtual Expected<void> start() = 0;
  virtual MessageSink& sink() = 0;
  // Stage, commit and return the seq of one message (local applications:
  // the seq is durable when this returns).
  virtual Expected<std::uint64_t> submitDurable(Message message) = 0;
  // Commit now and send what is due.
  virtual void flush() {}
  // Ordered stop: final commit, offline status, DISCONNECT, close the queue.
  virtual void stop() = 0;
  virtual void reconnect() {}
  // Called on the loop thread when the uplink session goes up / down.
  virtual void setConnectionHandler(std::function<void(bool online)> handler) { (void)handler; }
  // Subscribe to an MQTT filter (kept and re-made after every reconnect);
  // `handler` gets the messages whose topic matches it. Several parts may
  // subscribe (downlink commands, Home Assistant birth messages): each call
  // adds to the list. Call before start().
  virtual void subscribe(TopicSubscription subscription, TopicHandler handler) {
    (void)subscription;
    (void)handler;
  }
  [[nodiscard]] virtual PipelineStats stats() const = 0;
};

// Status messages of every profile, for the uplink's session (thread-safe:
// Profile::connectionStatus is).
std::vector<Message> connectionStatus(const std::vector<std::unique_ptr<Profile>>& profiles, bool online,
                                      std::string_view reason, const Clock& clock);

std::unique_ptr<Pipeline> makeStdoutPipeline();
Expected<std::unique_ptr<Pipeline>> makeMqttPipeline(const config::Config& cfg, EventLoop& loop, const Clock& clock,
                                                     const std::vector<std::unique_ptr<Profile>>& profiles);

}  // namespace tgw::app
