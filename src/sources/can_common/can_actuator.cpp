#include "sources/can_common/can_actuator.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/logging.hpp"
#include "sources/common/op_reply.hpp"

namespace tgw::sources::can {

CanActuator::CanActuator(std::string source, Transmit transmit, LoopOf loop)
    : source_(std::move(source)), transmit_(std::move(transmit)), loop_(std::move(loop)) {}

bool CanActuator::supports(const HardwareOp& op) const {
  return std::holds_alternative<CanSendOp>(op);
}

Expected<decode::CanFrame> CanActuator::frameOf(const CanSendOp& op) {
  if (op.data.size() > 8) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("can_send: {} data bytes; a classic CAN frame carries 0..8", op.data.size()));
  }
  const std::uint32_t mask = op.extended ? decode::kExtIdMask : decode::kStdIdMask;
  if (op.id > mask) {
    return makeError(Errc::kInvalidArgument, fmt::format("can_send: id 0x{:X} does not fit a {} identifier", op.id,
                                                         op.extended ? "29-bit" : "11-bit"));
  }
  decode::CanFrame f;
  f.id = op.id;
  f.extended = op.extended;
  f.len = static_cast<std::uint8_t>(op.data.size());
  std::copy(op.data.begin(), op.data.end(), f.data.begin());
  return f;
}

Expected<OpOutcome> CanActuator::run(const HardwareOp& op) {
  const auto* send = std::get_if<CanSendOp>(&op);
  if (send == nullptr) return tl::unexpected(unsupportedOp(source_, op));
  auto frame = frameOf(*send);
  if (!frame) return tl::unexpected(frame.error());
  auto log = tgw::log::get("source." + source_);
  if (auto w = transmit_(*frame); !w) {
    ++failed_;
    log->warn("command: frame {} not sent: {}", decode::formatFrame(*frame), w.error().message);
    return tl::unexpected(w.error());
  }
  ++sent_;
  log->info("command: frame {} sent", decode::formatFrame(*frame));
  return OpOutcome{fmt::format("sent {}", decode::formatFrame(*frame))};
}

void CanActuator::execute(HardwareOp op, std::chrono::milliseconds /*timeout*/, Done done) {
  // The write is one non-blocking write on the loop thread: it finishes (or
  // fails) at once, well inside any timeout.
  answerLater(loop_(), std::move(done), run(op));
}

}  // namespace tgw::sources::can
