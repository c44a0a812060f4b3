#include "app/daemon.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include <fmt/format.h>

#include "app/cli.hpp"
#include "tgw/version.hpp"
#include "app/pipeline.hpp"
#include "app/profile_factory.hpp"
#include "app/source_factory.hpp"
#include "core/logging.hpp"
#include "core/sd_event_loop.hpp"
#include "homeassistant/discovery_publisher.hpp"
#include "command/command_engine.hpp"
#include "profiles/bess_profile.hpp"
#include "profiles/dtg_profile.hpp"
#include "service/dbus_service.hpp"
#include "service/notify.hpp"
#include "service/watchdog.hpp"
#include "tgw/config/loader.hpp"

namespace tgw::app {
namespace {

constexpr auto kTickPeriod = std::chrono::milliseconds(100);
constexpr auto kStatusPeriod = std::chrono::seconds(2);
constexpr auto kProgressPeriod = std::chrono::seconds(60);

double residentMb() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double freeMb(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return 0;
  return static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize) / (1024.0 * 1024.0);
}

bool isCanSource(const std::string& type) { return type == "socketcan" || type == "slcan" || type == "candump"; }

service::Notifier& notifier() {
  static service::Notifier n;
  return n;
}

}  // namespace

Daemon::Daemon(config::Config cfg, RunOptions options, EventLoop& loop, const Clock& clock)
    : cfg_(std::move(cfg)), options_(std::move(options)), loop_(loop), clock_(clock), started_(clock.monotonic()) {}

Daemon::~Daemon() {
  if (log_forwarder_) log::removeSink(log_forwarder_);
}

Expected<void> Daemon::start() {
  auto log = log::get("main");
  profiles_ = makeProfiles(cfg_);
  if (cfg_.uplink.type == "stdout") {
    pipeline_ = makeStdoutPipeline();
  } else {
    auto p = makeMqttPipeline(cfg_, loop_, clock_, profiles_);
    if (!p) return tl::unexpected(p.error());
    pipeline_ = std::move(*p);
  }
  pipeline_->setConnectionHandler([this](bool online) {
    if (!online || stopping_) return;
    // dtg sends its full status on every connect.
    std::vector<Message> out;
    const GatewayStats stats = gatewayStats();
    for (auto& p : profiles_) p->onConnected(clock_.now(), stats, out);
    submit(out);
    if (ha_) ha_->onConnected();  // retained discovery after every (re)connect
  });
  for (auto& p : profiles_) {
    if (auto* bess = dynamic_cast<profiles::BessProfile*>(p.get())) {
      log_forwarder_ = bess->logSink();
      log::addSink(log_forwarder_);
    }
  }
  startHomeAssistant();
  setUpCommands();  // before pipeline_->start(): subscribes to the command topics
  if (auto ok = pipeline_->start(); !ok) return ok;
  if (ha_) (void)ha_->apply(cfg_.homeassistant, cfg_.profiles.homesync, false);

  for (const auto& sc : cfg_.sources) {
    auto src = makeSource(sc, clock_);
    if (!src) return tl::unexpected(src.error());
    sources_.push_back(std::move(*src));
  }
  for (auto& s : sources_) {
    if (auto ok = s->start(loop_, *this); !ok) {
      // One broken device must not stop the others: it retries on its own.
      log->error("source '{}' did not start: {}", s->name(), ok.error().message);
    }
  }

  if (commands_) {
    // Answers what a previous run left unfinished (`interrupted`), then takes commands.
    if (auto ok = commands_->start(); !ok) return ok;
    (void)commands_->checkActuators();
  }
  timers_.push_back(loop_.every(kTickPeriod, [this] { tick(); }));
  timers_.push_back(loop_.every(kStatusPeriod, [this] {
    rate_.add(clock_.monotonic(), pipeline_->stats().sent);
    notifier().status(statusLine());
  }));
  timers_.push_back(loop_.every(kProgressPeriod, [this] { logProgress(); }));
  // WATCHDOG=1 only while the pipeline is alive: the loop turns (the ping
  // timer runs in it) and the queue writer commits what is staged.
  watchdog_ = std::make_unique<service::Watchdog>(loop_, notifier());
  watchdog_->addCheck("queue writer", service::Watchdog::progressCheck(
                                          [this] { return pipeline_->stats().uncommitted; },
                                          [this] { return pipeline_->stats().committed_seq; }, clock_,
                                          std::chrono::seconds(10)));
  watchdog_->start();
  dbus_ = std::make_unique<service::DbusService>(loop_, *this, clock_);
  if (auto ok = dbus_->start(); !ok) {
    log->warn("{}; running without the D-Bus API", ok.error().message);
    dbus_.reset();
  }
  signals_.push_back(loop_.onSignal(SIGTERM, [this] {
    log::get("main")->info("SIGTERM: stopping");
    shutdown(kExitOk);
  }));
  signals_.push_back(loop_.onSignal(SIGINT, [this] {
    log::get("main")->info("SIGINT: stopping");
    shutdown(kExitOk);
  }));
  signals_.push_back(loop_.onSignal(SIGHUP, [this] { reload(); }));
  if (options_.seconds > 0) {
    const auto ms = std::chrono::milliseconds(static_cast<std::int64_t>(options_.seconds * 1000));
    timers_.push_back(loop_.after(ms, [this] {
      log::get("main")->info("--seconds {} elapsed: stopping", options_.seconds);
      shutdown(kExitOk);
    }));
  }

  std::string names;
  for (const auto& p : profiles_) names += (names.empty() ? "" : ", ") + std::string(p->name());
  log->info("telemetry-gateway {} running: device {}, profiles [{}], {} source(s), uplink {}", tgw::kVersion,
            cfg_.gateway.device_id, names, sources_.size(), pipeline_->stats().link);
  notifier().status(statusLine());
  notifier().ready();
  return {};
}

