// What the three CAN sources share: the decoder pipeline, status and counters,
// handing signals to the sink, the tick of polling decoders (OBD-II).
#pragma once

#include <memory>
#include <mutex>

#include "sources/can_common/can_actuator.hpp"
#include "sources/can_common/can_pipeline.hpp"
#include "tgw/config/source_config.hpp"
#include "tgw/source/source.hpp"

namespace tgw::sources::can {

class CanSourceBase : public Source {
 public:
  CanSourceBase(config::SourceConfig cfg, const Clock& clock);
  [[nodiscard]] std::string_view name() const override { return cfg_.name; }
  [[nodiscard]] SourceStatus status() const override;
  // CAN frames received so far (the dtg status reports it as can_messages_received).
  [[nodiscard]] std::uint64_t framesReceived() const;
  [[nodiscard]] CanPipeline* pipeline() { return pipeline_.get(); }
  // can_send statistics (commands sent / refused by the port).
  [[nodiscard]] const CanActuator& canActuator() const { return actuator_; }

 protected:
  // Build the pipeline (DBC files) and remember loop and sink; starts the tick
  // timer when a decoder polls.
  Expected<void> begin(EventLoop& loop, SignalSink& sink);
  void end();
  // One received frame: counted, decoded; frames the decoders want sent go to sendFrame().
  void handleFrame(const CanFrame& frame);
  void handleBadInput(const std::string& kind, const std::string& detail);
  // Hand accumulated signals to the sink (call after a batch of frames).
  void flush();
  void setState(SourceState state, std::string detail);
  // Send a frame on the bus (loop thread). Errors: kUnavailable (port closed,
  // source stopped), kIo (write failed), kUnsupported (this source cannot send).
  virtual Expected<void> transmit(const CanFrame& frame);
  bool sendFrame(const CanFrame& frame) { return transmit(frame).has_value(); }
  // Sources that can send return this from actuator().
  Actuator* transmitActuator() { return &actuator_; }

  config::SourceConfig cfg_;
  const Clock& clock_;
  EventLoop* loop_ = nullptr;
  SignalSink* sink_ = nullptr;
  std::unique_ptr<CanPipeline> pipeline_;

 private:
  void sendPending();
  void publishCounters();

  CanActuator actuator_;
  Registration ticker_;
  mutable std::mutex mutex_;
  SourceStatus status_;
  std::uint64_t tx_failed_ = 0;
};

}  // namespace tgw::sources::can
