#pragma once

#include <string>

#include "tgw/config/config.hpp"
#include "tgw/config/diagnostics.hpp"
#include "tgw/core/error.hpp"

namespace tgw::config {

// Load and validate a YAML config file. All problems are collected in
// `diag` (not just the first); the result is an error (Errc::kConfig) if any
// of them is an error. Touches neither hardware nor network.
Expected<Config> loadFile(const std::string& path, Diagnostics& diag);
// Same, from text; `name` is used as the file name in messages.
Expected<Config> loadString(const std::string& text, const std::string& name, Diagnostics& diag);

}  // namespace tgw::config
