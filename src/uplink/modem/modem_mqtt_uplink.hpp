// The cellular fallback uplink: the MQTT client built into a SIMCom SIM7080G
// (AT+SMCONF / AT+SMSSL / AT+SMCONN / AT+SMSUB / AT+SMPUB / AT+SMSTATE? /
// AT+SMDISC, +SMSUB URCs), driven over an AtChannel. Loop thread only
// (stats() from any thread). See docs/uplink.md "Modem MQTT fallback".
#pragma once

#include <memory>

#include "tgw/config/uplink_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/uplink/uplink.hpp"

namespace tgw::sources::modem {
class AtChannel;
}

namespace tgw::uplink {

class ModemMqttUplink final : public Uplink {
 public:
  // Opens its own AT channel on cfg.modem.device.
  ModemMqttUplink(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock);
  // Uses a channel owned elsewhere (e.g. the modem source's); it must be
  // started by its owner and outlive this object.
  ModemMqttUplink(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock, sources::modem::AtChannel& channel);
  ~ModemMqttUplink() override;
  ModemMqttUplink(const ModemMqttUplink&) = delete;
  ModemMqttUplink& operator=(const ModemMqttUplink&) = delete;

  void setListener(UplinkListener* listener) override;
  void setStatusProvider(StatusProvider provider) override;
  void setSubscriptions(std::vector<TopicSubscription> subscriptions) override;
  Expected<void> start() override;
  // Publishes the "shutdown" status and AT+SMDISC, written synchronously on a
  // second descriptor of the port (the loop is blocked here), within `timeout`.
  void stop(std::chrono::milliseconds timeout) override;
  void reconnect() override;
  [[nodiscard]] std::size_t freeWindow() const override;
  bool send(std::uint64_t token, const Message& message) override;
  [[nodiscard]] UplinkStats stats() const override;

  // Failback: end the modem session with AT+SMDISC (so its will is not sent)
  // without publishing an offline status (the IP session owns the status
  // topic again); unacknowledged sends are reported failed. Loop thread.
  void release();

  // The SIM7080's limits (topic <= max_topic, payload <= max_payload bytes,
  // no CR/LF/quote in the topic): an error in plain words, or ok.
  static Expected<void> checkLimits(const Message& message, const config::ModemUplinkConfig& cfg);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// "+SMSUB: \"topic\",\"payload\"" -> topic, payload (the payload is taken up
// to the last quote, so quotes inside it survive).
bool parseSmsub(std::string_view line, std::string& topic, std::string& payload);

}  // namespace tgw::uplink
