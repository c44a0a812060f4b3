// serial_write for the sources that own a SerialLink (NMEA receivers: e.g. a
// $PMTK / $PUBX / $PCAS configuration sentence): the op's bytes are queued on
// the link (after any earlier write, interleaved with reading on the loop
// thread, never blocking it) and the op succeeds once all of them were
// handed to the tty. kTimeout (rest dropped) if that takes longer than the
// timeout; kUnavailable when the port is closed or the source stopped.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sources/common/op_reply.hpp"
#include "sources/serial/serial_link.hpp"
#include "tgw/command/actuator.hpp"

namespace tgw::sources::serial {

class SerialWriteActuator final : public Actuator {
 public:
  static constexpr std::size_t kMaxBytes = 4096;

  explicit SerialWriteActuator(std::string source) : source_(std::move(source)) {}
  ~SerialWriteActuator() override { detach(); }
  SerialWriteActuator(const SerialWriteActuator&) = delete;
  SerialWriteActuator& operator=(const SerialWriteActuator&) = delete;

  // Loop thread. Writes go to `link` until detach() (call it before the link stops).
  void attach(EventLoop& loop, SerialLink& link);
  // Loop thread. Pending writes are answered kUnavailable "source stopped".
  void detach();

  [[nodiscard]] bool supports(const HardwareOp& op) const override;
  void execute(HardwareOp op, std::chrono::milliseconds timeout, Done done) override;

  [[nodiscard]] std::uint64_t written() const { return written_; }

 private:
  struct Pending {
    OnceDone done;
    Registration timer;
    std::uint64_t link_id = 0;
  };
  void answer(std::uint64_t id, Expected<OpOutcome> r);

  std::string source_;
  EventLoop* loop_ = nullptr;
  SerialLink* link_ = nullptr;
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_id_ = 1;
  std::uint64_t written_ = 0;
};

}  // namespace tgw::sources::serial