void Daemon::onSignals(std::span<const Signal> signals) {
  if (stopping_) return;
  signals_seen_ += signals.size();
  scratch_.clear();
  for (const auto& s : signals) {
    for (auto& p : profiles_) p->onSignal(s, scratch_);
  }
  submit(scratch_);
}

void Daemon::tick() {
  if (stopping_) return;
  scratch_.clear();
  const GatewayStats stats = gatewayStats();
  const WallTime now = clock_.now();
  for (auto& p : profiles_) p->tick(now, stats, scratch_);
  submit(scratch_);
}

void Daemon::submit(std::vector<Message>& messages) {
  for (auto& m : messages) {
    ++produced_;
    if (dbus_) dbus_->notePublished(m);  // `telemetry-gateway tail`
    pipeline_->sink().submit(std::move(m));
  }
  messages.clear();
}

GatewayStats Daemon::gatewayStats() const {
  GatewayStats s;
  s.uptime_s = std::chrono::duration<double>(clock_.monotonic() - started_).count();
  s.memory_usage_mb = residentMb();
  s.storage_available_mb = freeMb(cfg_.gateway.state_dir);
  for (std::size_t i = 0; i < sources_.size() && i < cfg_.sources.size(); ++i) {
    if (isCanSource(cfg_.sources[i].type)) s.can_messages_received += sources_[i]->status().frames;
  }
  if (pipeline_) {
    const auto ps = pipeline_->stats();
    s.mqtt_messages_sent = ps.sent;
    s.offline_queue_size = ps.queued;
  }
  return s;
}

std::string Daemon::statusLine() const {
  if (!pipeline_) return "starting";
  return service::statusLine(snapshot(), rate_.perMinute());
}

