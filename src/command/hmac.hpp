// HMAC-SHA256 command signatures (OpenSSL).
//
// Canonical form signed by the sender:
//   <topic> "\n" <the command object without its "signature" key, as compact
//   JSON with keys sorted (byte order) at every level, no whitespace, UTF-8
//   unescaped>
// `signature` is the lowercase (any case accepted) hex HMAC-SHA256 of that
// text with the shared key. See docs/commands.md for a shell example.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tgw::command {

std::string canonicalForm(std::string_view topic, const nlohmann::json& body);
// Lowercase hex HMAC-SHA256 of `text` under `key`.
std::string hmacSha256Hex(std::string_view key, std::string_view text);
// Constant-time comparison of `signature` (hex, any case) with the expected one.
bool signatureMatches(std::string_view key, std::string_view topic, const nlohmann::json& body,
                      std::string_view signature);

}  // namespace tgw::command
