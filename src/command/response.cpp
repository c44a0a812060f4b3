#include "command/response.hpp"

#include "command/request.hpp"

namespace tgw::command {

std::string_view formatName(ResponseFormat f) noexcept {
  return f == ResponseFormat::kHomesync ? "homesync" : "staged";
}

ResponseFormat parseFormat(std::string_view name) noexcept {
  return name == "homesync" ? ResponseFormat::kHomesync : ResponseFormat::kStaged;
}

std::string responsePayload(ResponseFormat format, const nlohmann::json& rid, std::string_view rid_key,
                            const Outcome& o, std::int64_t now_ms) {
  nlohmann::ordered_json j;
  const auto id = nlohmann::ordered_json::parse(rid.dump());
  j["request_id"] = id;
  if (rid_key == "id") j["id"] = id;
  const bool error = o.stage == Stage::kError;
  const bool success = o.stage == Stage::kSuccess;
  if (format == ResponseFormat::kHomesync) {
    j["status"] = error ? "error" : (success ? "success" : "in_progress");
    j["result"] = error ? o.reason : o.detail;
    j["timestamp"] = isoUtc(now_ms);
    if (error) {
      j["reason"] = o.reason;
      j["detail"] = o.detail;
    }
  } else {
    static const char* const kStages[] = {"accepted", "in_progress", "success", "error"};
    j["ok"] = !error;
    j["status"] = error ? "error" : (success ? "success" : "in_progress");
    j["stage"] = kStages[static_cast<int>(o.stage)];
    if (!o.action.empty()) j["action"] = o.action;
    if (success) j["result"] = o.detail;
    if (error) {
      j["reason"] = o.reason;
      j["detail"] = o.detail;
    }
    j["timestamp"] = isoUtc(now_ms);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tgw::command
