#include "service/dbus_service.hpp"

#include <fmt/format.h>
#include <systemd/sd-bus.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "core/logging.hpp"
#include "service/status_report.hpp"
#include "tgw/version.hpp"

namespace tgw::service {
namespace {

// A snapshot is reused by property reads for this long (GetAll reads every
// property; the daemon's stats are not free to compute).
constexpr auto kSnapshotMaxAge = std::chrono::milliseconds(250);

std::string errorName(std::string_view suffix) {
  return std::string(kDbusErrorPrefix) + std::string(suffix);
}

int setError(sd_bus_error* err, std::string_view suffix, const std::string& message) {
  const std::string name = errorName(suffix);
  const int r = sd_bus_error_set(err, name.c_str(), message.c_str());
  return r < 0 ? r : -EIO;
}

std::string_view errorSuffix(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
    case Errc::kParse:
      return "InvalidArgument";
    case Errc::kUnsupported:
      return "NotSupported";
    case Errc::kFull:
      return "QueueFull";
    case Errc::kUnavailable:
    case Errc::kBusy:
    case Errc::kTimeout:
      return "Unavailable";
    default:
      return "Failed";
  }
}

}  // namespace

// The sd-bus C callbacks: noexcept, nothing thrown across them.
struct DbusService::Handlers {
  static int getProperty(sd_bus* /*bus*/, const char* /*path*/, const char* /*iface*/, const char* property,
                         sd_bus_message* reply, void* userdata, sd_bus_error* err) noexcept {
    try {
      auto* self = static_cast<DbusService*>(userdata);
      const std::string_view p(property);
      if (p == "Version") return sd_bus_message_append(reply, "s", tgw::kVersion);
      if (p == "CallsAccepted") return sd_bus_message_append(reply, "t", self->counters_.accepted);
      if (p == "CallsRejected") return sd_bus_message_append(reply, "t", self->counters_.rejected());
      if (p == "Status") return sd_bus_message_append(reply, "s", self->statusJson().c_str());
      const DaemonSnapshot& s = self->current();
      if (p == "Connected") return sd_bus_message_append(reply, "b", static_cast<int>(s.connected));
      if (p == "ConnectionState") return sd_bus_message_append(reply, "s", s.connection_state.c_str());
      if (p == "Broker") return sd_bus_message_append(reply, "s", s.broker.c_str());
      if (p == "QueueDepth") return sd_bus_message_append(reply, "t", s.queue_depth);
      if (p == "OldestQueuedAgeMs") {
        return sd_bus_message_append(reply, "t",
                                     static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.oldest_age_ms)));
      }
      if (p == "Published") return sd_bus_message_append(reply, "t", s.published);
      if (p == "Acked") return sd_bus_message_append(reply, "t", s.acked);
      if (p == "Dropped") return sd_bus_message_append(reply, "t", s.dropped);
      if (p == "LastError") return sd_bus_message_append(reply, "s", s.last_error.c_str());
      if (p == "Sources") {
        int r = sd_bus_message_open_container(reply, 'a', "(sssstt)");
        for (const auto& src : s.sources) {
          if (r < 0) return r;
          r = sd_bus_message_append(reply, "(sssstt)", src.name.c_str(), src.type.c_str(), src.state.c_str(),
                                    src.detail.c_str(), src.readings, src.errors);
        }
        if (r < 0) return r;
        return sd_bus_message_close_container(reply);
      }
      return sd_bus_error_setf(err, SD_BUS_ERROR_UNKNOWN_PROPERTY, "unknown property %s", property);
    } catch (const std::exception& e) {
      return setError(err, "Failed", fmt::format("internal error reading {}: {}", property, e.what()));
    }
  }

  static int publish(sd_bus_message* m, void* userdata, sd_bus_error* err) noexcept {
    try {
      auto* self = static_cast<DbusService*>(userdata);
      const char* cls_name = nullptr;
      const char* json = nullptr;
      const int r = sd_bus_message_read(m, "ss", &cls_name, &json);
      if (r < 0) return r;
      const char* sender_c = sd_bus_message_get_sender(m);
      const std::string sender = sender_c != nullptr ? sender_c : "?";
      auto log = log::get("dbus");

      if (!self->allowPublish()) {
        ++self->counters_.rate_limited;
        log->warn("D-Bus Publish from {} rejected: rate limit exceeded", sender);
        return setError(err, "RateLimited",
                        fmt::format("Publish: more than {} calls/s (burst {}); slow down and retry later",
                                    self->options_.publish_rate_per_s, self->options_.publish_burst));
      }
      const std::string_view payload(json);
      if (payload.size() > self->options_.max_payload_bytes) {
        ++self->counters_.too_large;
        log->warn("D-Bus Publish from {} rejected: {} bytes", sender, payload.size());
        return setError(err, "TooLarge",
                        fmt::format("Publish: payload is {} bytes, the limit is {} bytes", payload.size(),
                                    self->options_.max_payload_bytes));
      }
      const auto cls = parseClass(cls_name);
      if (!cls) {
        ++self->counters_.unknown_class;
        log->warn("D-Bus Publish from {} rejected: unknown class '{}'", sender, cls_name);
        return setError(err, "UnknownClass",
                        fmt::format("Publish: unknown message class '{}' (expected one of: telemetry, log, status, "
                                    "event, inference, alert, alarm, response)",
                                    cls_name));
      }
      std::string problem;
      try {
        const auto parsed = nlohmann::json::parse(payload);
        if (!parsed.is_object()) problem = fmt::format("expected a JSON object, got a {}", parsed.type_name());
      } catch (const nlohmann::json::exception& e) {
        problem = e.what();
      }
      if (!problem.empty()) {
        ++self->counters_.invalid_json;
        log->warn("D-Bus Publish from {} rejected: invalid JSON: {}", sender, problem);
        return setError(err, "InvalidJson", fmt::format("Publish: the payload is not valid JSON: {}", problem));
      }
      auto seq = self->control_.publish(*cls, std::string(payload));
      if (!seq) {
        ++self->counters_.failed;
        log->warn("D-Bus Publish from {} ({}) refused: {}", sender, cls_name, seq.error().message);
        return setError(err, errorSuffix(seq.error().code), "Publish: " + seq.error().message);
      }
      ++self->counters_.accepted;
      log->debug("D-Bus Publish from {}: {} message, seq {}", sender, cls_name, *seq);
      return sd_bus_reply_method_return(m, "t", static_cast<std::uint64_t>(*seq));
    } catch (const std::exception& e) {
      return setError(err, "Failed", fmt::format("Publish: internal error: {}", e.what()));
    }
  }

  template <class Fn>
  static int simpleCall(sd_bus_message* m, void* userdata, sd_bus_error* err, const char* name, Fn fn) noexcept {
    try {
      auto* self = static_cast<DbusService*>(userdata);
      const char* sender = sd_bus_message_get_sender(m);
      auto result = fn(self->control_);
      if (!result) {
        ++self->counters_.failed;
        log::get("dbus")->warn("D-Bus {} from {} failed: {}", name, sender != nullptr ? sender : "?",
                               result.error().message);
        return setError(err, errorSuffix(result.error().code), fmt::format("{}: {}", name, result.error().message));
      }
      ++self->counters_.accepted;
      log::get("dbus")->info("D-Bus {} requested by {}", name, sender != nullptr ? sender : "?");
      return sd_bus_reply_method_return(m, "");
    } catch (const std::exception& e) {
      return setError(err, "Failed", fmt::format("{}: internal error: {}", name, e.what()));
    }
  }

  static int flush(sd_bus_message* m, void* userdata, sd_bus_error* err) noexcept {
    return simpleCall(m, userdata, err, "Flush", [](DaemonControl& c) { return c.flush(); });
  }
  static int reconnect(sd_bus_message* m, void* userdata, sd_bus_error* err) noexcept {
    return simpleCall(m, userdata, err, "Reconnect", [](DaemonControl& c) { return c.reconnect(); });
  }
};

