// An Uplink for unit tests: records sends, and lets the test decide when the
// link is up and when each message is delivered or fails. Listener calls are
// made synchronously from the test's control methods (as the loop thread).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "tgw/uplink/uplink.hpp"

namespace tgw::test {

class FakeUplink final : public Uplink {
 public:
  struct Sent {
    std::uint64_t token = 0;
    Message message;
  };

  explicit FakeUplink(std::size_t window = 16) : window_(window) {}

  void setListener(UplinkListener* listener) override { listener_ = listener; }
  void setStatusProvider(StatusProvider provider) override { status_ = std::move(provider); }
  void setSubscriptions(std::vector<TopicSubscription> subscriptions) override {
    subscriptions_ = std::move(subscriptions);
  }
  Expected<void> start() override;
  void stop(std::chrono::milliseconds timeout) override;
  void reconnect() override;
  [[nodiscard]] std::size_t freeWindow() const override;
  bool send(std::uint64_t token, const Message& message) override;
  [[nodiscard]] UplinkStats stats() const override;

  // --- test controls ---
  void connect();                                       // up: onConnected
  void disconnect(const std::string& reason = "test");  // down: onDisconnected, in-flight failed
  // Deliver the oldest in-flight message; false if none.
  bool deliverNext();
  std::size_t deliverAll();
  // Fail the oldest in-flight message while the link stays up.
  bool failNext(const std::string& reason = "refused");
  void inject(const std::string& topic, const std::string& payload, int qos = 1);
  void setWindow(std::size_t window) { window_ = window; }
  // Called on every accepted send (e.g. to inspect the queue file then).
  void onSend(std::function<void(const Sent&)> hook) { hook_ = std::move(hook); }

  [[nodiscard]] const std::vector<Sent>& sent() const { return sent_; }
  [[nodiscard]] const std::deque<Sent>& inFlight() const { return in_flight_; }
  [[nodiscard]] std::vector<Sent> delivered() const { return delivered_; }
  [[nodiscard]] bool connected() const { return state_ == LinkState::kConnected; }

 private:
  std::size_t window_;
  UplinkListener* listener_ = nullptr;
  StatusProvider status_;
  std::vector<TopicSubscription> subscriptions_;
  LinkState state_ = LinkState::kStopped;
  std::deque<Sent> in_flight_;
  std::vector<Sent> sent_;
  std::vector<Sent> delivered_;
  std::function<void(const Sent&)> hook_;
  UplinkStats stats_;
};

}  // namespace tgw::test
