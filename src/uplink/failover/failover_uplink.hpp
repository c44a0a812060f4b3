// One logical uplink over two links: the IP uplink (PahoUplink) and the
// SIM7080 modem's MQTT client (ModemMqttUplink). The IP link is used when
// it is up; when it has been unable to connect for modem.failover_after_s
// the modem is started and used; when the IP link connects again the
// modem's in-flight publishes are finished first, then the session moves
// back (failback) and the modem session is ended without an offline status.
// Messages the modem cannot carry (topic > 128 / payload > 1024 bytes) are
// held ("parked") and handed back at failback, so the queue sends them over
// IP in their original order. Loop thread only (stats() from any thread).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "tgw/config/uplink_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/uplink/uplink.hpp"
#include "uplink/modem/modem_mqtt_uplink.hpp"

namespace tgw::uplink {

class FailoverUplink final : public Uplink {
 public:
  enum class Active : std::uint8_t { kNone, kIp, kModem };

  FailoverUplink(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock, std::unique_ptr<Uplink> ip,
                 std::unique_ptr<ModemMqttUplink> modem);
  ~FailoverUplink() override;
  FailoverUplink(const FailoverUplink&) = delete;
  FailoverUplink& operator=(const FailoverUplink&) = delete;

  void setListener(UplinkListener* listener) override { listener_ = listener; }
  void setStatusProvider(StatusProvider provider) override;
  void setSubscriptions(std::vector<TopicSubscription> subscriptions) override;
  Expected<void> start() override;
  void stop(std::chrono::milliseconds timeout) override;
  void reconnect() override;
  [[nodiscard]] std::size_t freeWindow() const override;
  bool send(std::uint64_t token, const Message& message) override;
  [[nodiscard]] UplinkStats stats() const override;

  [[nodiscard]] Active active() const;
  [[nodiscard]] std::size_t parked() const { return parked_.size(); }
  // At most this many oversized messages are held while on the modem; then
  // the window closes (head-of-line) until the IP link is back.
  static constexpr std::size_t kMaxParked = 64;

 private:
  class Relay : public UplinkListener {
   public:
    Relay(FailoverUplink& owner, bool ip) : owner_(owner), ip_(ip) {}
    void onConnected() override { owner_.linkUp(ip_); }
    void onDisconnected(const std::string& reason) override { owner_.linkDown(ip_, reason); }
    void onDelivered(std::uint64_t token) override { owner_.completed(ip_, token, true, {}); }
    void onSendFailed(std::uint64_t token, const std::string& reason) override {
      owner_.completed(ip_, token, false, reason);
    }
    void onMessage(const std::string& topic, const std::string& payload, int qos) override {
      if (owner_.listener_ != nullptr) owner_.listener_->onMessage(topic, payload, qos);
    }

   private:
    FailoverUplink& owner_;
    bool ip_;
  };

  void linkUp(bool ip);
  void linkDown(bool ip, const std::string& reason);
  void completed(bool ip, std::uint64_t token, bool ok, const std::string& reason);
  void armFailover();
  void failover();
  void finishFailback();
  void setActive(Active a);

  EventLoop& loop_;
  config::UplinkConfig cfg_;
  const Clock& clock_;
  std::unique_ptr<Uplink> ip_;
  std::unique_ptr<ModemMqttUplink> modem_;
  Relay ip_relay_{*this, true};
  Relay modem_relay_{*this, false};
  UplinkListener* listener_ = nullptr;
  bool started_ = false;
  bool ip_up_ = false;
  bool modem_started_ = false;
  bool failing_back_ = false;  // IP is up, waiting for the modem's in-flight publishes
  std::vector<std::uint64_t> parked_;
  std::size_t modem_inflight_ = 0;
  Registration failover_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for posted tasks
  mutable std::mutex mu_;
  Active active_ = Active::kNone;  // guarded by mu_ (read by stats())
  std::uint64_t failovers_ = 0;
};

}  // namespace tgw::uplink
