// can_send for the CAN sources that own a transmitter (slcan, socketcan):
// builds one classic frame from a CanSendOp and writes it through the
// source's transmit path on the loop thread, so commands and the decoders'
// own requests (OBD-II polling) never interleave within a frame.
// Success means the frame was handed to the adapter / kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "decode/can/can_frame.hpp"
#include "tgw/command/actuator.hpp"
#include "tgw/core/event_loop.hpp"

namespace tgw::sources::can {

class CanActuator final : public Actuator {
 public:
  // `transmit` errors: kUnavailable (port closed, source stopped), kIo.
  using Transmit = std::function<Expected<void>(const decode::CanFrame&)>;
  using LoopOf = std::function<EventLoop*()>;

  CanActuator(std::string source, Transmit transmit, LoopOf loop);

  [[nodiscard]] bool supports(const HardwareOp& op) const override;
  void execute(HardwareOp op, std::chrono::milliseconds timeout, Done done) override;

  [[nodiscard]] std::uint64_t sent() const { return sent_; }
  [[nodiscard]] std::uint64_t failed() const { return failed_; }

  // The frame a CanSendOp stands for; kInvalidArgument if it cannot be sent
  // (more than 8 data bytes, id out of range for its type).
  static Expected<decode::CanFrame> frameOf(const CanSendOp& op);

 private:
  Expected<OpOutcome> run(const HardwareOp& op);

  std::string source_;
  Transmit transmit_;
  LoopOf loop_;
  std::uint64_t sent_ = 0;
  std::uint64_t failed_ = 0;
};

}  // namespace tgw::sources::can