namespace {

constexpr auto kEmits = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
using H = DbusService::Handlers;

const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0), SD_BUS_PROPERTY("Version", "s", H::getProperty, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Connected", "b", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("ConnectionState", "s", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("Broker", "s", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("QueueDepth", "t", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("OldestQueuedAgeMs", "t", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("Published", "t", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("Acked", "t", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("Dropped", "t", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("LastError", "s", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("Sources", "a(sssstt)", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("CallsAccepted", "t", H::getProperty, 0, kEmits),
    SD_BUS_PROPERTY("CallsRejected", "t", H::getProperty, 0, kEmits),
    // Computed on every read (ages change continuously): no PropertiesChanged.
    SD_BUS_PROPERTY("Status", "s", H::getProperty, 0, SD_BUS_VTABLE_PROPERTY_EXPLICIT),
    SD_BUS_SIGNAL_WITH_NAMES("Published", "ssybusxt",
                             SD_BUS_PARAM(class) SD_BUS_PARAM(topic) SD_BUS_PARAM(qos) SD_BUS_PARAM(retain)
                                 SD_BUS_PARAM(size) SD_BUS_PARAM(payload) SD_BUS_PARAM(time_ms) SD_BUS_PARAM(skipped),
                             0),
    SD_BUS_METHOD_WITH_ARGS("Publish", SD_BUS_ARGS("s", class, "s", json), SD_BUS_RESULT("t", seq), H::publish,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Flush", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, H::flush, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Reconnect", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, H::reconnect, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END};

}  // namespace

