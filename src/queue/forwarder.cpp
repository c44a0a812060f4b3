#include "queue/forwarder.hpp"

#include <algorithm>
#include <cmath>

#include "core/logging.hpp"

namespace tgw::queue {
namespace {
constexpr std::size_t kFetchMax = 64;
}  // namespace

Forwarder::Forwarder(EventLoop& loop, Queue& queue, Uplink& uplink, const config::QueueConfig& cfg, const Clock& clock)
    : loop_(loop), queue_(queue), uplink_(uplink), cfg_(cfg), clock_(clock) {
  if (cfg_.telemetry_persistence == "always") persistence_ = Persistence::kAlways;
  if (cfg_.telemetry_persistence == "never") persistence_ = Persistence::kNever;
  uplink_.setListener(this);
}

Forwarder::~Forwarder() {
  *alive_ = false;
}

Registration Forwarder::timer(std::chrono::milliseconds delay, void (Forwarder::*fn)()) {
  std::weak_ptr<bool> alive = alive_;
  return loop_.after(delay, [this, alive, fn] {
    loop_.post([this, alive, fn] {
      if (auto a = alive.lock(); a && *a) (this->*fn)();
    });
  });
}

void Forwarder::start() {
  stopping_ = false;
  std::weak_ptr<bool> alive = alive_;
  sweep_timer_ = loop_.every(std::chrono::seconds(cfg_.sweep_interval_s), [this, alive] {
    loop_.post([this, alive] {
      if (auto a = alive.lock(); !a || !*a) return;
      if (queue_.sweep() > 0) scheduleCommit();
    });
  });
  queue_.sweep();
  doCommit();
}

void Forwarder::flush() {
  doCommit();
}

void Forwarder::shutdown() {
  stopping_ = true;
  commit_timer_.reset();
  drain_timer_.reset();
  sweep_timer_.reset();
  commit_armed_ = false;
  commit_urgent_ = false;
  drain_armed_ = false;
  if (auto r = queue_.commit(); !r) log::get("queue")->error("final commit: {}", r.error().message);
}

void Forwarder::submit(Message message) {
  ++stats_.submitted;
  bool persist = message.qos >= 1;
  if (!persist && message.cls != MessageClass::kLog) {
    switch (persistence_) {
      case Persistence::kAlways:
        persist = true;
        break;
      case Persistence::kOffline:
        // Straight to the link only if it can take it now and nothing of the
        // same class waits in the queue (order within class and topic).
        persist = !connected_ || stopping_ || uplink_.freeWindow() == 0 || queue_.count(message.cls) > 0;
        break;
      case Persistence::kNever:
        break;
    }
  }
  if (!persist) {
    if (connected_ && !stopping_ && uplink_.freeWindow() > 0) {
      const std::uint64_t token = kDirectBit | next_direct_++;
      if (uplink_.send(token, message)) {
        direct_.emplace(token, Direct{message.cls, message.topic});
        ++stats_.sent_direct;
        return;
      }
    }
    queue_.recordDrop(DropReason::kNotPersisted, message);
    return;
  }
  // A command's answer is awaited by someone: it does not wait out the commit
  // window (responses are few; what is queued in the same loop turn, e.g. the
  // "accepted" and "in_progress" stages, still shares one commit).
  const bool urgent = message.cls == MessageClass::kResponse;
  if (!queue_.push(std::move(message))) return;  // counted and logged by the queue
  ++stats_.persisted;
  if (stopping_ || cfg_.commit_window_ms <= 0 || queue_.uncommitted() >= static_cast<std::size_t>(cfg_.commit_batch)) {
    doCommit();
  } else {
    scheduleCommit(urgent);
  }
}

void Forwarder::scheduleCommit(bool urgent) {
  if (stopping_ || (commit_armed_ && (commit_urgent_ || !urgent))) return;
  commit_armed_ = true;
  commit_urgent_ = urgent;
  commit_timer_ = timer(std::chrono::milliseconds(urgent ? 0 : cfg_.commit_window_ms), &Forwarder::doCommit);
}

void Forwarder::doCommit() {
  commit_armed_ = false;
  commit_urgent_ = false;
  (void)queue_.commit();  // failures are logged and counted by the queue
  pump();
}

bool Forwarder::takeToken() {
  const double rate = cfg_.drain_rate;
  const double burst = std::max(1.0, rate / 10.0);
  const MonoTime now = clock_.monotonic();
  const double elapsed = std::chrono::duration<double>(now - last_refill_).count();
  last_refill_ = now;
  tokens_ = std::min(burst, tokens_ + std::max(0.0, elapsed) * rate);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void Forwarder::armDrain() {
  ++stats_.rate_limited;
  if (drain_armed_) return;
  drain_armed_ = true;
  const double wait_ms = std::ceil((1.0 - tokens_) * 1000.0 / cfg_.drain_rate);
  drain_timer_ =
      timer(std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait_ms))), &Forwarder::pump);
}

