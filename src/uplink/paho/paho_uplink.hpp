// The MQTT uplink on Eclipse Paho C++ (mqtt::async_client). See
// docs/uplink.md. Runs its own connector thread (connect, backoff, status,
// subscriptions); Paho's callbacks only record events and post a drain task
// into the event loop, so UplinkListener methods run on the loop thread.
#pragma once

#include <memory>

#include "tgw/config/uplink_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/uplink/uplink.hpp"

namespace tgw::uplink {

class PahoUplink final : public Uplink {
 public:
  PahoUplink(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock);
  ~PahoUplink() override;
  PahoUplink(const PahoUplink&) = delete;
  PahoUplink& operator=(const PahoUplink&) = delete;

  void setListener(UplinkListener* listener) override;
  void setStatusProvider(StatusProvider provider) override;
  void setSubscriptions(std::vector<TopicSubscription> subscriptions) override;
  Expected<void> start() override;
  void stop(std::chrono::milliseconds timeout) override;
  void reconnect() override;
  [[nodiscard]] std::size_t freeWindow() const override;
  bool send(std::uint64_t token, const Message& message) override;
  [[nodiscard]] UplinkStats stats() const override;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgw::uplink