DbusService::DbusService(EventLoop& loop, DaemonControl& control, const Clock& clock, DbusOptions options)
    : loop_(loop),
      control_(control),
      clock_(clock),
      options_(std::move(options)),
      bus_(loop),
      publish_bucket_(options_.publish_rate_per_s, options_.publish_burst, clock.monotonic()),
      signal_bucket_(options_.published_rate_per_s, options_.published_burst, clock.monotonic()),
      started_at_(clock.monotonic()),
      recent_log_(std::make_shared<RecentLogSink>()) {
  log::addSink(recent_log_);
}

DbusService::~DbusService() {
  stop();
  log::removeSink(recent_log_);
}

Expected<void> DbusService::start() {
  stop();
  if (auto ok = bus_.open(options_.address); !ok) return ok;
  int r = sd_bus_add_object_vtable(bus_.bus(), &vtable_slot_, kDbusPath, kDbusInterface, kVtable, this);
  if (r < 0) {
    stop();
    return makeError(Errc::kInternal, fmt::format("D-Bus: cannot export {}: {}", kDbusPath, std::strerror(-r)));
  }
  r = sd_bus_request_name(bus_.bus(), kDbusName, 0);
  if (r < 0) {
    const std::string where = bus_.description();
    stop();
    if (r == -EEXIST) {
      return makeError(Errc::kBusy, fmt::format("D-Bus: {} is already owned on the {} (another telemetry-gateway "
                                                "running?)",
                                                kDbusName, where));
    }
    return makeError(r == -EACCES || r == -EPERM ? Errc::kPermission : Errc::kUnavailable,
                     fmt::format("D-Bus: cannot own {} on the {}: {}; the policy "
                                 "/usr/share/dbus-1/system.d/{}.conf lets only root and user telemetry-gateway own it",
                                 kDbusName, where, std::strerror(-r), kDbusName));
  }
  bus_.setOnLost([this](const std::string& reason) { scheduleRetry(reason); });
  have_snapshot_ = false;
  snapshot_ = control_.snapshot();
  snapshot_at_ = clock_.monotonic();
  have_snapshot_ = true;
  trackSources(snapshot_);
  emitted_ = snapshot_;
  emitted_counters_ = counters_;
  refresh_timer_ = loop_.every(options_.refresh_period, [this] { refresh(); });
  bus_.kick();
  log::get("dbus")->info("D-Bus API on the {}: {} {}", bus_.description(), kDbusName, kDbusPath);
  return {};
}

void DbusService::stop() {
  refresh_timer_.reset();
  retry_timer_.reset();
  if (vtable_slot_ != nullptr) vtable_slot_ = sd_bus_slot_unref(vtable_slot_);
  bus_.setOnLost(nullptr);
  bus_.close();
}

void DbusService::scheduleRetry(const std::string& reason) {
  log::get("dbus")->warn("{}; retrying in {} s", reason, options_.retry_period.count() / 1000);
  refresh_timer_.reset();
  if (vtable_slot_ != nullptr) vtable_slot_ = sd_bus_slot_unref(vtable_slot_);
  retry_timer_ = loop_.after(options_.retry_period, [this] {
    if (auto ok = start(); !ok) scheduleRetry(ok.error().message);
  });
}

const DaemonSnapshot& DbusService::current() {
  const MonoTime now = clock_.monotonic();
  if (!have_snapshot_ || now - snapshot_at_ > kSnapshotMaxAge) {
    snapshot_ = control_.snapshot();
    snapshot_at_ = now;
    have_snapshot_ = true;
    trackSources(snapshot_);
  }
  return snapshot_;
}

