// modbus_write for a Modbus source (loop side): validates the op, hands it
// to the bus's worker (ModbusPoller::submit, which runs it before the next
// poll) and answers Done exactly once on the loop thread -- with the
// worker's result, kTimeout if the worker did not start it in time, or
// kUnavailable "source stopped" when the source stops first.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sources/common/op_reply.hpp"
#include "sources/modbus/modbus_poller.hpp"
#include "tgw/command/actuator.hpp"
#include "tgw/core/event_loop.hpp"

namespace tgw::sources::modbus {

class WriteActuator final : public Actuator {
 public:
  WriteActuator(std::string source, std::vector<std::string> devices);
  ~WriteActuator() override { detach(); }
  WriteActuator(const WriteActuator&) = delete;
  WriteActuator& operator=(const WriteActuator&) = delete;

  // Loop thread. Writes go to `poller` until detach().
  void attach(EventLoop& loop, ModbusPoller& poller);
  // Loop thread. Answers every pending write kUnavailable "source stopped".
  void detach();
  // Loop thread. A result from the worker.
  void onResult(WriteResult r);

  // modbus_write ops whose device is empty or one of this bus.
  [[nodiscard]] bool supports(const HardwareOp& op) const override;
  void execute(HardwareOp op, std::chrono::milliseconds timeout, Done done) override;

  [[nodiscard]] std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    OnceDone done;
    Registration timer;
    std::shared_ptr<std::atomic<int>> claim;
    std::string what;
  };
  void onDeadline(std::uint64_t id, bool final);
  void answer(std::uint64_t id, Expected<OpOutcome> r);

  std::string source_;
  std::vector<std::string> devices_;
  EventLoop* loop_ = nullptr;
  ModbusPoller* poller_ = nullptr;
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_id_ = 1;
};

}  // namespace tgw::sources::modbus
