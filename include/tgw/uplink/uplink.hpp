// The MQTT uplink contract. The implementation (PahoUplink) runs its own
// connect loop and Paho's callback thread; every listener call is posted into
// the event loop, so UplinkListener methods always run on the loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tgw/core/error.hpp"
#include "tgw/model/message.hpp"

namespace tgw {

enum class LinkState : std::uint8_t { kStopped, kDisconnected, kConnecting, kConnected, kStopping };
std::string_view linkStateName(LinkState s) noexcept;

struct UplinkStats {
  LinkState state = LinkState::kStopped;
  std::string broker;      // URI currently used / last tried
  std::string last_error;  // plain words, empty if none
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t published = 0;  // handed to the client library
  std::uint64_t acked = 0;      // PUBACK / PUBCOMP (or written, for QoS 0)
  std::uint64_t failed = 0;     // publishes that did not complete
  std::int64_t last_ack_ms = 0;  // Unix ms of the last acknowledged publish
  std::size_t in_flight = 0;
};

struct TopicSubscription {
  std::string filter;
  int qos = 1;
};

class UplinkListener {
 public:
  virtual ~UplinkListener() = default;
  // The session is up (online status already published, subscriptions made).
  virtual void onConnected() = 0;
  virtual void onDisconnected(const std::string& reason) = 0;
  // Message `token` was acknowledged (PUBACK for QoS 1, PUBCOMP for QoS 2,
  // written to the socket for QoS 0). The queue may delete it now.
  virtual void onDelivered(std::uint64_t token) = 0;
  // Message `token` was not acknowledged (link dropped, error). The caller
  // keeps it and sends it again later. Never called for a delivered token.
  virtual void onSendFailed(std::uint64_t token, const std::string& reason) = 0;
  // A message arrived on a subscribed topic (downlink command).
  virtual void onMessage(const std::string& topic, const std::string& payload, int qos) = 0;
};

// Gives the retained connection-status messages: online=true on connect,
// online=false with reason "unexpected_disconnect" for the Last Will and
// reason "shutdown" on clean stop. One connection carries one will: the
// message on the configured will topic (default: the first message) becomes
// the will; the other status topics are set online/offline explicitly.
// Thread-safe (called from the uplink's own thread).
using StatusProvider =
    std::function<std::vector<Message>(bool online, std::string_view reason)>;

class Uplink {
 public:
  virtual ~Uplink() = default;
  // Loop thread; before start().
  virtual void setListener(UplinkListener* listener) = 0;
  virtual void setStatusProvider(StatusProvider provider) = 0;
  // Kept and re-made after every reconnect.
  virtual void setSubscriptions(std::vector<TopicSubscription> subscriptions) = 0;
  // Begin the connect loop (non-blocking).
  virtual Expected<void> start() = 0;
  // Clean shutdown: publish offline status ("shutdown"), wait for it up to
  // `timeout`, DISCONNECT (so the will is not sent), stop threads.
  // Unacknowledged sends are reported with onSendFailed before it returns
  // (directly, on the calling thread).
  virtual void stop(std::chrono::milliseconds timeout) = 0;
  // Drop the connection now and reconnect (operator request / D-Bus).
  virtual void reconnect() = 0;
  // How many more send() calls are accepted now: 0 while disconnected, else
  // the free part of our own in-flight window (always < Paho's max_inflight).
  [[nodiscard]] virtual std::size_t freeWindow() const = 0;
  // Hand one message to the broker. Returns false (and takes nothing) if not
  // connected or the window is full. Completion comes via the listener.
  virtual bool send(std::uint64_t token, const Message& message) = 0;
  [[nodiscard]] virtual UplinkStats stats() const = 0;
};

}  // namespace tgw
