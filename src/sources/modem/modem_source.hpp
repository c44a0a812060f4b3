// Cellular modem over AT commands (SIMCom SIM7080G family and generic 3GPP).
//
// Polls through the AtChannel (which it owns and lends out via channel()):
// probe "AT"; on (re)connect ATE0, AT+CMEE=1, AT+CCID; then every
// poll_interval_ms AT+CSQ, AT+CPSI? (if enabled and supported), AT+CEREG?,
// AT+CREG?, AT+COPS?; with gnss: AT+CGNSPWR=1 once and AT+CGNSINF every
// gnss_interval_ms. +CEREG/+CREG URCs update registration immediately.
//
// Signals "<source>.online" (bool), ".rssi_dbm", ".ber", ".registered" (bool),
// ".registration" (text), ".operator", ".iccid", ".network" (CPSI system mode),
// ".rsrp_dbm", ".rsrq_db", ".snr_db", and GNSS ".gps.lat", ".gps.lon",
// ".gps.alt", ".gps.speed" (km/h), ".gps.course", ".gps.fix" (0/2/3),
// ".gps.satellites", ".gps.hdop".
// A modem that does not answer "AT" is offline; probes back off up to backoff_max_ms.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sources/modem/at_actuator.hpp"
#include "sources/modem/at_channel.hpp"
#include "tgw/config/source_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/source/source.hpp"

namespace tgw::sources {

class ModemSource final : public Source {
 public:
  ModemSource(const config::SourceConfig& cfg, const Clock& clock);
  ~ModemSource() override;

  [[nodiscard]] std::string_view name() const override { return name_; }
  Expected<void> start(EventLoop& loop, SignalSink& sink) override;
  void stop() override;
  [[nodiscard]] SourceStatus status() const override { return status_; }
  // modem_at: one AT command, before the modem's own polling.
  Actuator* actuator() override { return &actuator_; }

  // The AT channel, for downlink AT actions and the modem MQTT fallback
  // (valid between start() and stop(); loop thread only).
  [[nodiscard]] modem::AtChannel* channel() { return channel_.get(); }
  [[nodiscard]] std::uint64_t badReplies() const { return bad_replies_; }

 private:
  void poll();
  void pollGnss();
  void schedule(std::chrono::milliseconds delay);
  void setOnline(bool online, const std::string& detail);
  void publish(std::vector<Signal> out);
  Signal sig(const std::string& field, SignalValue v, const char* unit) const;
  void badReply(const std::string& what, const modem::AtReply& reply);
  void onRegistration(const std::string& line, bool urc);
  modem::AtChannel::Done handler(std::function<void(const modem::AtReply&)> fn);

  std::string name_;
  config::ModemConfig cfg_;
  const Clock& clock_;
  EventLoop* loop_ = nullptr;
  SignalSink* sink_ = nullptr;
  std::unique_ptr<modem::AtChannel> channel_;
  modem::AtActuator actuator_{name_};
  Registration poll_timer_;
  Registration gnss_timer_;
  Registration urc_cereg_;
  Registration urc_creg_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  SourceStatus status_;
  bool online_ = false;
  bool setup_done_ = false;
  bool cpsi_supported_ = true;
  bool gnss_on_ = false;
  int failures_ = 0;
  std::uint64_t bad_replies_ = 0;
  std::int64_t last_warn_ms_ = 0;
};

}  // namespace tgw::sources
