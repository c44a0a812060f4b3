// A SocketCAN interface (can0, vcan0 ...): raw socket with kernel id filters
// built from the decoders, optional CAN FD, error frames and bus-off as
// status, reopen with backoff when the interface goes down and comes back.
#pragma once

#include "sources/can_common/can_source_base.hpp"
#include "sources/socketcan/can_socket.hpp"

namespace tgw::sources::can {

class SocketCanSource final : public CanSourceBase {
 public:
  SocketCanSource(config::SourceConfig cfg, const Clock& clock, std::unique_ptr<CanSocket> socket = makeLinuxCanSocket());
  ~SocketCanSource() override;
  Expected<void> start(EventLoop& loop, SignalSink& sink) override;
  void stop() override;
  // can_send: frames written to the raw CAN socket.
  Actuator* actuator() override { return transmitActuator(); }

  [[nodiscard]] std::uint64_t errorFrames() const { return error_frames_; }
  [[nodiscard]] bool busOff() const { return bus_off_; }

 private:
  static constexpr int kMaxFramesPerWake = 256;
  Expected<void> transmit(const CanFrame& frame) override;
  void tryOpen();
  void onReadable();
  void onErrorFrame(const CanFrame& frame);
  void lost(const std::string& why);

  std::unique_ptr<CanSocket> socket_;
  int fd_ = -1;
  Backoff backoff_;
  Registration watch_;
  Registration reopen_;
  std::uint64_t error_frames_ = 0;
  bool bus_off_ = false;
  bool running_ = false;
};

}  // namespace tgw::sources::can
