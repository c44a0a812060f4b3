#include "app/operator_commands.hpp"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>

#include "service/gateway_client.hpp"
#include "service/status_report.hpp"

namespace tgw::app {

int runStatusCommand(const CliOptions& options) {
  service::ClientOptions client;
  client.bus = options.bus;
  auto status = service::fetchStatus(client);
  if (!status) {
    std::cerr << "telemetry-gateway status: " << status.error().message << "\n";
    return kExitUnavailable;
  }
  if (options.json) {
    std::cout << status->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << service::formatStatus(*status);
  }
  std::cout.flush();
  return kExitOk;
}

int runTailCommand(const CliOptions& options) {
  // main() blocked these for the daemon's loop; a client just dies on them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_DFL);  // `tail | head` ends quietly

  std::size_t width = 0;
  winsize ws{};
  if (::isatty(STDOUT_FILENO) == 1 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    width = ws.ws_col;
  }
  service::ClientOptions client;
  client.bus = options.bus;
  service::TailFilter filter{options.tail_class, options.tail_topic};
  const auto duration = std::chrono::milliseconds(static_cast<std::int64_t>(options.tail_seconds * 1000));
  auto ok = service::followPublished(
      client, filter,
      [&](const service::PublishedEvent& e) {
        std::cout << service::formatTailLine(e, options.json, width) << std::flush;
        return static_cast<bool>(std::cout);
      },
      [](const std::string& note) { std::cerr << "telemetry-gateway tail: " << note << std::endl; }, options.tail_count,
      duration);
  if (!ok) {
    std::cerr << "telemetry-gateway tail: " << ok.error().message << "\n";
    return ok.error().code == Errc::kInvalidArgument ? kExitUsage : kExitUnavailable;
  }
  return kExitOk;
}

}  // namespace tgw::app
