#include "app/pipeline.hpp"
#include "app/stdout_sink.hpp"

namespace tgw::app {
namespace {

class StdoutPipeline final : public Pipeline {
 public:
  Expected<void> start() override { return {}; }
  MessageSink& sink() override { return sink_; }
  Expected<std::uint64_t> submitDurable(Message message) override {
    sink_.submit(std::move(message));
    return sink_.count();
  }
  void stop() override { std::fflush(stdout); }
  [[nodiscard]] PipelineStats stats() const override {
    PipelineStats s;
    s.link = "stdout";
    s.state = "stdout";  // no broker: the status line reads "stdout · queue 0 ..."
    s.connected = true;
    s.sent = sink_.count();
    s.published = sink_.count();
    return s;
  }

 private:
  StdoutSink sink_;
};

}  // namespace

std::unique_ptr<Pipeline> makeStdoutPipeline() { return std::make_unique<StdoutPipeline>(); }

std::vector<Message> connectionStatus(const std::vector<std::unique_ptr<Profile>>& profiles, bool online,
                                      std::string_view reason, const Clock& clock) {
  std::vector<Message> out;
  const WallTime now = clock.now();
  for (const auto& p : profiles) {
    auto msgs = p->connectionStatus(online, reason, now);
    out.insert(out.end(), std::make_move_iterator(msgs.begin()), std::make_move_iterator(msgs.end()));
  }
  return out;
}

}  // namespace tgw::app
