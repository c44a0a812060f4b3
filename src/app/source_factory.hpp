// Builds the configured sources. Part of the composition root: the only
// place that names the concrete Source classes.
#pragma once

#include <memory>
#include <vector>

#include "tgw/config/config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/error.hpp"
#include "tgw/source/source.hpp"

namespace tgw::app {

Expected<std::unique_ptr<Source>> makeSource(const config::SourceConfig& cfg, const Clock& clock);

}  // namespace tgw::app
