#include "uplink/failover/failover_uplink.hpp"

#include <fmt/format.h>

#include "core/logging.hpp"

namespace tgw::uplink {

namespace {
std::shared_ptr<spdlog::logger> logger() { return log::get("uplink"); }
}  // namespace

FailoverUplink::FailoverUplink(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock,
                               std::unique_ptr<Uplink> ip, std::unique_ptr<ModemMqttUplink> modem)
    : loop_(loop), cfg_(std::move(cfg)), clock_(clock), ip_(std::move(ip)), modem_(std::move(modem)) {
  ip_->setListener(&ip_relay_);
  modem_->setListener(&modem_relay_);
}

FailoverUplink::~FailoverUplink() {
  stop(std::chrono::milliseconds(cfg_.shutdown_timeout_ms));
  alive_.reset();
}

void FailoverUplink::setStatusProvider(StatusProvider provider) {
  ip_->setStatusProvider(provider);
  modem_->setStatusProvider(std::move(provider));
}

void FailoverUplink::setSubscriptions(std::vector<TopicSubscription> subscriptions) {
  ip_->setSubscriptions(subscriptions);
  modem_->setSubscriptions(std::move(subscriptions));
}

FailoverUplink::Active FailoverUplink::active() const {
  std::lock_guard lk(mu_);
  return active_;
}

void FailoverUplink::setActive(Active a) {
  std::lock_guard lk(mu_);
  active_ = a;
}

Expected<void> FailoverUplink::start() {
  if (started_) return makeError(Errc::kBusy, "uplink already started");
  if (auto r = ip_->start(); !r) return r;
  started_ = true;
  armFailover();
  return {};
}

void FailoverUplink::armFailover() {
  if (!started_ || ip_up_ || modem_started_) return;
  failover_timer_ = loop_.after(std::chrono::seconds(cfg_.modem.failover_after_s), [this] { failover(); });
}

void FailoverUplink::failover() {
  if (!started_ || ip_up_ || modem_started_) return;
  logger()->warn("IP uplink could not connect for {} s ({}): switching to the modem's MQTT client ({})",
                 cfg_.modem.failover_after_s, ip_->stats().last_error, cfg_.modem.url);
  modem_started_ = true;
  ++failovers_;
  if (auto r = modem_->start(); !r) {
    logger()->error("modem uplink did not start: {}", r.error().message);
    modem_started_ = false;
    armFailover();
  }
}

void FailoverUplink::linkUp(bool ip) {
  if (ip) {
    ip_up_ = true;
    failover_timer_.reset();
    if (active() == Active::kModem) {
      logger()->info("IP uplink is back: moving back from the modem ({} publish(es) still in flight there)",
                     modem_inflight_);
      failing_back_ = true;
      if (modem_inflight_ == 0) finishFailback();
      return;
    }
    if (modem_started_) {  // the modem was still connecting: not needed any more
      modem_->release();
      modem_started_ = false;
    }
    setActive(Active::kIp);
    if (listener_ != nullptr) listener_->onConnected();
    return;
  }
  // modem
  if (ip_up_ || !modem_started_) {
    modem_->release();
    modem_started_ = false;
    return;
  }
  setActive(Active::kModem);
  logger()->info("uplink now through the modem ({})", cfg_.modem.url);
  if (listener_ != nullptr) listener_->onConnected();
}

void FailoverUplink::finishFailback() {
  failing_back_ = false;
  modem_->release();  // AT+SMDISC, no offline status (the IP session published online)
  modem_started_ = false;
  modem_inflight_ = 0;
  // Parked (oversized) messages go back to the queue as link failures while
  // no link is active, so they are not counted as refused; the queue then
  // sends them over IP in seq order.
  setActive(Active::kNone);
  auto parked = std::move(parked_);
  parked_.clear();
  if (listener_ != nullptr) {
    for (auto t : parked) listener_->onSendFailed(t, "held back from the modem (too large): resending over IP");
  }
  setActive(Active::kIp);
  if (listener_ != nullptr) listener_->onConnected();
}

void FailoverUplink::linkDown(bool ip, const std::string& reason) {
  if (ip) {
    ip_up_ = false;
    if (failing_back_) {  // IP dropped again during the failback: stay on the modem
      failing_back_ = false;
      armFailover();
      return;
    }
    if (active() == Active::kIp) {
      setActive(Active::kNone);
      if (listener_ != nullptr) listener_->onDisconnected(reason);
    }
    armFailover();
    return;
  }
  if (active() == Active::kModem) {
    setActive(Active::kNone);
    const bool was_failing_back = failing_back_;
    failing_back_ = false;
    if (listener_ != nullptr) listener_->onDisconnected("modem: " + reason);
    if (was_failing_back || ip_up_) {
      // The modem died while the IP link is up (e.g. during the failback):
      // move to IP once the modem has handed its messages back.
      loop_.post([this, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        if (started_ && ip_up_ && modem_started_ && active() == Active::kNone) finishFailback();
      });
    }
  }
}

void FailoverUplink::completed(bool ip, std::uint64_t token, bool ok, const std::string& reason) {
  if (!ip && modem_inflight_ > 0) --modem_inflight_;
  if (listener_ != nullptr) {
    if (ok) {
      listener_->onDelivered(token);
    } else {
      listener_->onSendFailed(token, ip ? reason : "modem: " + reason);
    }
  }
  if (!ip && failing_back_ && modem_inflight_ == 0 && ip_up_) finishFailback();
}

std::size_t FailoverUplink::freeWindow() const {
  if (failing_back_) return 0;
  switch (active()) {
    case Active::kIp: return ip_->freeWindow();
    case Active::kModem:
      return parked_.size() >= kMaxParked ? 0 : modem_->freeWindow();
    case Active::kNone: return 0;
  }
  return 0;
}

bool FailoverUplink::send(std::uint64_t token, const Message& message) {
  if (failing_back_) return false;
  switch (active()) {
    case Active::kIp: return ip_->send(token, message);
    case Active::kModem: {
      if (auto ok = ModemMqttUplink::checkLimits(message, cfg_.modem); !ok) {
        if (parked_.size() >= kMaxParked) return false;
        logger()->info("{}", ok.error().message);
        parked_.push_back(token);
        return true;
      }
      if (!modem_->send(token, message)) return false;
      ++modem_inflight_;
      return true;
    }
    case Active::kNone: return false;
  }
  return false;
}

void FailoverUplink::reconnect() {
  if (active() == Active::kModem) {
    modem_->reconnect();
  } else {
    ip_->reconnect();
  }
}

void FailoverUplink::stop(std::chrono::milliseconds timeout) {
  if (!started_) return;
  started_ = false;
  failover_timer_.reset();
  const Active was = active();
  if (modem_started_) {
    if (was == Active::kModem) {
      modem_->stop(timeout);  // offline status through the modem, AT+SMDISC
    } else {
      modem_->release();
    }
    modem_started_ = false;
  }
  ip_->stop(timeout);
  setActive(Active::kNone);
  failing_back_ = false;
  auto parked = std::move(parked_);
  parked_.clear();
  if (listener_ != nullptr) {
    for (auto t : parked) listener_->onSendFailed(t, "uplink stopped");
  }
}

UplinkStats FailoverUplink::stats() const {
  const Active a = active();
  UplinkStats ip = ip_->stats();
  if (a == Active::kIp || (a == Active::kNone && !modem_started_)) {
    if (failing_back_) ip.state = LinkState::kConnecting;
    return ip;
  }
  UplinkStats m = modem_->stats();
  UplinkStats out = m;
  if (failing_back_) out.state = LinkState::kConnecting;
  if (a == Active::kNone) {
    out.last_error = fmt::format("IP: {}; modem: {}", ip.last_error, m.last_error);
  }
  out.connects = ip.connects + m.connects;
  out.disconnects = ip.disconnects + m.disconnects;
  out.published = ip.published + m.published;
  out.acked = ip.acked + m.acked;
  out.failed = ip.failed + m.failed;
  out.last_ack_ms = std::max(ip.last_ack_ms, m.last_ack_ms);
  out.in_flight = ip.in_flight + m.in_flight + parked_.size();
  return out;
}

}  // namespace tgw::uplink
