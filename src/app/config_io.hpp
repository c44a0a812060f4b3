#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "tgw/config/config.hpp"

namespace tgw::app {

// Load and validate `path`; every diagnostic goes to `err`, with a closing
// line saying what to do when the config is rejected.
std::optional<config::Config> loadAndReport(const std::string& path, std::ostream& err);

}  // namespace tgw::app