service::DaemonSnapshot Daemon::snapshot() const {
  service::DaemonSnapshot snap;
  if (pipeline_) {
    const auto ps = pipeline_->stats();
    snap.connection_state = ps.state;
    snap.connected = ps.connected;
    snap.broker = ps.broker;
    snap.queue_depth = ps.queued;
    snap.oldest_age_ms = ps.oldest_age_ms;
    snap.published = ps.published;
    snap.acked = ps.sent;
    snap.dropped = ps.dropped;
    snap.last_error = ps.last_error;
    snap.queue_bytes = ps.queue_bytes;
    snap.last_ack_ms = ps.last_ack_ms;
    for (std::size_t r = 0; r < ps.drops.size(); ++r) {
      if (ps.drops[r] > 0) {
        snap.drops_by_reason.emplace_back(std::string(dropReasonName(static_cast<DropReason>(r))), ps.drops[r]);
      }
    }
  }
  if (commands_) {
    const auto cs = commands_->stats();
    snap.commands_executed = cs.executed;
    snap.commands_rejected = cs.rejected;
  }
  for (std::size_t i = 0; i < sources_.size() && i < cfg_.sources.size(); ++i) {
    const auto st = sources_[i]->status();
    snap.sources.push_back({std::string(sources_[i]->name()), cfg_.sources[i].type,
                            std::string(sourceStateName(st.state)), st.detail, st.readings, st.errors,
                            st.last_reading_ms});
  }
  return snap;
}

Expected<std::uint64_t> Daemon::publish(MessageClass cls, std::string json) {
  if (stopping_ || !pipeline_) return makeError(Errc::kUnavailable, "the gateway is stopping");
  if (cls != MessageClass::kInference) {
    return makeError(Errc::kUnsupported, fmt::format("class '{}' is not accepted from local applications; "
                                                     "Publish takes 'inference' (dtg profile)",
                                                     className(cls)));
  }
  for (auto& p : profiles_) {
    auto* dtg = dynamic_cast<profiles::DtgProfile*>(p.get());
    if (dtg == nullptr) continue;
    std::vector<Message> out;
    if (auto ok = dtg->submitInference(json, clock_.now(), out); !ok) return tl::unexpected(ok.error());
    std::uint64_t seq = 0;
    for (auto& m : out) {
      ++produced_;
      if (dbus_) dbus_->notePublished(m);
      auto r = pipeline_->submitDurable(std::move(m));
      if (!r) return r;
      seq = *r;
    }
    return seq;
  }
  return makeError(Errc::kUnsupported, "no enabled profile accepts inference messages (enable profiles.dtg)");
}

Expected<void> Daemon::flush() {
  if (!pipeline_) return makeError(Errc::kUnavailable, "not running");
  pipeline_->flush();
  return {};
}

Expected<void> Daemon::reconnect() {
  if (!pipeline_) return makeError(Errc::kUnavailable, "not running");
  if (cfg_.uplink.type == "stdout") return makeError(Errc::kUnsupported, "the stdout uplink has no connection");
  pipeline_->reconnect();
  return {};
}

void Daemon::logProgress() {
  const auto ps = pipeline_->stats();
  log::get("main")->info("progress: {} signals, {} messages made, {} sent, queue {}, dropped {}; {}", signals_seen_,
                         produced_, ps.sent, ps.queued, ps.dropped, ps.link);
  if (commands_) log::get("main")->info("progress: {}", commands_->summary());
}

void Daemon::setUpCommands() {
  if (!cfg_.commands.enabled) return;
  if (cfg_.uplink.type != "mqtt") {
    log::get("command")->warn("commands: need the mqtt uplink (uplink.type is {}); no command is taken", cfg_.uplink.type);
    return;
  }
  commands_ = std::make_unique<command::CommandEngine>(
      cfg_, loop_, clock_, pipeline_->sink(), [this](std::string_view source) -> Actuator* {
        for (auto& s : sources_) {
          if (s && s->name() == source) return s->actuator();
        }
        return nullptr;
      });
  const auto subs = commands_->subscriptions();
  for (std::size_t i = 0; i < subs.size(); ++i) {
    // A topic matching several command filters is handled once (by the first).
    pipeline_->subscribe(subs[i], [this, subs, i](const std::string& topic, const std::string& payload, int qos) {
      for (std::size_t j = 0; j < i; ++j) {
        if (command::topicMatches(subs[j].filter, topic)) return;
      }
      if (commands_ && !stopping_) commands_->onMessage(topic, payload, qos);
    });
  }
}

