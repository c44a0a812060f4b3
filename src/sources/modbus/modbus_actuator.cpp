#include "sources/modbus/modbus_actuator.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/logging.hpp"

namespace tgw::sources::modbus {

namespace {
// Once the worker has started a write it finishes within the deadline (each
// request's response timeout is cut to what is left); this is only the
// backstop for a worker that is stuck anyway.
constexpr std::chrono::milliseconds kStartedGrace{1000};
}  // namespace

WriteActuator::WriteActuator(std::string source, std::vector<std::string> devices)
    : source_(std::move(source)), devices_(std::move(devices)) {}

void WriteActuator::attach(EventLoop& loop, ModbusPoller& poller) {
  loop_ = &loop;
  poller_ = &poller;
}

void WriteActuator::detach() {
  poller_ = nullptr;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    p.timer.reset();
    p.claim->store(WriteRequest::kAbandoned);
    p.done(tl::unexpected(sourceStopped(source_)));
  }
}

// A modbus_write op; if it names a device, one of this bus (so the command
// engine can check an action's template against the config).
bool WriteActuator::supports(const HardwareOp& op) const {
  const auto* w = std::get_if<ModbusWriteOp>(&op);
  return w != nullptr &&
         (w->device.empty() || std::find(devices_.begin(), devices_.end(), w->device) != devices_.end());
}

void WriteActuator::execute(HardwareOp op, std::chrono::milliseconds timeout, Done done) {
  auto* w = std::get_if<ModbusWriteOp>(&op);
  if (w == nullptr) return answerLater(loop_, std::move(done), tl::unexpected(unsupportedOp(source_, op)));
  const auto dev = std::find(devices_.begin(), devices_.end(), w->device);
  if (dev == devices_.end()) {
    return answerLater(loop_, std::move(done),
                       makeError(Errc::kInvalidArgument,
                                 fmt::format("modbus write: source '{}' has no device '{}'", source_, w->device)));
  }
  if (w->kind == ModbusWriteOp::Kind::kRegisters && (w->values.empty() || w->values.size() > 123)) {
    return answerLater(
        loop_, std::move(done),
        makeError(Errc::kInvalidArgument, fmt::format("modbus write: {} register values (1..123)", w->values.size())));
  }
  if (w->kind == ModbusWriteOp::Kind::kRegisters && w->address + w->values.size() > 0x10000) {
    return answerLater(loop_, std::move(done),
                       makeError(Errc::kInvalidArgument, "modbus write: registers past address 65535"));
  }
  if (poller_ == nullptr || loop_ == nullptr) {
    return answerLater(loop_, std::move(done), tl::unexpected(sourceStopped(source_)));
  }
  WriteRequest req;
  req.id = next_id_++;
  req.device = static_cast<std::size_t>(dev - devices_.begin());
  req.deadline = std::chrono::steady_clock::now() + timeout;
  Pending p;
  p.done = OnceDone(std::move(done));
  p.claim = req.claim;
  p.what =
      fmt::format("{} {} at {}", w->device, w->kind == ModbusWriteOp::Kind::kCoil ? "coil" : "register", w->address);
  const std::uint64_t id = req.id;
  p.timer = loop_->after(timeout, [this, id] { onDeadline(id, false); });
  req.op = std::move(*w);
  pending_.emplace(id, std::move(p));
  poller_->submit(std::move(req));
}

void WriteActuator::onDeadline(std::uint64_t id, bool final) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  int expected = WriteRequest::kWaiting;
  if (!final && !it->second.claim->compare_exchange_strong(expected, WriteRequest::kAbandoned)) {
    // The worker is running it and will answer by the deadline; wait a little more.
    it->second.timer = loop_->after(kStartedGrace, [this, id] { onDeadline(id, true); });
    return;
  }
  answer(id, makeError(Errc::kTimeout, fmt::format("modbus write {}: {}", it->second.what,
                                                   final ? "no result from the bus worker"
                                                         : "not started in time (bus busy or down)")));
}

void WriteActuator::onResult(WriteResult r) {
  answer(r.id, std::move(r.outcome));
}

void WriteActuator::answer(std::uint64_t id, Expected<OpOutcome> r) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // answered already (timeout, stop)
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.timer.reset();
  auto log = tgw::log::get("source." + source_);
  if (r) {
    log->info("command: modbus write {}: {}", p.what, r->detail);
  } else {
    log->warn("command: modbus write {} failed: {}", p.what, r.error().message);
  }
  p.done(std::move(r));
}

}  // namespace tgw::sources::modbus
