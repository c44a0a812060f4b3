// Dead-link detection of our own, next to Paho's keep-alive (see
// docs/uplink.md, "Dead-link watchdog").
//
// Paho C 1.3.12 sends no PINGREQ while its socket has unsent data, so under
// load a silently dead link (partition, NAT state dropped) is noticed only
// when the kernel gives up on TCP retransmissions, and when idle its own
// check takes up to 2 x keep-alive (ping after a keep-alive of silence, then
// a keep-alive waiting for PINGRESP, both on a 1 s cycle). Paho's PINGRESP
// is not visible to us, so the watchdog uses answers it can see:
//  - busy link: publishes in flight and nothing heard from the broker (no
//    PUBACK/PUBCOMP, no inbound message, no probe answer) for one
//    keep-alive -> dead;
//  - quiet link: nothing heard for a third of the keep-alive -> probeDue():
//    the owner sends a probe the broker must answer (an UNSUBSCRIBE of a
//    topic we never subscribed: UNSUBACK, no message to anyone); unanswered
//    for one keep-alive -> dead. Worst case: KA/3 + KA + one check period.
//
// Pure logic on an injected Clock; the owner serialises the calls (PahoUplink
// holds its mutex) and acts on expired().
#pragma once

#include <chrono>
#include <optional>

#include "tgw/core/clock.hpp"

namespace tgw::uplink {

class LinkWatchdog {
 public:
  // keepalive_s <= 0: off (expired() never fires).
  LinkWatchdog(const Clock& clock, int keepalive_s);

  // A session started: nothing in flight, the broker was just heard.
  void connected();
  // A publish entered flight (starts the wait if nothing was in flight).
  void sent();
  // The broker answered: a QoS >= 1 publish was acknowledged, or a message
  // arrived. (A QoS 0 completion is not an answer: it only means the local
  // socket took the bytes.)
  void heard();
  // Nothing is in flight any more (all completed, or handed back).
  void idle();

  // Nothing heard for a third of the keep-alive and no probe out.
  [[nodiscard]] bool probeDue() const;
  void probeSent();
  // The probe completed: `answered` if the broker replied (heard), else it
  // failed locally (not sent; the next check may send another).
  void probeDone(bool answered);
  [[nodiscard]] bool probing() const noexcept { return probe_sent_at_.has_value(); }

  // How long the broker has been silent while we waited for it, if that is
  // at least one keep-alive (the link is to be declared dead); else nullopt.
  [[nodiscard]] std::optional<std::chrono::milliseconds> expired() const;

  [[nodiscard]] std::chrono::milliseconds limit() const noexcept { return limit_; }
  // How often the owner should call expired() (an eighth of the keep-alive,
  // between 50 and 250 ms).
  [[nodiscard]] std::chrono::milliseconds checkPeriod() const noexcept;

 private:
  const Clock& clock_;
  std::chrono::milliseconds limit_;
  MonoTime last_heard_{};
  std::optional<MonoTime> busy_since_;
  std::optional<MonoTime> probe_sent_at_;
};

}  // namespace tgw::uplink