void Daemon::reload() {
  auto log = log::get("main");
  notifier().reloading();
  config::Diagnostics diag;
  auto fresh = config::loadFile(options_.config_path, diag);
  if (!fresh) {
    log->error("SIGHUP: new configuration rejected, the running one is kept:\n{}", diag.format());
    notifier().reloaded();
    return;
  }
  if (!options_.log_level_overridden) {
    if (auto lvl = log::parseLevel(fresh->logging.level)) log::setLevel(*lvl);
  }
  const auto [kept, started, stopped] = reloadSources(fresh->sources);
  std::string later;
  for (const char* section : {"gateway", "uplink", "queue", "profiles", "commands"}) {
    if (fresh->section_fingerprints[section] != cfg_.section_fingerprints[section]) {
      later += (later.empty() ? "" : ", ") + std::string(section);
    }
  }
  if (!reloadHomeAssistant(*fresh)) later += (later.empty() ? "" : ", ") + std::string("homeassistant");
  cfg_.logging = fresh->logging;
  cfg_.section_fingerprints["logging"] = fresh->section_fingerprints["logging"];
  cfg_.section_fingerprints["sources"] = fresh->section_fingerprints["sources"];
  log->info("SIGHUP: configuration {} reloaded: logging applied; sources: {} kept, {} (re)started, {} stopped; "
            "the MQTT session is kept",
            options_.config_path, kept, started, stopped);
  if (!later.empty()) {
    log->warn("SIGHUP: changes in {} take effect at the next restart (systemctl restart telemetry-gateway)", later);
  }
  notifier().reloaded();
}

Daemon::SourceChanges Daemon::reloadSources(const std::vector<config::SourceConfig>& fresh) {
  SourceChanges changes;
  std::vector<std::unique_ptr<Source>> next;
  std::vector<config::SourceConfig> next_cfg;
  std::vector<bool> reused(sources_.size(), false);
  for (const auto& sc : fresh) {
    std::unique_ptr<Source> src;
    for (std::size_t i = 0; i < sources_.size(); ++i) {
      if (!reused[i] && sources_[i] && cfg_.sources[i].name == sc.name &&
          cfg_.sources[i].fingerprint == sc.fingerprint) {
        src = std::move(sources_[i]);  // unchanged: keeps running, undisturbed
        reused[i] = true;
        ++changes.kept;
        break;
      }
    }
    if (!src) {
      for (std::size_t i = 0; i < sources_.size(); ++i) {
        if (!reused[i] && sources_[i] && cfg_.sources[i].name == sc.name) {
          sources_[i]->stop();  // changed: replaced below
          sources_[i].reset();
          reused[i] = true;
        }
      }
      auto made = makeSource(sc, clock_);
      if (!made) {
        log::get("main")->error("SIGHUP: source '{}' not started: {}", sc.name, made.error().message);
        continue;
      }
      src = std::move(*made);
      if (auto ok = src->start(loop_, *this); !ok) {
        log::get("main")->error("SIGHUP: source '{}' did not start: {}", sc.name, ok.error().message);
      }
      log::get("main")->info("SIGHUP: source '{}' ({}) started", sc.name, sc.type);
      ++changes.started;
    }
    next.push_back(std::move(src));
    next_cfg.push_back(sc);
  }
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    if (!reused[i] && sources_[i]) {
      log::get("main")->info("SIGHUP: source '{}' removed from the config: stopped", sources_[i]->name());
      sources_[i]->stop();
      ++changes.stopped;
    }
  }
  sources_ = std::move(next);
  cfg_.sources = std::move(next_cfg);
  return changes;
}

