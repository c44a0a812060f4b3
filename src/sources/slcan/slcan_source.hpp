// A Lawicel / slcan adapter (CANable, USBtin, CANUSB ...) on a serial port:
// sets the bit rate (S0..S8), opens the channel (O), reads frames on the
// event loop. When the adapter goes away (read error / hang-up) the source
// goes offline and reopens the port with exponential backoff.
#pragma once

#include <array>

#include "sources/can_common/can_source_base.hpp"
#include "sources/slcan/serial_line.hpp"
#include "sources/slcan/slcan_protocol.hpp"

namespace tgw::sources::can {

class SlcanSource final : public CanSourceBase {
 public:
  SlcanSource(config::SourceConfig cfg, const Clock& clock);
  ~SlcanSource() override;
  Expected<void> start(EventLoop& loop, SignalSink& sink) override;
  void stop() override;
  // can_send: frames written as t/T lines on the adapter's serial line.
  Actuator* actuator() override { return transmitActuator(); }

  [[nodiscard]] std::uint64_t opens() const { return opens_; }          // successful opens
  [[nodiscard]] std::uint64_t errorReplies() const { return bel_; }    // '\a' from the adapter

 private:
  Expected<void> transmit(const CanFrame& frame) override;
  void tryOpen();
  void onReadable(std::uint32_t events);
  void lost(const std::string& why);

  SerialLine line_;
  SlcanParser parser_;
  Backoff backoff_;
  Registration watch_;
  Registration reopen_;
  std::vector<SlcanEvent> events_;
  std::array<std::uint8_t, 4096> buf_{};
  std::uint64_t opens_ = 0;
  std::uint64_t bel_ = 0;
  bool running_ = false;
};

}  // namespace tgw::sources::can