void DbusService::trackSources(const DaemonSnapshot& snapshot) {
  const std::int64_t now_ms = toUnixMs(clock_.now());
  std::map<std::string, std::pair<std::string, std::int64_t>> next;
  for (const auto& src : snapshot.sources) {
    const auto it = source_since_.find(src.name);
    if (it != source_since_.end() && it->second.first == src.state) {
      next[src.name] = it->second;
    } else {
      next[src.name] = {src.state, now_ms};
    }
  }
  source_since_ = std::move(next);
}

std::string DbusService::statusJson() {
  // Always fresh: `status` is asked rarely and should show the present.
  snapshot_ = control_.snapshot();
  snapshot_at_ = clock_.monotonic();
  have_snapshot_ = true;
  trackSources(snapshot_);
  StatusExtras x;
  x.version = tgw::kVersion;
  x.now_ms = toUnixMs(clock_.now());
  x.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.monotonic() - started_at_).count();
  for (const auto& [name, since] : source_since_) x.source_since_ms[name] = since.second;
  x.calls_accepted = counters_.accepted;
  x.calls_rejected = counters_.rejected();
  x.tail_signals = signals_sent_;
  x.tail_suppressed = signals_skipped_;
  x.recent = recent_log_->lines();
  return service::statusJson(snapshot_, x).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void DbusService::notePublished(const Message& message) {
  if (!bus_.isOpen() || vtable_slot_ == nullptr) return;
  if (!signal_bucket_.take(clock_.monotonic())) {
    ++skipped_pending_;
    ++signals_skipped_;
    return;
  }
  const std::string payload = abbreviate(message.payload, options_.published_payload_bytes);
  const std::int64_t time_ms = message.created_ms > 0 ? message.created_ms : toUnixMs(clock_.now());
  const std::string cls(className(message.cls));
  const int r = sd_bus_emit_signal(bus_.bus(), kDbusPath, kDbusInterface, "Published", "ssybusxt", cls.c_str(),
                                   message.topic.c_str(), static_cast<std::uint8_t>(message.qos),
                                   static_cast<int>(message.retain), static_cast<std::uint32_t>(message.payload.size()),
                                   payload.c_str(), static_cast<std::int64_t>(time_ms), skipped_pending_);
  if (r < 0) {
    ++signals_skipped_;
    ++skipped_pending_;
    return;
  }
  ++signals_sent_;
  skipped_pending_ = 0;
  bus_.kick();
}

void DbusService::refresh() {
  if (!bus_.isOpen()) return;
  snapshot_ = control_.snapshot();
  snapshot_at_ = clock_.monotonic();
  have_snapshot_ = true;
  trackSources(snapshot_);
  const DaemonSnapshot& a = emitted_;
  const DaemonSnapshot& b = snapshot_;
  std::vector<const char*> names;
  if (a.connected != b.connected) names.push_back("Connected");
  if (a.connection_state != b.connection_state) names.push_back("ConnectionState");
  if (a.broker != b.broker) names.push_back("Broker");
  if (a.queue_depth != b.queue_depth) names.push_back("QueueDepth");
  if (a.oldest_age_ms != b.oldest_age_ms) names.push_back("OldestQueuedAgeMs");
  if (a.published != b.published) names.push_back("Published");
  if (a.acked != b.acked) names.push_back("Acked");
  if (a.dropped != b.dropped) names.push_back("Dropped");
  if (a.last_error != b.last_error) names.push_back("LastError");
  if (a.sources != b.sources) names.push_back("Sources");
  if (counters_.accepted != emitted_counters_.accepted) names.push_back("CallsAccepted");
  if (counters_.rejected() != emitted_counters_.rejected()) names.push_back("CallsRejected");
  emitted_ = snapshot_;
  emitted_counters_ = counters_;
  if (names.empty()) return;
  names.push_back(nullptr);
  const int r =
      sd_bus_emit_properties_changed_strv(bus_.bus(), kDbusPath, kDbusInterface, const_cast<char**>(names.data()));
  if (r < 0) log::get("dbus")->warn("D-Bus: PropertiesChanged not sent: {}", std::strerror(-r));
  bus_.kick();
}

bool DbusService::allowPublish() {
  return publish_bucket_.take(clock_.monotonic());
}

}  // namespace tgw::service
