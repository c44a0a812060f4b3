#include "app/source_factory.hpp"

#include <fmt/format.h>

#include "sources/simulator/simulator_source.hpp"

namespace tgw::app {

Expected<std::unique_ptr<Source>> makeSource(const config::SourceConfig& cfg, const Clock& clock) {
  // One branch per source type; keep them one line each.
  if (cfg.type == "simulator") return std::make_unique<sources::SimulatorSource>(cfg, clock);
  return makeError(Errc::kUnsupported, fmt::format("source '{}': type '{}' is not built in", cfg.name, cfg.type));
}

}  // namespace tgw::app
