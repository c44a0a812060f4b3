// Replay of a candump log (-l / -L) into the decoders: paced by the recorded
// timestamps (optionally faster or slower) or as fast as possible, optionally
// looping. Runs on the event loop (timers); no thread.
#pragma once

#include <fstream>
#include <optional>

#include "sources/can_common/can_source_base.hpp"
#include "sources/candump/candump_format.hpp"

namespace tgw::sources::can {

class CandumpSource final : public CanSourceBase {
 public:
  CandumpSource(config::SourceConfig cfg, const Clock& clock);
  ~CandumpSource() override;
  Expected<void> start(EventLoop& loop, SignalSink& sink) override;
  void stop() override;

  [[nodiscard]] std::uint64_t passes() const { return passes_; }  // completed passes over the file
  [[nodiscard]] bool finished() const { return finished_; }

 private:
  static constexpr std::size_t kBatch = 2000;  // frames per loop iteration when not paced
  Expected<void> openFile();
  void step();
  bool readRecord();  // next good record into pending_; false at EOF
  void atEnd();

  std::ifstream in_;
  std::string line_;
  std::uint64_t line_no_ = 0;
  std::uint64_t pass_records_ = 0;
  std::optional<decode::CanFrame> pending_;
  double pending_ts_ = 0;
  std::optional<double> first_ts_;
  MonoTime base_{};
  Registration timer_;
  std::uint64_t passes_ = 0;
  bool finished_ = false;
  bool running_ = false;
};

}  // namespace tgw::sources::can
