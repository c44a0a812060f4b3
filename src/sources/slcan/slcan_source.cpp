#include "sources/slcan/slcan_source.hpp"

#include <sys/epoll.h>

#include <fmt/format.h>

namespace tgw::sources::can {

SlcanSource::SlcanSource(config::SourceConfig cfg, const Clock& clock)
    : CanSourceBase(std::move(cfg), clock),
      backoff_(std::chrono::milliseconds(cfg_.can.reopen_min_ms), std::chrono::milliseconds(cfg_.can.reopen_max_ms)) {}

SlcanSource::~SlcanSource() { stop(); }

Expected<void> SlcanSource::start(EventLoop& loop, SignalSink& sink) {
  if (running_) return {};
  if (!bitrateCommand(cfg_.can.bitrate)) {
    return makeError(Errc::kConfig, fmt::format("source '{}': bitrate {} has no slcan code", cfg_.name, cfg_.can.bitrate));
  }
  if (auto r = begin(loop, sink); !r) return r;
  running_ = true;
  setState(SourceState::kStarting, fmt::format("opening {}", cfg_.can.port));
  tryOpen();  // an adapter missing at start is retried, not fatal
  return {};
}

void SlcanSource::stop() {
  if (!running_) return;
  running_ = false;
  reopen_.reset();
  watch_.reset();
  if (line_.isOpen()) (void)line_.write("C\r");
  line_.close();
  end();
  flush();
  setState(SourceState::kStopped, "stopped");
}

void SlcanSource::tryOpen() {
  reopen_.reset();
  if (!running_) return;
  auto opened = line_.open(cfg_.can.port, cfg_.can.baudrate);
  Expected<void> init = opened;
  if (opened) {
    // Close a channel left open, set the bit rate, open the channel.
    init = line_.write("C\r" + *bitrateCommand(cfg_.can.bitrate) + "O\r");
  }
  if (!init) {
    line_.close();
    const auto delay = backoff_.next();
    setState(SourceState::kOffline, fmt::format("{}; retrying in {} ms", init.error().message, delay.count()));
    pipeline_->log().log(spdlog::level::warn, "open", fmt::format("{}: {}; retrying in {} ms", cfg_.name,
                                                                  init.error().message, delay.count()));
    reopen_ = loop_->after(delay, [this] { tryOpen(); });
    return;
  }
  parser_.reset();
  ++opens_;
  watch_ = loop_->watchFd(line_.fd(), EPOLLIN, [this](std::uint32_t ev) { onReadable(ev); });
  setState(SourceState::kOnline, fmt::format("{} open at {} bit/s", cfg_.can.port, cfg_.can.bitrate));
  pipeline_->log().logger().info("{}: slcan adapter {} open, CAN {} bit/s", cfg_.name, cfg_.can.port, cfg_.can.bitrate);
}

void SlcanSource::lost(const std::string& why) {
  watch_.reset();
  line_.close();
  flush();
  const auto delay = backoff_.next();
  setState(SourceState::kOffline, fmt::format("{}; reopening in {} ms", why, delay.count()));
  pipeline_->log().logger().warn("{}: adapter lost ({}); reopening in {} ms", cfg_.name, why, delay.count());
  reopen_ = loop_->after(delay, [this] { tryOpen(); });
}

void SlcanSource::onReadable(std::uint32_t events) {
  // Drain what is there, then look at hang-up (data may precede it).
  for (int round = 0; round < 16; ++round) {
    auto n = line_.read(buf_);
    if (!n) {
      lost(n.error().message);
      return;
    }
    if (*n == 0) break;
    events_.clear();
    parser_.feed(std::span<const std::uint8_t>(buf_.data(), *n), events_);
    for (const auto& ev : events_) {
      switch (ev.kind) {
        case SlcanEvent::Kind::kFrame:
          backoff_.reset();  // frames flow: the next loss starts the backoff again
          handleFrame(ev.frame);
          break;
        case SlcanEvent::Kind::kError:
          ++bel_;
          handleBadInput("adapter_error", "the adapter answered a command with an error (BEL)");
          break;
        case SlcanEvent::Kind::kBadLine:
          handleBadInput("bad_line", fmt::format("unparsable line '{}'", ev.text));
          break;
        case SlcanEvent::Kind::kOverlong:
          handleBadInput("overlong_line", fmt::format("line longer than {} characters dropped", SlcanParser::kMaxLine));
          break;
        case SlcanEvent::Kind::kAck:
        case SlcanEvent::Kind::kInfo: break;
      }
    }
    if (*n < buf_.size()) break;
  }
  flush();
  if ((events & (EPOLLHUP | EPOLLERR)) != 0) lost("hang-up on the serial port");
}

Expected<void> SlcanSource::transmit(const CanFrame& frame) {
  if (!running_) return makeError(Errc::kUnavailable, fmt::format("source '{}' stopped", cfg_.name));
  if (!line_.isOpen()) {
    return makeError(Errc::kUnavailable, fmt::format("source '{}': slcan adapter {} not open", cfg_.name, cfg_.can.port));
  }
  if (frame.fd) return makeError(Errc::kUnsupported, fmt::format("source '{}': slcan cannot send CAN FD frames", cfg_.name));
  return line_.write(formatSlcanFrame(frame));
}

}  // namespace tgw::sources::can
