// Between the profiles and the uplink: decides what is persisted, drives
// the group commit, sends from the queue while the uplink has room, deletes
// on delivery, resends after failures, and bounds the backlog drain rate.
// Loop thread only (UplinkListener calls arrive on the loop thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "tgw/config/queue_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/queue/queue.hpp"
#include "tgw/uplink/sink.hpp"
#include "tgw/uplink/uplink.hpp"

namespace tgw::queue {

struct ForwarderStats {
  std::uint64_t submitted = 0;
  std::uint64_t persisted = 0;        // pushed into the queue
  std::uint64_t sent_direct = 0;      // QoS 0 handed to the uplink without the queue
  std::uint64_t sent_from_queue = 0;  // sends of queued messages (incl. resends)
  std::uint64_t delivered = 0;
  std::uint64_t send_failed = 0;
  std::uint64_t rate_limited = 0;  // times the drain rate held the backlog back
  bool connected = false;
};

class Forwarder final : public MessageSink, public UplinkListener {
 public:
  using MessageHandler = std::function<void(const std::string& topic, const std::string& payload, int qos)>;
  using ConnectionHandler = std::function<void(bool online)>;

  // Registers itself as the uplink's listener (call before uplink.start()).
  Forwarder(EventLoop& loop, Queue& queue, Uplink& uplink, const config::QueueConfig& cfg, const Clock& clock);
  ~Forwarder() override;
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Starts the sweep timer, sweeps once, commits and sends what is due.
  void start();
  // Commit now and send what is due (D-Bus Flush()).
  void flush();
  // Stop timers and make everything staged durable. Later failures from the
  // uplink's stop() only release their messages (kept for the next start).
  void shutdown();

  void setMessageHandler(MessageHandler handler) { message_handler_ = std::move(handler); }
  void setConnectionHandler(ConnectionHandler handler) { connection_handler_ = std::move(handler); }

  // MessageSink
  void submit(Message message) override;

  // UplinkListener
  void onConnected() override;
  void onDisconnected(const std::string& reason) override;
  void onDelivered(std::uint64_t token) override;
  void onSendFailed(std::uint64_t token, const std::string& reason) override;
  void onMessage(const std::string& topic, const std::string& payload, int qos) override;

  [[nodiscard]] ForwarderStats stats() const;

  // Tokens of QoS 0 messages sent without the queue have this bit set
  // (queue seqs never do).
  static constexpr std::uint64_t kDirectBit = 1ULL << 63;

 private:
  enum class Persistence : std::uint8_t { kAlways, kOffline, kNever };
  struct Direct {
    MessageClass cls;
    std::string topic;
  };

  void doCommit();
  // urgent: at the next loop turn instead of after commit_window_ms.
  void scheduleCommit(bool urgent = false);
  void pump();
  bool takeToken();
  void armDrain();
  // A one-shot timer whose work runs as a posted task (so it may re-arm
  // timers freely) and never after this object is gone.
  Registration timer(std::chrono::milliseconds delay, void (Forwarder::*fn)());

  EventLoop& loop_;
  Queue& queue_;
  Uplink& uplink_;
  config::QueueConfig cfg_;
  const Clock& clock_;
  Persistence persistence_ = Persistence::kOffline;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  MessageHandler message_handler_;
  ConnectionHandler connection_handler_;

  Registration commit_timer_;
  Registration drain_timer_;
  Registration sweep_timer_;
  bool commit_armed_ = false;
  bool commit_urgent_ = false;  // the armed commit runs at the next loop turn
  bool drain_armed_ = false;
  bool connected_ = false;
  bool stopping_ = false;
  bool pumping_ = false;

  std::unordered_map<std::uint64_t, Direct> direct_;
  std::uint64_t next_direct_ = 1;
  std::uint64_t backlog_mark_ = 0;  // seqs up to here were queued before the link came up
  double tokens_ = 0;
  MonoTime last_refill_{};
  ForwarderStats stats_;
};

}  // namespace tgw::queue
