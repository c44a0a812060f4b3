#include "fakes/fake_uplink.hpp"

namespace tgw::test {

Expected<void> FakeUplink::start() {
  state_ = LinkState::kDisconnected;
  return {};
}

void FakeUplink::stop(std::chrono::milliseconds) {
  state_ = LinkState::kStopping;
  while (!in_flight_.empty()) {
    const auto s = in_flight_.front();
    in_flight_.pop_front();
    ++stats_.failed;
    if (listener_ != nullptr) listener_->onSendFailed(s.token, "stopped");
  }
  state_ = LinkState::kStopped;
}

void FakeUplink::reconnect() {
  disconnect("reconnect requested");
  connect();
}

std::size_t FakeUplink::freeWindow() const {
  if (state_ != LinkState::kConnected) return 0;
  return in_flight_.size() >= window_ ? 0 : window_ - in_flight_.size();
}

bool FakeUplink::send(std::uint64_t token, const Message& message) {
  if (freeWindow() == 0) return false;
  Sent s{token, message};
  in_flight_.push_back(s);
  sent_.push_back(s);
  ++stats_.published;
  if (hook_) hook_(s);
  return true;
}

UplinkStats FakeUplink::stats() const {
  UplinkStats s = stats_;
  s.state = state_;
  s.in_flight = in_flight_.size();
  return s;
}

void FakeUplink::connect() {
  state_ = LinkState::kConnected;
  ++stats_.connects;
  if (listener_ != nullptr) listener_->onConnected();
}

void FakeUplink::disconnect(const std::string& reason) {
  state_ = LinkState::kDisconnected;
  ++stats_.disconnects;
  if (listener_ != nullptr) listener_->onDisconnected(reason);
  while (!in_flight_.empty()) {
    const auto s = in_flight_.front();
    in_flight_.pop_front();
    ++stats_.failed;
    if (listener_ != nullptr) listener_->onSendFailed(s.token, reason);
  }
}

bool FakeUplink::deliverNext() {
  if (in_flight_.empty()) return false;
  const auto s = in_flight_.front();
  in_flight_.pop_front();
  delivered_.push_back(s);
  ++stats_.acked;
  if (listener_ != nullptr) listener_->onDelivered(s.token);
  return true;
}

std::size_t FakeUplink::deliverAll() {
  std::size_t n = 0;
  while (deliverNext()) ++n;
  return n;
}

bool FakeUplink::failNext(const std::string& reason) {
  if (in_flight_.empty()) return false;
  const auto s = in_flight_.front();
  in_flight_.pop_front();
  ++stats_.failed;
  if (listener_ != nullptr) listener_->onSendFailed(s.token, reason);
  return true;
}

void FakeUplink::inject(const std::string& topic, const std::string& payload, int qos) {
  if (listener_ != nullptr) listener_->onMessage(topic, payload, qos);
}

}  // namespace tgw::test
