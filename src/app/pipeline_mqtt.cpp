// Profiles → Forwarder → SqliteQueue → PahoUplink → broker.
#include <fmt/format.h>

#include "app/pipeline.hpp"
#include "core/logging.hpp"
#include "queue/forwarder.hpp"
#include "queue/sqlite/sqlite_queue.hpp"
#include "service/topic_filter.hpp"
#include "uplink/failover/failover_uplink.hpp"
#include "uplink/paho/paho_uplink.hpp"

namespace tgw::app {
namespace {

// PahoUplink, or with uplink.modem enabled the IP/modem failover composite.
std::unique_ptr<Uplink> makeUplink(EventLoop& loop, const config::UplinkConfig& cfg, const Clock& clock) {
  auto ip = std::make_unique<uplink::PahoUplink>(loop, cfg, clock);
  if (!cfg.modem.enabled) return ip;
  return std::make_unique<uplink::FailoverUplink>(loop, cfg, clock, std::move(ip),
                                                  std::make_unique<uplink::ModemMqttUplink>(loop, cfg, clock));
}

class MqttPipeline final : public Pipeline {
 public:
  MqttPipeline(const config::Config& cfg, EventLoop& loop, const Clock& clock,
               const std::vector<std::unique_ptr<Profile>>& profiles, std::unique_ptr<queue::SqliteQueue> q)
      : cfg_(cfg),
        clock_(clock),
        profiles_(profiles),
        queue_(std::move(q)),
        uplink_(makeUplink(loop, cfg.uplink, clock)),
        forwarder_(std::make_unique<queue::Forwarder>(loop, *queue_, *uplink_, cfg.queue, clock)) {}

  Expected<void> start() override {
    uplink_->setListener(forwarder_.get());
    uplink_->setStatusProvider([this](bool online, std::string_view reason) {
      return connectionStatus(profiles_, online, reason, clock_);
    });
    if (!subscriptions_.empty()) {
      std::vector<TopicSubscription> filters;
      for (const auto& [sub, handler] : subscriptions_) filters.push_back(sub);
      uplink_->setSubscriptions(std::move(filters));
      forwarder_->setMessageHandler([this](const std::string& topic, const std::string& payload, int qos) {
        for (const auto& [sub, handler] : subscriptions_) {
          if (service::topicMatches(sub.filter, topic)) handler(topic, payload, qos);
        }
      });
    }
    forwarder_->start();
    return uplink_->start();
  }

  MessageSink& sink() override { return *forwarder_; }

  Expected<std::uint64_t> submitDurable(Message message) override {
    auto seq = queue_->push(std::move(message));
    if (!seq) return seq;
    forwarder_->flush();  // commit now (the caller gets a durable seq) and send
    if (queue_->committedSeq() < *seq) {
      return makeError(Errc::kIo, "the message could not be committed to the queue (see the log)");
    }
    return seq;
  }

  void flush() override { forwarder_->flush(); }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    forwarder_->flush();
    uplink_->stop(std::chrono::milliseconds(cfg_.uplink.shutdown_timeout_ms));
    forwarder_->shutdown();
  }

  void reconnect() override { uplink_->reconnect(); }
  void subscribe(TopicSubscription subscription, TopicHandler handler) override {
    subscriptions_.emplace_back(std::move(subscription), std::move(handler));
  }
  void setConnectionHandler(std::function<void(bool)> handler) override {
    forwarder_->setConnectionHandler(std::move(handler));
  }

  [[nodiscard]] PipelineStats stats() const override {
    PipelineStats s;
    const UplinkStats u = uplink_->stats();
    const QueueStats q = queue_->stats();
    s.connected = u.state == LinkState::kConnected;
    s.broker = u.broker.empty() ? cfg_.uplink.url : u.broker;
    s.state = std::string(linkStateName(u.state));
    s.link = fmt::format("{} {}", s.state, s.broker);
    s.sent = u.acked;
    s.published = u.published;
    s.uncommitted = q.uncommitted;
    s.committed_seq = q.committed_seq;
    s.queued = q.messages;
    s.oldest_age_ms = q.oldest_age_ms;
    for (auto d : q.drops) s.dropped += d;
    s.last_error = u.last_error;
    s.queue_bytes = q.bytes;
    s.last_ack_ms = u.last_ack_ms;
    s.drops = q.drops;
    return s;
  }

 private:
  const config::Config& cfg_;
  const Clock& clock_;
  const std::vector<std::unique_ptr<Profile>>& profiles_;
  std::unique_ptr<queue::SqliteQueue> queue_;
  std::unique_ptr<Uplink> uplink_;
  std::unique_ptr<queue::Forwarder> forwarder_;
  std::vector<std::pair<TopicSubscription, TopicHandler>> subscriptions_;
  bool stopped_ = false;
};

}  // namespace

Expected<std::unique_ptr<Pipeline>> makeMqttPipeline(const config::Config& cfg, EventLoop& loop, const Clock& clock,
                                                     const std::vector<std::unique_ptr<Profile>>& profiles) {
  auto q = queue::SqliteQueue::open(cfg.queue, clock);
  if (!q) return tl::unexpected(q.error());
  return std::unique_ptr<Pipeline>(std::make_unique<MqttPipeline>(cfg, loop, clock, profiles, std::move(*q)));
}

}  // namespace tgw::app
