#include "sources/socketcan/socketcan_source.hpp"

#include <sys/epoll.h>

#include <fmt/format.h>

namespace tgw::sources::can {

SocketCanSource::SocketCanSource(config::SourceConfig cfg, const Clock& clock, std::unique_ptr<CanSocket> socket)
    : CanSourceBase(std::move(cfg), clock),
      socket_(std::move(socket)),
      backoff_(std::chrono::milliseconds(cfg_.can.reopen_min_ms), std::chrono::milliseconds(cfg_.can.reopen_max_ms)) {}

SocketCanSource::~SocketCanSource() { stop(); }

Expected<void> SocketCanSource::start(EventLoop& loop, SignalSink& sink) {
  if (running_) return {};
  if (auto r = begin(loop, sink); !r) return r;
  running_ = true;
  setState(SourceState::kStarting, fmt::format("opening {}", cfg_.can.interface));
  tryOpen();  // an interface that is down at start is retried, not fatal
  return {};
}

void SocketCanSource::stop() {
  if (!running_) return;
  running_ = false;
  reopen_.reset();
  watch_.reset();
  if (fd_ >= 0) socket_->close(fd_);
  fd_ = -1;
  end();
  flush();
  setState(SourceState::kStopped, "stopped");
}

void SocketCanSource::tryOpen() {
  reopen_.reset();
  if (!running_) return;
  const auto filters = cfg_.can.kernel_filters ? pipeline_->filters() : std::vector<CanFilter>{};
  auto fd = socket_->open(cfg_.can.interface, cfg_.can.fd, filters);
  if (!fd) {
    const auto delay = backoff_.next();
    setState(SourceState::kOffline, fmt::format("{}; retrying in {} ms", fd.error().message, delay.count()));
    pipeline_->log().log(spdlog::level::warn, "open",
                         fmt::format("{}: {}; retrying in {} ms", cfg_.name, fd.error().message, delay.count()));
    reopen_ = loop_->after(delay, [this] { tryOpen(); });
    return;
  }
  fd_ = *fd;
  bus_off_ = false;
  watch_ = loop_->watchFd(fd_, EPOLLIN, [this](std::uint32_t) { onReadable(); });
  setState(SourceState::kOnline, fmt::format("{} open ({} kernel filters)", cfg_.can.interface, filters.size()));
  pipeline_->log().logger().info("{}: {} open, {} kernel filters", cfg_.name, cfg_.can.interface, filters.size());
}

void SocketCanSource::lost(const std::string& why) {
  watch_.reset();
  if (fd_ >= 0) socket_->close(fd_);
  fd_ = -1;
  flush();
  const auto delay = backoff_.next();
  setState(SourceState::kOffline, fmt::format("{}; reopening in {} ms", why, delay.count()));
  pipeline_->log().logger().warn("{}: interface lost ({}); reopening in {} ms", cfg_.name, why, delay.count());
  reopen_ = loop_->after(delay, [this] { tryOpen(); });
}

void SocketCanSource::onErrorFrame(const CanFrame& f) {
  ++error_frames_;
  handleBadInput("error_frame", fmt::format("error frame class 0x{:03X} data {}", f.id, decode::formatFrame(f)));
  if ((f.id & kErrBusOff) != 0) {
    bus_off_ = true;
    setState(SourceState::kError, fmt::format("{}: bus-off (controller stopped; waiting for restart)", cfg_.can.interface));
  } else if ((f.id & kErrRestarted) != 0 && bus_off_) {
    bus_off_ = false;
    setState(SourceState::kOnline, fmt::format("{}: controller restarted after bus-off", cfg_.can.interface));
  }
}

void SocketCanSource::onReadable() {
  for (int i = 0; i < kMaxFramesPerWake; ++i) {
    auto r = socket_->read(fd_);
    if (!r) {
      if (r.error().code == Errc::kParse) {
        handleBadInput("short_read", r.error().message);
        continue;
      }
      lost(r.error().message);
      return;
    }
    if (!*r) break;
    const CanFrame& f = **r;
    if (f.error) {
      onErrorFrame(f);
      continue;
    }
    if (bus_off_) {  // frames again: the controller is back
      bus_off_ = false;
      setState(SourceState::kOnline, fmt::format("{}: receiving again", cfg_.can.interface));
    }
    backoff_.reset();
    handleFrame(f);
  }
  flush();
}

Expected<void> SocketCanSource::transmit(const CanFrame& frame) {
  if (!running_) return makeError(Errc::kUnavailable, fmt::format("source '{}' stopped", cfg_.name));
  if (fd_ < 0) {
    return makeError(Errc::kUnavailable, fmt::format("source '{}': {} not open", cfg_.name, cfg_.can.interface));
  }
  if (bus_off_) {
    return makeError(Errc::kUnavailable, fmt::format("source '{}': {} is bus-off", cfg_.name, cfg_.can.interface));
  }
  return socket_->write(fd_, frame);
}

}  // namespace tgw::sources::can
