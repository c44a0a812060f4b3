#include "command/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

namespace tgw::command {

std::string canonicalForm(std::string_view topic, const nlohmann::json& body) {
  nlohmann::json copy = body;
  if (copy.is_object()) copy.erase("signature");
  std::string out(topic);
  out += '\n';
  // nlohmann's object is a std::map: keys come out sorted at every level.
  out += copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return out;
}

std::string hmacSha256Hex(std::string_view key, std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), md, &len);
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

bool signatureMatches(std::string_view key, std::string_view topic, const nlohmann::json& body,
                      std::string_view signature) {
  const std::string expected = hmacSha256Hex(key, canonicalForm(topic, body));
  if (signature.size() != expected.size()) return false;
  std::string lower(signature);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return CRYPTO_memcmp(lower.data(), expected.data(), expected.size()) == 0;
}

}  // namespace tgw::command
