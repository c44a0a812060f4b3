// The `run` command: builds the pipeline from the config (the composition
// root) and runs it on the event loop until SIGTERM/SIGINT or --seconds.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <spdlog/common.h>

#include "service/status_line.hpp"
#include "tgw/config/config.hpp"
#include "tgw/service/daemon_control.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/profile/profile.hpp"
#include "tgw/source/source.hpp"
#include "tgw/uplink/sink.hpp"

namespace tgw::app {

struct RunOptions {
  std::string config_path;
  double seconds = 0;  // stop after N seconds (0 = run until signalled)
  bool log_level_overridden = false;
};

class Pipeline;
}  // namespace tgw::app
namespace tgw::homeassistant {
class DiscoveryPublisher;
}  // namespace tgw::homeassistant
namespace tgw::command {
class CommandEngine;
}  // namespace tgw::command
namespace tgw::service {
class DbusService;
class Watchdog;
}  // namespace tgw::service
namespace tgw::app {

class Daemon final : public SignalSink, public service::DaemonControl {
 public:
  Daemon(config::Config cfg, RunOptions options, EventLoop& loop, const Clock& clock);
  ~Daemon() override;
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the queue, starts the uplink and the sources. Exit code on failure.
  Expected<void> start();
  // The ordered shutdown (idempotent): sources → profiles → queue commit →
  // uplink offline status + DISCONNECT → queue close. Then stops the loop.
  void shutdown(int exit_code);
  // SIGHUP: re-read and validate the config; a bad config is rejected and
  // the running one kept. Logging and sources are applied (unchanged sources
  // and the MQTT session are not disturbed); changes to gateway, uplink,
  // queue or profiles are reported as needing a restart.
  void reload();

  void onSignals(std::span<const Signal> signals) override;

  // DaemonControl (D-Bus API); loop thread.
  [[nodiscard]] service::DaemonSnapshot snapshot() const override;
  Expected<std::uint64_t> publish(MessageClass cls, std::string json) override;
  Expected<void> flush() override;
  Expected<void> reconnect() override;

  [[nodiscard]] GatewayStats gatewayStats() const;
  [[nodiscard]] std::string statusLine() const;  // one line for STATUS= and the log

 private:
  void tick();
  void submit(std::vector<Message>& messages);
  void logProgress();
  struct SourceChanges {
    int kept = 0;
    int started = 0;
    int stopped = 0;
  };
  // Keep unchanged sources running, restart changed ones, start new ones,
  // stop removed ones.
  SourceChanges reloadSources(const std::vector<config::SourceConfig>& fresh);
  // Downlink commands (commands: section): engine + subscriptions, before pipeline_->start().
  void setUpCommands();
  void startHomeAssistant();  // before pipeline_->start(): subscribes to HA's status topic
  // SIGHUP: apply a changed homeassistant: section; false = needs a restart.
  bool reloadHomeAssistant(const config::Config& fresh);

  config::Config cfg_;
  RunOptions options_;
  EventLoop& loop_;
  const Clock& clock_;
  MonoTime started_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::unique_ptr<Profile>> profiles_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<command::CommandEngine> commands_;  // after pipeline_: destroyed before its sink
  std::vector<Registration> timers_;
  std::vector<Registration> signals_;
  std::vector<Message> scratch_;
  spdlog::sink_ptr log_forwarder_;  // bess/logs/... (owned by the bess profile)
  std::uint64_t produced_ = 0;
  std::uint64_t signals_seen_ = 0;
  bool stopping_ = false;
  service::RateMeter rate_;
  std::unique_ptr<service::Watchdog> watchdog_;
  std::unique_ptr<homeassistant::DiscoveryPublisher> ha_;  // Home Assistant discovery (optional)
  std::unique_ptr<service::DbusService> dbus_;  // last: goes first
};

// The `run` command. Returns the process exit code.
int runDaemon(const config::Config& cfg, const RunOptions& options);

}  // namespace tgw::app
