// telemetry-gateway: entry point. Only main() picks the exit code.
#include <openssl/crypto.h>
#include <sqlite3.h>

#include <iostream>

#include <MQTTAsync.h>
#include <fmt/format.h>

#include "app/cli.hpp"
#include "app/config_io.hpp"
#include "app/daemon.hpp"
#include "app/operator_commands.hpp"
#include "app/queue_commands.hpp"
#include "core/logging.hpp"
#include "core/sd_event_loop.hpp"
#include "tgw/config/loader.hpp"
#include "tgw/version.hpp"

namespace {

using tgw::app::kExitConfig;
using tgw::app::kExitFailure;
using tgw::app::kExitOk;

int printVersion() {
  const MQTTAsync_nameValue* info = MQTTAsync_getVersionInfo();
  std::string paho = "unknown";
  for (; info != nullptr && info->name != nullptr; ++info) {
    if (std::string_view(info->name) == "Version") paho = info->value;
  }
  std::cout << "telemetry-gateway " << tgw::kVersion << "\n"
            << "  Paho MQTT C " << paho << ", SQLite " << sqlite3_libversion() << ", "
            << OpenSSL_version(OPENSSL_VERSION) << "\n";
  return kExitOk;
}

int checkConfig(const std::string& path) {
  auto cfg = tgw::app::loadAndReport(path, std::cerr);
  if (!cfg) return kExitConfig;
  std::string profiles;
  if (cfg->profiles.dtg.enabled) profiles += " dtg";
  if (cfg->profiles.bess.enabled) profiles += " bess";
  if (cfg->profiles.homesync.enabled) profiles += " homesync";
  std::cout << fmt::format("{}: OK (device {}, {} source(s), profiles:{}, uplink {} {})\n", path,
                           cfg->gateway.device_id, cfg->sources.size(), profiles, cfg->uplink.type, cfg->uplink.url);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists: SIGTERM/SIGINT/SIGHUP are read by the loop only.
  tgw::core::blockHandledSignals();
  try {
    const std::vector<std::string> args(argv, argv + argc);
    auto parsed = tgw::app::parseCli(args, std::cout, std::cerr);
    if (!parsed.options) return parsed.exit_code;
    const auto& opts = *parsed.options;

    auto level = tgw::log::parseLevel(opts.log_level.value_or("info"));
    tgw::log::init(level.value_or(spdlog::level::info));

    if (opts.command == "version") return printVersion();
    if (opts.command == "check-config") return checkConfig(opts.config_path);
    if (opts.command.starts_with("queue-")) return tgw::app::runQueueCommand(opts);
    if (opts.command == "status") return tgw::app::runStatusCommand(opts);
    if (opts.command == "tail") return tgw::app::runTailCommand(opts);

    auto cfg = tgw::app::loadAndReport(opts.config_path, std::cerr);
    if (!cfg) return kExitConfig;
    const auto out = cfg->logging.output == "journal"   ? tgw::log::Output::kJournal
                     : cfg->logging.output == "console" ? tgw::log::Output::kConsole
                                                        : tgw::log::Output::kAuto;
    tgw::log::init(*tgw::log::parseLevel(opts.log_level.value_or(cfg->logging.level)), out);
    tgw::app::RunOptions run{opts.config_path, opts.seconds, opts.log_level.has_value()};
    return tgw::app::runDaemon(*cfg, run);
  } catch (const std::exception& e) {
    std::cerr << "telemetry-gateway: fatal: " << e.what() << "\n";
    return kExitFailure;
  }
}
