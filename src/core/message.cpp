#include "tgw/model/message.hpp"

#include <array>
#include <utility>

namespace tgw {
namespace {
constexpr std::array<std::pair<MessageClass, std::string_view>, 8> kClassNames{{
    {MessageClass::kTelemetry, "telemetry"},
    {MessageClass::kLog, "log"},
    {MessageClass::kStatus, "status"},
    {MessageClass::kEvent, "event"},
    {MessageClass::kInference, "inference"},
    {MessageClass::kAlert, "alert"},
    {MessageClass::kAlarm, "alarm"},
    {MessageClass::kResponse, "response"},
}};
}  // namespace

std::string_view className(MessageClass cls) noexcept {
  for (const auto& [c, name] : kClassNames) {
    if (c == cls) return name;
  }
  return "unknown";
}

std::optional<MessageClass> parseClass(std::string_view name) noexcept {
  for (const auto& [c, n] : kClassNames) {
    if (n == name) return c;
  }
  return std::nullopt;
}

int dropPriority(MessageClass cls) noexcept {
  switch (cls) {
    case MessageClass::kTelemetry:
    case MessageClass::kLog:
      return 0;
    case MessageClass::kStatus:
    case MessageClass::kEvent:
    case MessageClass::kInference:
      return 1;
    case MessageClass::kAlert:
    case MessageClass::kAlarm:
    case MessageClass::kResponse:
      return 2;
  }
  return 0;
}

}  // namespace tgw