void Daemon::startHomeAssistant() {
  const std::string state = cfg_.gateway.state_dir + "/homeassistant-discovery.json";
  // Also when disabled, if entities were published before: they are removed.
  if (!cfg_.homeassistant.enabled && !homeassistant::DiscoveryPublisher::hasPublished(state)) return;
  if (cfg_.homeassistant.enabled && !cfg_.profiles.homesync.enabled) {
    log::get("homeassistant")->warn("homeassistant.enabled is set but profiles.homesync is not: nothing to announce");
  }
  ha_ = std::make_unique<homeassistant::DiscoveryPublisher>(state, clock_, [this](Message m) {
    std::vector<Message> one;
    one.push_back(std::move(m));
    submit(one);
  });
  if (cfg_.homeassistant.enabled) {
    pipeline_->subscribe({cfg_.homeassistant.status_topic, 1},
                         [this](const std::string& /*topic*/, const std::string& payload, int /*qos*/) {
                           if (ha_ && !stopping_) ha_->onStatus(payload);
                         });
  }
}

bool Daemon::reloadHomeAssistant(const config::Config& fresh) {
  auto& fp = cfg_.section_fingerprints;
  if (fresh.section_fingerprints.count("homeassistant") == fp.count("homeassistant") &&
      (fp.count("homeassistant") == 0 || fresh.section_fingerprints.at("homeassistant") == fp["homeassistant"])) {
    return true;
  }
  // The status topic subscription is made at start: a new one needs a restart.
  const bool subscribed = cfg_.homeassistant.enabled;
  if (!ha_ || (fresh.homeassistant.enabled && (!subscribed || fresh.homeassistant.status_topic !=
                                                                    cfg_.homeassistant.status_topic))) {
    return false;
  }
  (void)ha_->apply(fresh.homeassistant, cfg_.profiles.homesync, pipeline_ && pipeline_->stats().connected);
  cfg_.homeassistant = fresh.homeassistant;
  if (fresh.section_fingerprints.count("homeassistant") != 0) {
    fp["homeassistant"] = fresh.section_fingerprints.at("homeassistant");
  } else {
    fp.erase("homeassistant");
  }
  log::get("main")->info("SIGHUP: homeassistant section applied");
  return true;
}

void Daemon::shutdown(int exit_code) {
  if (stopping_) {
    log::get("main")->info("already stopping");
    return;
  }
  stopping_ = true;
  notifier().stopping();
  if (watchdog_) watchdog_->stop();
  dbus_.reset();
  auto log = log::get("main");
  for (auto& s : sources_) s->stop();
  timers_.clear();
  if (commands_) commands_->stop();  // outcomes still pending: `interrupted` at the next start
  if (pipeline_) pipeline_->stop();
  if (log_forwarder_) {
    log::removeSink(log_forwarder_);
    log_forwarder_.reset();
  }
  logProgress();
  log->info("stopped cleanly");
  loop_.requestStop(exit_code);
}

int runDaemon(const config::Config& cfg, const RunOptions& options) {
  auto loop = core::makeSdEventLoop();
  if (!loop) {
    log::get("main")->critical("cannot create the event loop: {}", loop.error().message);
    return kExitFailure;
  }
  Daemon daemon(cfg, options, **loop, SystemClock::instance());
  if (auto ok = daemon.start(); !ok) {
    log::get("main")->critical("{}", ok.error().message);
    daemon.shutdown(kExitFailure);
    return kExitFailure;
  }
  auto code = (*loop)->run();
  if (!code) {
    log::get("main")->critical("event loop failed: {}", code.error().message);
    return kExitFailure;
  }
  return *code;
}

}  // namespace tgw::app
