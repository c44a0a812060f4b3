#include "app/config_io.hpp"

#include <fmt/format.h>

#include "tgw/config/loader.hpp"

namespace tgw::app {

std::optional<config::Config> loadAndReport(const std::string& path, std::ostream& err) {
  config::Diagnostics diag;
  auto cfg = config::loadFile(path, diag);
  const std::string text = diag.format();
  if (!text.empty()) err << text;
  if (!cfg) {
    err << fmt::format("{}: {} error(s); nothing was started. Fix the lines above and run "
                       "'telemetry-gateway check-config {}'.\n",
                       path, diag.errorCount(), path);
    return std::nullopt;
  }
  return std::move(*cfg);
}

}  // namespace tgw::app
