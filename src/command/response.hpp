// Response payloads in the profile's format (docs/commands.md):
//   staged (bess, dtg, generic):
//     {"request_id":…, "ok":true|false, "status":"in_progress"|"success"|"error",
//      "stage":"accepted"|"in_progress"|"success"|"error", "action":…,
//      "result":… (success), "reason":… + "detail":… (error), "timestamp":"…Z"}
//   homesync (final only):
//     {"request_id":…, "status":"success"|"error", "result":…, "timestamp":"…Z"
//      [, "reason":…, "detail":…]}
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tgw::command {

enum class ResponseFormat : std::uint8_t { kStaged, kHomesync };
std::string_view formatName(ResponseFormat f) noexcept;
ResponseFormat parseFormat(std::string_view name) noexcept;

enum class Stage : std::uint8_t { kAccepted, kInProgress, kSuccess, kError };

struct Outcome {
  Stage stage = Stage::kError;
  std::string action;
  std::string reason;  // error: unauthorized, stale, timeout, rate_limited, interrupted ...
  std::string detail;  // plain words: the hardware's answer, or why
};

// Compact JSON. `rid` is the request id as sent; echoed under "request_id"
// (and also under "id" when the command used "id").
std::string responsePayload(ResponseFormat format, const nlohmann::json& rid, std::string_view rid_key,
                            const Outcome& outcome, std::int64_t now_ms);

}  // namespace tgw::command
