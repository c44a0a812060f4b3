#pragma once

#include <string>

#include "tgw/core/error.hpp"

namespace tgw::config {

// A secret is never required inline: `password_file: /path` or
// `password: ${ENV_NAME}`. It is resolved each time it is needed (files and
// environment may change while the daemon runs, e.g. rotated credentials).
struct Secret {
  std::string value;     // inline value (discouraged, allowed)
  std::string file;      // read at use, trailing newline stripped
  std::string env;       // environment variable name
  [[nodiscard]] bool empty() const { return value.empty() && file.empty() && env.empty(); }
  [[nodiscard]] Expected<std::string> resolve() const;
  [[nodiscard]] std::string describe() const;  // "file /x", "env $X", "inline"
};

}  // namespace tgw::config
