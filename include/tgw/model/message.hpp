// What profiles produce and the queue / uplink carry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tgw {

// SPEC.md §3. Order matters: the drop priority when the queue is full goes
// from kTelemetry (dropped first) to kResponse (dropped last).
enum class MessageClass : std::uint8_t {
  kTelemetry = 0,
  kLog = 1,
  kStatus = 2,
  kEvent = 3,
  kInference = 4,
  kAlert = 5,
  kAlarm = 6,
  kResponse = 7,
};

std::string_view className(MessageClass cls) noexcept;
std::optional<MessageClass> parseClass(std::string_view name) noexcept;
// Lower number = dropped earlier when the queue is full.
int dropPriority(MessageClass cls) noexcept;

struct Message {
  MessageClass cls = MessageClass::kTelemetry;
  std::string topic;
  std::string payload;  // JSON text; for persisted messages a JSON object
  int qos = 0;          // 0, 1 or 2
  bool retain = false;
  std::int64_t created_ms = 0;  // Unix ms when the message was made

  bool operator==(const Message&) const = default;
};

}  // namespace tgw
