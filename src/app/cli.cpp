#include "app/cli.hpp"

#include <CLI/CLI.hpp>

#include "tgw/model/message.hpp"

namespace tgw::app {
namespace {

constexpr const char* kFooter = R"(Examples:
  telemetry-gateway run --config /etc/telemetry-gateway/gateway.yaml
  telemetry-gateway run --config config/demo.yaml --seconds 30 --log-level debug
  telemetry-gateway check-config /etc/telemetry-gateway/gateway.yaml
  telemetry-gateway queue stats --config /etc/telemetry-gateway/gateway.yaml
  telemetry-gateway status
  telemetry-gateway tail --class telemetry --topic 'homesync/+/nodes/#'
  telemetry-gateway version

Exit codes:
  0   success
  1   runtime failure (e.g. queue file cannot be opened)
  3   status/tail: the daemon cannot be asked (not running, no bus, access denied, no answer)
  64  bad command line
  78  configuration error (EX_CONFIG; systemd does not restart on it)
)";

}  // namespace

CliResult parseCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"telemetry-gateway: reads CAN, serial and modem devices, publishes to MQTT through a durable queue",
               "telemetry-gateway"};
  app.footer(kFooter);
  app.require_subcommand(1);
  CliOptions opts;
  std::string level;
  app.add_option("--log-level", level, "override logging.level: trace|debug|info|warning|error|critical|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warning", "error", "critical", "off"}));

  auto* run = app.add_subcommand("run", "run the daemon (foreground; systemd Type=notify)");
  run->add_option("-c,--config", opts.config_path, "config file")->capture_default_str();
  run->add_option("--seconds", opts.seconds, "stop cleanly after N seconds (demo, tests)")->check(CLI::NonNegativeNumber);

  auto* check = app.add_subcommand("check-config", "validate a config file without touching hardware or network");
  std::string check_path;
  check->add_option("file", check_path, "config file");
  check->add_option("-c,--config", opts.config_path, "config file (same as the positional argument)");

  app.add_subcommand("version", "print version and library versions");

  auto* queue = app.add_subcommand("queue", "inspect the durable queue (safe while the daemon runs)");
  queue->require_subcommand(1);
  queue->add_option("-c,--config", opts.config_path, "config file (for queue.path)")->capture_default_str();
  auto* stats = queue->add_subcommand("stats", "counts per class, bytes, oldest age, drops by reason");
  stats->add_flag("--json", opts.json, "machine-readable output");
  auto* peek = queue->add_subcommand("peek", "show the next messages to be sent");
  peek->add_option("-n", opts.peek_count, "how many")->check(CLI::PositiveNumber);
  auto* purge = queue->add_subcommand("purge", "delete queued messages (all, or one class)");
  std::string cls;
  purge->add_option("--class", cls, "telemetry|log|status|event|inference|alert|alarm|response");

  auto* status = app.add_subcommand("status", "ask the running daemon (D-Bus) how it is: uplink, queue, sources");
  status->add_flag("--json", opts.json, "machine-readable output (the daemon's Status document)");
  status->add_option("--bus", opts.bus, "system (default), session, or a D-Bus address (unix:path=...)");
  auto* tail = app.add_subcommand("tail", "follow what the running daemon publishes, one line per message");
  std::string tail_class;
  std::string tail_topic;
  tail->add_option("--class", tail_class, "only this class: telemetry|log|status|event|inference|alert|alarm|response");
  tail->add_option("--topic", tail_topic, "only topics matching this MQTT filter ('+' one level, '#' the rest)");
  tail->add_flag("--json", opts.json, "one JSON object per line");
  tail->add_option("-n,--count", opts.tail_count, "stop after N messages")->check(CLI::NonNegativeNumber);
  tail->add_option("--seconds", opts.tail_seconds, "stop after N seconds")->check(CLI::NonNegativeNumber);
  tail->add_option("--bus", opts.bus, "system (default), session, or a D-Bus address (unix:path=...)");

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  if (!reversed.empty()) reversed.pop_back();  // program name
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    out << app.help();
    return {std::nullopt, kExitOk};
  } catch (const CLI::CallForAllHelp& e) {
    out << app.help("", CLI::AppFormatMode::All);
    return {std::nullopt, kExitOk};
  } catch (const CLI::ParseError& e) {
    err << "telemetry-gateway: " << e.what() << "\nRun 'telemetry-gateway --help' for usage.\n";
    return {std::nullopt, kExitUsage};
  }
  if (!level.empty()) opts.log_level = level;
  if (*run) {
    opts.command = "run";
  } else if (*check) {
    opts.command = "check-config";
    if (!check_path.empty()) opts.config_path = check_path;
  } else if (*queue) {
    if (*stats) opts.command = "queue-stats";
    if (*peek) opts.command = "queue-peek";
    if (*purge) {
      opts.command = "queue-purge";
      if (!cls.empty()) {
        if (!parseClass(cls)) {
          err << "telemetry-gateway: --class: unknown message class '" << cls
              << "' (telemetry, log, status, event, inference, alert, alarm, response)\n";
          return {std::nullopt, kExitUsage};
        }
        opts.purge_class = cls;
      }
    }
  } else if (*status) {
    opts.command = "status";
  } else if (*tail) {
    opts.command = "tail";
    if (!tail_class.empty()) {
      if (!parseClass(tail_class)) {
        err << "telemetry-gateway: --class: unknown message class '" << tail_class
            << "' (telemetry, log, status, event, inference, alert, alarm, response)\n";
        return {std::nullopt, kExitUsage};
      }
      opts.tail_class = tail_class;
    }
    if (!tail_topic.empty()) opts.tail_topic = tail_topic;
  } else {
    opts.command = "version";
  }
  return {opts, kExitOk};
}

}  // namespace tgw::app
