// The decoders of one CAN source, built from its config, and the counting and
// rate-limited logging of everything that did not decode.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "decode/can/can_frame.hpp"
#include "sources/can_common/rate_limited_log.hpp"
#include "tgw/config/source_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/error.hpp"

namespace tgw::sources::can {

using decode::CanFrame;
using decode::CanFilter;

class CanPipeline {
 public:
  // Reads the DBC files and builds the configured decoders. Malformed DBC
  // lines are logged and skipped; an unreadable DBC file is an error.
  static Expected<std::unique_ptr<CanPipeline>> create(const config::SourceConfig& cfg, const Clock& clock);
  CanPipeline(std::string source, std::vector<std::unique_ptr<decode::FrameDecoder>> decoders, const Clock& clock);

  // Decode one frame; signals and frames to send accumulate in output().
  void onFrame(const CanFrame& frame, std::int64_t ts_ms);
  // Input that never became a frame (bad log line, slcan noise ...).
  void onBadInput(const std::string& kind, const std::string& detail);
  void tick(MonoTime now, std::int64_t ts_ms);
  decode::DecodeOutput& output() { return out_; }

  // Union of the decoders' filters; empty = accept everything.
  [[nodiscard]] std::vector<CanFilter> filters() const;
  [[nodiscard]] bool polls() const { return polls_; }

  [[nodiscard]] std::uint64_t frames() const { return frames_; }
  [[nodiscard]] std::uint64_t errors() const { return errors_; }
  [[nodiscard]] std::uint64_t readings() const { return readings_; }
  [[nodiscard]] std::uint64_t issueCount(decode::Issue i) const { return issues_[static_cast<std::size_t>(i)]; }
  [[nodiscard]] std::uint64_t badInput() const { return bad_input_; }
  [[nodiscard]] const std::string& source() const { return source_; }
  RateLimitedLog& log() { return log_; }

 private:
  void countIssues(std::size_t from);

  std::string source_;
  std::vector<std::unique_ptr<decode::FrameDecoder>> decoders_;
  RateLimitedLog log_;
  decode::DecodeOutput out_;
  bool polls_ = false;
  std::uint64_t frames_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t readings_ = 0;
  std::uint64_t bad_input_ = 0;
  std::array<std::uint64_t, decode::kIssueCount> issues_{};
};

}  // namespace tgw::sources::can
