#include "sources/can_common/can_source_base.hpp"

#include <fmt/format.h>

namespace tgw::sources::can {

CanSourceBase::CanSourceBase(config::SourceConfig cfg, const Clock& clock)
    : cfg_(std::move(cfg)),
      clock_(clock),
      actuator_(
          cfg_.name, [this](const CanFrame& f) { return transmit(f); }, [this] { return loop_; }) {}

Expected<void> CanSourceBase::transmit(const CanFrame& /*frame*/) {
  return makeError(Errc::kUnsupported, fmt::format("source '{}' cannot send CAN frames", cfg_.name));
}

SourceStatus CanSourceBase::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::uint64_t CanSourceBase::framesReceived() const {
  std::lock_guard lock(mutex_);
  return status_.frames;
}

Expected<void> CanSourceBase::begin(EventLoop& loop, SignalSink& sink) {
  loop_ = &loop;
  sink_ = &sink;
  if (!pipeline_) {
    auto p = CanPipeline::create(cfg_, clock_);
    if (!p) {
      setState(SourceState::kError, p.error().message);
      return tl::unexpected(p.error());
    }
    pipeline_ = std::move(*p);
  }
  if (pipeline_->polls()) {
    ticker_ = loop.every(std::chrono::milliseconds(10), [this] {
      pipeline_->tick(clock_.monotonic(), toUnixMs(clock_.now()));
      flush();
    });
  }
  return {};
}

void CanSourceBase::end() { ticker_.reset(); }

void CanSourceBase::handleFrame(const CanFrame& frame) {
  pipeline_->onFrame(frame, toUnixMs(clock_.now()));
}

void CanSourceBase::handleBadInput(const std::string& kind, const std::string& detail) {
  pipeline_->onBadInput(kind, detail);
}

void CanSourceBase::sendPending() {
  auto& tx = pipeline_->output().tx;
  for (const auto& f : tx) {
    if (!sendFrame(f)) {
      ++tx_failed_;
      pipeline_->log().log(spdlog::level::warn, "tx",
                           fmt::format("{}: cannot send frame {} (failed sends: {})", cfg_.name,
                                       decode::formatFrame(f), tx_failed_));
    }
  }
  tx.clear();
}

void CanSourceBase::flush() {
  if (!pipeline_) return;
  sendPending();
  auto& signals = pipeline_->output().signals;
  if (!signals.empty() && sink_ != nullptr) {
    sink_->onSignals(signals.view());
    std::lock_guard lock(mutex_);
    status_.last_reading_ms = signals.back().ts_ms;
  }
  signals.clear();
  publishCounters();
}

void CanSourceBase::publishCounters() {
  std::lock_guard lock(mutex_);
  status_.frames = pipeline_->frames();
  status_.errors = pipeline_->errors();
  status_.readings = pipeline_->readings();
}

void CanSourceBase::setState(SourceState state, std::string detail) {
  std::lock_guard lock(mutex_);
  status_.state = state;
  status_.detail = std::move(detail);
}

}  // namespace tgw::sources::can
