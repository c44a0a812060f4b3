// Temporary AWS credentials for SigV4, read again before every connect
// attempt: a JSON credentials file (the format of `aws sts assume-role`'s
// "Credentials" object and of the ECS / IMDS credential endpoints) and/or
// secrets from the environment or files. Malformed or expired credentials
// are errors in plain words (no connect is attempted with them).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "tgw/config/uplink_config.hpp"
#include "tgw/core/error.hpp"
#include "uplink/aws/sigv4.hpp"

namespace tgw::uplink::aws {

struct LoadedCredentials {
  Credentials credentials;
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // "file /x", "env $AWS_ACCESS_KEY_ID" ... (for messages)
};

Expected<LoadedCredentials> loadCredentials(const config::AwsSigV4Config& cfg,
                                            std::chrono::system_clock::time_point now);

// "2026-11-22T23:00:00Z", "2026-11-22T23:00:00.123Z", "2026-11-22T23:00:00+00:00".
std::optional<std::chrono::system_clock::time_point> parseIso8601(std::string_view text);

}  // namespace tgw::uplink::aws