void Forwarder::pump() {
  if (pumping_) return;
  if (!connected_ || stopping_) {
    drain_armed_ = false;
    return;
  }
  pumping_ = true;
  drain_armed_ = false;
  bool stop = false;
  while (!stop) {
    const std::size_t window = uplink_.freeWindow();
    if (window == 0) break;
    auto batch = queue_.fetch(std::min(window, kFetchMax));
    if (batch.empty()) break;
    std::size_t i = 0;
    for (; i < batch.size(); ++i) {
      const auto& m = batch[i];
      if (cfg_.drain_rate > 0 && m.seq <= backlog_mark_ && !takeToken()) {
        armDrain();
        stop = true;
        break;
      }
      if (!uplink_.send(m.seq, m.message)) {
        stop = true;
        break;
      }
      ++stats_.sent_from_queue;
    }
    for (; i < batch.size(); ++i) queue_.fail(batch[i].seq, false);  // not sent: release the lease
  }
  pumping_ = false;
  if (queue_.uncommitted() > 0) scheduleCommit();
}

void Forwarder::onConnected() {
  connected_ = true;
  stats_.connected = true;
  backlog_mark_ = queue_.committedSeq();
  tokens_ = std::max(1.0, cfg_.drain_rate / 10.0);
  last_refill_ = clock_.monotonic();
  if (backlog_mark_ > 0 && queue_.size() > 0) {
    log::get("queue")->info("link up: draining {} queued messages{}", queue_.size(),
                            cfg_.drain_rate > 0 ? " at up to " + std::to_string(cfg_.drain_rate) + " msg/s" : "");
  }
  if (connection_handler_) connection_handler_(true);
  pump();
}

void Forwarder::onDisconnected(const std::string& reason) {
  connected_ = false;
  stats_.connected = false;
  log::get("queue")->debug("link down ({}): queueing", reason);
  if (connection_handler_) connection_handler_(false);
}

void Forwarder::onDelivered(std::uint64_t token) {
  ++stats_.delivered;
  if ((token & kDirectBit) != 0) {
    direct_.erase(token);
  } else {
    queue_.ack(token);
    scheduleCommit();
  }
  pump();
}

void Forwarder::onSendFailed(std::uint64_t token, const std::string& reason) {
  ++stats_.send_failed;
  if ((token & kDirectBit) != 0) {
    auto it = direct_.find(token);
    if (it != direct_.end()) {
      Message m;
      m.cls = it->second.cls;
      m.topic = std::move(it->second.topic);
      direct_.erase(it);
      queue_.recordDrop(DropReason::kSendFailed, m);
    }
    return;
  }
  // A failure while the link is up counts towards max_attempts; a link drop
  // or our own shutdown does not (the message was never refused).
  const bool count = !stopping_ && connected_ && uplink_.stats().state == LinkState::kConnected;
  log::get("queue")->debug("send of seq {} failed ({}){}", token, reason, count ? "" : " (link down)");
  queue_.fail(token, count);
  if (queue_.uncommitted() > 0) scheduleCommit();
  pump();
}

void Forwarder::onMessage(const std::string& topic, const std::string& payload, int qos) {
  if (message_handler_) message_handler_(topic, payload, qos);
}

ForwarderStats Forwarder::stats() const {
  return stats_;
}

}  // namespace tgw::queue
