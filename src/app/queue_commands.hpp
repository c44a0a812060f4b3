#pragma once

#include "app/cli.hpp"

namespace tgw::app {

// `queue stats|peek|purge`: opens the queue file named by the config next to
// a running daemon (busy timeout; no takeover). Returns the exit code.
int runQueueCommand(const CliOptions& options);

}  // namespace tgw::app
