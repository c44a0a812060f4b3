// `telemetry-gateway status` and `tail`: clients of the running daemon's
// D-Bus API (src/service/gateway_client.hpp). Return the exit code: 0, or
// kExitUnavailable (3) when the daemon cannot be asked.
#pragma once

#include "app/cli.hpp"

namespace tgw::app {

int runStatusCommand(const CliOptions& options);
int runTailCommand(const CliOptions& options);

}  // namespace tgw::app
