// modem_at for a modem source: one AT command (already allow-listed by the
// command engine) through the modem's AtChannel, before the modem's own
// polling commands. OK -> success with the reply's information lines in
// `detail` ("OK" when there are none); ERROR / +CME ERROR / +CMS ERROR ->
// kIo with the modem's text; no reply in time -> kTimeout; port closed or
// source stopped -> kUnavailable.
#pragma once

#include <memory>
#include <string>

#include "sources/modem/at_channel.hpp"
#include "tgw/command/actuator.hpp"

namespace tgw::sources::modem {

class AtActuator final : public Actuator {
 public:
  static constexpr std::size_t kMaxCommand = 256;

  explicit AtActuator(std::string source) : source_(std::move(source)) {}
  ~AtActuator() override { detach(); }
  AtActuator(const AtActuator&) = delete;
  AtActuator& operator=(const AtActuator&) = delete;

  // Loop thread. Commands go to `channel` until detach() (call it before the
  // channel stops, so commands it cancels are answered "source stopped").
  void attach(EventLoop& loop, AtChannel& channel);
  void detach();

  [[nodiscard]] bool supports(const HardwareOp& op) const override;
  void execute(HardwareOp op, std::chrono::milliseconds timeout, Done done) override;

 private:
  std::string source_;
  EventLoop* loop_ = nullptr;
  AtChannel* channel_ = nullptr;
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(true);
};

}  // namespace tgw::sources::modem
