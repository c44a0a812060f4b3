// What the operator-facing service layer (D-Bus API, status line) needs from
// the running daemon. The Daemon (src/app) implements it; tests use a fake.
// Every method is called on the event-loop thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tgw/core/error.hpp"
#include "tgw/model/message.hpp"

namespace tgw::service {

// One source as the operator sees it (D-Bus property `Sources`).
struct SourceSnapshot {
  std::string name;         // "can0", "sim" ...
  std::string type;         // "socketcan", "simulator" ...
  std::string state;        // sourceStateName(): "online", "offline", "starting", "error", "stopped"
  std::string detail;       // last error or note, plain words ("" if none)
  std::uint64_t readings = 0;
  std::uint64_t errors = 0;
  std::int64_t last_reading_ms = 0;  // Unix ms of the last signal, 0 = none yet

  bool operator==(const SourceSnapshot&) const = default;
};

// A consistent picture of the daemon at one instant (D-Bus properties).
struct DaemonSnapshot {
  std::string connection_state = "stopped";  // linkStateName(): connected, connecting, disconnected ...
  bool connected = false;
  std::string broker;                  // "mqtts://broker:8883", "stdout"
  std::uint64_t queue_depth = 0;       // messages in the durable queue
  std::int64_t oldest_age_ms = 0;      // age of the oldest queued message (0 if empty)
  std::uint64_t published = 0;         // handed to the broker
  std::uint64_t acked = 0;             // acknowledged by the broker
  std::uint64_t dropped = 0;           // dropped by the queue (full, expired, attempts)
  std::uint64_t queue_bytes = 0;       // topic + payload bytes in the durable queue
  std::int64_t last_ack_ms = 0;        // Unix ms of the last publish the broker acknowledged, 0 = none
  // Drops over the queue's life by reason (dropReasonName(): "full", "expired" ...); zero counts left out.
  std::vector<std::pair<std::string, std::uint64_t>> drops_by_reason;
  // Downlink commands (issue 8, filled by the command engine): executed on the
  // hardware / rejected (invalid, not allowed, bad signature ...). Redelivered
  // duplicates answered from the store count as neither.
  std::uint64_t commands_executed = 0;
  std::uint64_t commands_rejected = 0;
  std::string last_error;              // plain words, "" if none
  std::vector<SourceSnapshot> sources;

  bool operator==(const DaemonSnapshot&) const = default;
};

class DaemonControl {
 public:
  virtual ~DaemonControl() = default;

  [[nodiscard]] virtual DaemonSnapshot snapshot() const = 0;

  // A local application hands over one message: `json` is a JSON object
  // (already checked to parse as one). The daemon picks the topic from the
  // enabled profiles, stages it in the durable queue and returns its seq.
  // Errors: kUnsupported (no profile publishes this class from local apps),
  // kInvalidArgument (payload rejected by the profile), kFull (queue full),
  // kUnavailable (stopping) ...
  virtual Expected<std::uint64_t> publish(MessageClass cls, std::string json) = 0;

  // Commit everything staged and try to send what is queued now.
  virtual Expected<void> flush() = 0;

  // Drop the broker connection and reconnect at once (backoff reset).
  virtual Expected<void> reconnect() = 0;
};

}  // namespace tgw::service
