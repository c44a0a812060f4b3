#include "sources/candump/candump_source.hpp"

#include <fmt/format.h>

namespace tgw::sources::can {

CandumpSource::CandumpSource(config::SourceConfig cfg, const Clock& clock) : CanSourceBase(std::move(cfg), clock) {}

CandumpSource::~CandumpSource() { stop(); }

Expected<void> CandumpSource::openFile() {
  in_.close();
  in_.clear();
  in_.open(cfg_.can.file);
  if (!in_) {
    auto err = errnoError(errno, fmt::format("source '{}': cannot open candump file {}", cfg_.name, cfg_.can.file));
    setState(SourceState::kError, err.message);
    return tl::unexpected(err);
  }
  line_no_ = 0;
  pass_records_ = 0;
  first_ts_.reset();
  pending_.reset();
  base_ = clock_.monotonic();
  return {};
}

Expected<void> CandumpSource::start(EventLoop& loop, SignalSink& sink) {
  if (running_) return {};
  if (auto r = begin(loop, sink); !r) return r;
  if (auto r = openFile(); !r) return r;
  running_ = true;
  finished_ = false;
  setState(SourceState::kOnline, fmt::format("replaying {}", cfg_.can.file));
  timer_ = loop.after(std::chrono::milliseconds(0), [this] { step(); });
  return {};
}

void CandumpSource::stop() {
  if (!running_) return;
  running_ = false;
  timer_.reset();
  end();
  in_.close();
  flush();
  setState(SourceState::kStopped, finished_ ? "replay finished" : "stopped");
}

bool CandumpSource::readRecord() {
  while (std::getline(in_, line_)) {
    ++line_no_;
    auto rec = parseCandumpLine(line_);
    if (!rec) {
      if (rec.error().code != Errc::kNotFound) {
        handleBadInput("bad_line", fmt::format("{}:{}: {}", cfg_.can.file, line_no_, rec.error().message));
      }
      continue;
    }
    pending_ = rec->frame;
    ++pass_records_;
    pending_ts_ = rec->timestamp;
    if (!first_ts_) first_ts_ = rec->timestamp;
    return true;
  }
  return false;
}

void CandumpSource::atEnd() {
  ++passes_;
  if (cfg_.can.loop && pass_records_ > 0 && openFile()) return;  // a file without frames is not looped
  finished_ = true;
  flush();
  setState(SourceState::kOffline, fmt::format("replay of {} finished", cfg_.can.file));
}

void CandumpSource::step() {
  if (!running_) return;
  const bool paced = cfg_.can.pace == "recorded";
  std::size_t n = 0;
  while (n < kBatch) {
    if (!pending_ && !readRecord()) {
      atEnd();
      if (finished_) return;
      continue;
    }
    if (paced) {
      const double offset_s = (pending_ts_ - *first_ts_) / cfg_.can.speed;
      const MonoTime due = base_ + std::chrono::duration_cast<MonoTime::duration>(std::chrono::duration<double>(
                                       std::max(0.0, offset_s)));
      const MonoTime now = clock_.monotonic();
      if (due > now) {
        flush();
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(due - now);
        timer_ = loop_->after(wait, [this] { step(); });
        return;
      }
    }
    handleFrame(*pending_);
    pending_.reset();
    ++n;
  }
  flush();
  timer_ = loop_->after(std::chrono::milliseconds(0), [this] { step(); });
}

}  // namespace tgw::sources::can
