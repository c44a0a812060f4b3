#include <array>
#include <utility>

#include "tgw/queue/queue.hpp"

namespace tgw {
namespace {
constexpr std::array<std::pair<DropReason, std::string_view>, kDropReasonCount> kReasonNames{{
    {DropReason::kFull, "full"},
    {DropReason::kExpired, "expired"},
    {DropReason::kAttempts, "attempts"},
    {DropReason::kDiskFull, "disk_full"},
    {DropReason::kNotPersisted, "not_persisted"},
    {DropReason::kPurged, "purged"},
    {DropReason::kError, "error"},
    {DropReason::kSendFailed, "send_failed"},
}};
}  // namespace

std::string_view dropReasonName(DropReason reason) noexcept {
  for (const auto& [r, name] : kReasonNames) {
    if (r == reason) return name;
  }
  return "unknown";
}

std::optional<DropReason> parseDropReason(std::string_view name) noexcept {
  for (const auto& [r, n] : kReasonNames) {
    if (n == name) return r;
  }
  return std::nullopt;
}

}  // namespace tgw
