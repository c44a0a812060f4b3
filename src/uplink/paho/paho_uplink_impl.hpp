// Internals of PahoUplink, shared by paho_uplink.cpp (API, Paho callbacks,
// events) and paho_connector.cpp (the connector thread).
#pragma once

#include <mqtt/async_client.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/logging.hpp"
#include "uplink/paho/backoff.hpp"
#include "uplink/paho/broker_url.hpp"
#include "uplink/paho/ca_bundle.hpp"
#include "uplink/paho/link_watchdog.hpp"
#include "uplink/paho/paho_uplink.hpp"

namespace tgw::uplink {

class PahoUplink::Impl : public std::enable_shared_from_this<PahoUplink::Impl> {
 public:
  Impl(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock);
  ~Impl();

  // ---- API (loop thread unless noted)
  Expected<void> start();
  void stop(std::chrono::milliseconds timeout);
  void reconnect();
  std::size_t freeWindow() const;  // any thread
  bool send(std::uint64_t token, const Message& message);
  UplinkStats stats() const;       // any thread

  UplinkListener* listener_ = nullptr;
  StatusProvider status_provider_;

  // ---- Paho callbacks (Paho's threads; never block, never throw)
  void onPublishDone(std::uint64_t ctx, bool ok, const std::string& reason) noexcept;
  void onConnectionLost(const std::string& cause) noexcept;
  void onMessageArrived(const mqtt::const_message_ptr& msg) noexcept;
  void onProbeDone(bool answered) noexcept;

  // ---- connector thread (paho_connector.cpp)
  void connectorMain();
  Expected<void> connectOnce();
  Expected<void> prepareAttempt(mqtt::connect_options& opts);
  Expected<void> afterConnect();
  Expected<void> waitToken(const mqtt::token_ptr& tok, std::chrono::milliseconds timeout, std::string_view what);
  Expected<void> diagnoseTls(const std::string& key_password);
  Expected<void> diagnoseWebSocket(const std::string& key_password);
  Expected<std::string> signedPath();  // SigV4: a fresh presigned path + query for url_
  bool preferredReachable();           // TCP connect to endpoints_[0] (connector thread)
  // `next`: the endpoint tried at once instead of backing off.
  void noteFailure(const Error& error, std::chrono::milliseconds delay, const std::string& next = {});
  void linkDown(std::unique_lock<std::mutex>& lk, const std::string& reason);
  // mu_ held (released meanwhile), connector thread: destroy the Paho client
  // so the next attempt starts with a fresh one (see paho_connector.cpp).
  void discardClient(std::unique_lock<std::mutex>& lk);
  // mu_ held, connector thread, while connected: wait up to `limit` (0 =
  // until woken) for a stop, reconnect or lost-link request, checking the
  // dead-link watchdog every checkPeriod(). True when woken (dead_link_ set
  // by the watchdog counts), false when `limit` passed.
  bool superviseLink(std::unique_lock<std::mutex>& lk, std::chrono::milliseconds limit);
  // mu_ held (released meanwhile), connector thread: act on dead_link_.
  void dropDeadLink(std::unique_lock<std::mutex>& lk);
  // mu_ NOT held, connector thread: the watchdog's probe (an UNSUBSCRIBE of
  // kProbeTopic, answered by UNSUBACK).
  void sendProbe();
  // mu_ held: the link woke up the connector (stop, lost, dead, reconnect).
  [[nodiscard]] bool linkWoken() const { return stop_requested_ || link_lost_ || dead_link_ || reconnect_requested_; }
  std::vector<Message> statusMessages(bool online, std::string_view reason) noexcept;
  void publishAndWait(const std::vector<Message>& msgs, std::chrono::milliseconds timeout);
  void ensureClient();

  struct Event {
    enum class Kind : std::uint8_t { kDelivered, kFailed, kMessage, kConnected, kDisconnected } kind;
    std::uint64_t token = 0;
    std::string a;  // reason / topic
    std::string b;  // payload
    int qos = 0;
  };
  // mu_ held. Queue an event; posts one drain task into the loop if none is pending.
  void pushEvent(Event ev);
  // Loop thread (or stop()): hand queued events to the listener.
  void drainEvents();

  struct InFlight {
    std::uint64_t token = 0;
    int qos = 0;
  };

  EventLoop& loop_;
  config::UplinkConfig cfg_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  bool v5_ = false;
  std::optional<BrokerUrl> url_;  // the endpoint of the current attempt
  // uplink.endpoints (or {uplink.url}) in order of preference. Connector
  // thread after start(); current_/last_good_ index into it.
  std::vector<BrokerUrl> endpoints_;
  std::size_t current_ = 0;
  std::size_t last_good_ = 0;
  std::string attempt_uri_;  // what Paho connects to this attempt (signed URL for SigV4; never logged)

  class PublishListener : public mqtt::iaction_listener {
   public:
    explicit PublishListener(Impl& impl) : impl_(impl) {}
    void on_success(const mqtt::token& tok) override;
    void on_failure(const mqtt::token& tok) override;

   private:
    Impl& impl_;
  };
  PublishListener publish_listener_{*this};
  class ProbeListener : public mqtt::iaction_listener {
   public:
    explicit ProbeListener(Impl& impl) : impl_(impl) {}
    void on_success(const mqtt::token& tok) override;
    void on_failure(const mqtt::token& tok) override;

   private:
    Impl& impl_;
  };
  ProbeListener probe_listener_{*this};
  CaBundle ca_bundle_;  // connector thread: the trust store of the current attempt
  std::unique_ptr<mqtt::connect_options> connect_opts_;                 // connector thread
  std::vector<std::unique_ptr<mqtt::connect_options>> abandoned_opts_;  // connector thread
  std::vector<CaBundle> abandoned_bundles_;                             // connector thread
  bool connect_done_ = true;
  std::unique_ptr<mqtt::async_client> client_;  // created by the connector thread, one per connection
  std::string client_endpoint_;                 // the endpoint client_ was made for (connector thread)
  bool client_connected_ = false;               // client_ got a CONNACK, so it may hold publishes (connector thread)
  std::mutex client_mu_;                        // send()'s publish vs replacing client_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // guarded by mu_
  UplinkStats stats_;
  bool started_ = false;
  bool stop_requested_ = false;
  bool reconnect_requested_ = false;
  bool link_lost_ = false;
  std::string lost_cause_;
  LinkWatchdog watchdog_;   // fed by send() and Paho's callbacks, checked by the connector
  bool dead_link_ = false;  // the watchdog declared the link dead (Paho still thinks it is up)
  std::string dead_cause_;
  std::vector<TopicSubscription> subscriptions_;
  std::unordered_map<std::uint64_t, InFlight> inflight_;  // Paho context id -> our send
  std::unordered_set<std::uint64_t> tokens_;              // caller tokens in flight
  std::unordered_set<std::uint64_t> zombies_;             // handed back, still inside Paho
  std::uint64_t next_ctx_ = 1;
  std::deque<Event> events_;
  bool drain_posted_ = false;
  std::string logged_error_;  // last failure written at warning level
  MonoTime logged_at_{};
  int same_error_count_ = 0;

  std::thread connector_;
};

}  // namespace tgw::uplink
