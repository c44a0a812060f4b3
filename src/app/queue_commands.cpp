#include "app/queue_commands.hpp"

#include <iostream>

#include "app/config_io.hpp"
#include "queue/queue_cli.hpp"

namespace tgw::app {

int runQueueCommand(const CliOptions& options) {
  auto cfg = loadAndReport(options.config_path, std::cerr);
  if (!cfg) return kExitConfig;
  if (options.command == "queue-stats") return queue::queueStats(cfg->queue, std::cout, options.json);
  if (options.command == "queue-peek") return queue::queuePeek(cfg->queue, std::cout, options.peek_count);
  std::optional<MessageClass> cls;
  if (options.purge_class) cls = parseClass(*options.purge_class);
  return queue::queuePurge(cfg->queue, std::cout, cls);
}

}  // namespace tgw::app
