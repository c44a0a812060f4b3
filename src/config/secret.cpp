#include "tgw/config/secret.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace tgw::config {

Expected<std::string> Secret::resolve() const {
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return tl::unexpected(errnoError(errno, fmt::format("cannot read secret file {}", file)));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (v == nullptr) {
      return makeError(Errc::kNotFound, fmt::format("environment variable {} is not set", env));
    }
    return std::string(v);
  }
  return value;
}

std::string Secret::describe() const {
  if (!file.empty()) return "file " + file;
  if (!env.empty()) return "environment variable " + env;
  if (!value.empty()) return "inline value";
  return "none";
}

}  // namespace tgw::config
