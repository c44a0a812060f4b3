#include "service/gateway_client.hpp"

#include <fmt/format.h>
#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "service/dbus_service.hpp"
#include "service/topic_filter.hpp"

namespace tgw::service {
namespace {

// RAII for the client's handles.
struct BusRef {
  sd_bus* bus = nullptr;
  // No flush: a client has nothing left to say, and flushing to a bus that
  // does not read would block.
  ~BusRef() {
    if (bus != nullptr) sd_bus_close_unref(bus);
  }
};
struct ErrorRef {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  ~ErrorRef() { sd_bus_error_free(&error); }
};
struct MessageRef {
  sd_bus_message* m = nullptr;
  ~MessageRef() { sd_bus_message_unref(m); }
};
struct SlotRef {
  sd_bus_slot* slot = nullptr;
  ~SlotRef() { sd_bus_slot_unref(slot); }
};

std::string busName(const ClientOptions& o) {
  if (o.bus == "system") {
    const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
    return env != nullptr ? fmt::format("system bus ({})", env) : "system bus";
  }
  if (o.bus == "session") return "session bus";
  return "bus " + o.bus;
}

// The D-Bus address for --bus system|session|<address>.
std::string busAddress(const ClientOptions& o) {
  if (o.bus == "system") {
    const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
    return env != nullptr && *env != '\0' ? env : "unix:path=/run/dbus/system_bus_socket";
  }
  if (o.bus == "session") {
    const char* env = std::getenv("DBUS_SESSION_BUS_ADDRESS");
    if (env != nullptr && *env != '\0') return env;
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    return runtime != nullptr ? fmt::format("unix:path={}/bus", runtime) : std::string();
  }
  return o.bus;
}

Expected<void> connect(const ClientOptions& o, BusRef& ref) {
  const std::string address = busAddress(o);
  if (address.empty()) {
    return makeError(Errc::kUnavailable,
                     "cannot find the session bus: neither DBUS_SESSION_BUS_ADDRESS nor "
                     "XDG_RUNTIME_DIR is set");
  }
  // The timeout is set before the connection starts so that it bounds the
  // authentication and Hello too (a hung bus daemon must not hang us).
  int r = sd_bus_new(&ref.bus);
  if (r >= 0) r = sd_bus_set_method_call_timeout(ref.bus, static_cast<std::uint64_t>(o.timeout.count()) * 1000U);
  if (r >= 0) r = sd_bus_set_address(ref.bus, address.c_str());
  if (r >= 0) r = sd_bus_set_bus_client(ref.bus, 1);
  if (r >= 0) r = sd_bus_start(ref.bus);
  if (r < 0) {
    const Errc code = r == -EACCES || r == -EPERM ? Errc::kPermission : Errc::kUnavailable;
    return makeError(code, fmt::format("cannot connect to the {}: {}{}", busName(o), std::strerror(-r),
                                       code == Errc::kPermission ? "" : " (is dbus running? is the address right?)"));
  }
  // sd-bus waits up to 90 s for the authentication of a bus that does not
  // answer: drive it here, bounded by our own timeout.
  const auto deadline = std::chrono::steady_clock::now() + o.timeout;
  while ((r = sd_bus_is_ready(ref.bus)) == 0) {
    r = sd_bus_process(ref.bus, nullptr);
    if (r < 0) break;
    if (r > 0) continue;
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return makeError(Errc::kTimeout, fmt::format("no answer within {} ms from the {} (is dbus stuck? systemctl "
                                                   "status dbus)",
                                                   o.timeout.count(), busName(o)));
    }
    r = sd_bus_wait(ref.bus, static_cast<std::uint64_t>(left.count()));
    if (r < 0 && r != -EINTR) break;
  }
  if (r < 0) {
    const Errc code = r == -EACCES || r == -EPERM ? Errc::kPermission : Errc::kUnavailable;
    return makeError(code, fmt::format("cannot connect to the {}: {}", busName(o), std::strerror(-r)));
  }
  return {};
}

// A failed call, in plain words.
Error callError(const ClientOptions& o, int r, const sd_bus_error& e, std::string_view what) {
  const std::string name = e.name != nullptr ? e.name : "";
  const std::string detail = e.message != nullptr ? e.message : std::strerror(-r);
  if (name == SD_BUS_ERROR_SERVICE_UNKNOWN || name == SD_BUS_ERROR_NAME_HAS_NO_OWNER) {
    return Error{Errc::kUnavailable, fmt::format("telemetry-gateway is not running: nobody owns {} on the {} "
                                                 "(check: systemctl status telemetry-gateway)",
                                                 kDbusName, busName(o))};
  }
  if (name == SD_BUS_ERROR_ACCESS_DENIED || r == -EACCES || r == -EPERM) {
    return Error{Errc::kPermission, fmt::format("{}: the D-Bus policy does not allow it for this user ({}); "
                                                "see /usr/share/dbus-1/system.d/{}.conf",
                                                what, detail, kDbusName)};
  }
  if (name == SD_BUS_ERROR_NO_REPLY || name == SD_BUS_ERROR_TIMEOUT || r == -ETIMEDOUT) {
    return Error{Errc::kTimeout, fmt::format("{}: no answer within {} ms from the {} or the daemon (is one of them "
                                             "stuck? see journalctl -u telemetry-gateway, systemctl status dbus)",
                                             what, o.timeout.count(), busName(o))};
  }
  if (name == SD_BUS_ERROR_UNKNOWN_PROPERTY || name == SD_BUS_ERROR_UNKNOWN_METHOD ||
      name == SD_BUS_ERROR_UNKNOWN_INTERFACE || name == SD_BUS_ERROR_INVALID_ARGS) {
    return Error{Errc::kUnsupported, fmt::format("{}: the running daemon does not offer it ({}); was it upgraded "
                                                 "without a restart?",
                                                 what, detail)};
  }
  return Error{Errc::kUnavailable, fmt::format("{}: {}", what, detail)};
}

Expected<void> requireDaemon(const ClientOptions& o, sd_bus* bus) {
  ErrorRef err;
  MessageRef reply;
  const int r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                   "NameHasOwner", &err.error, &reply.m, "s", kDbusName);
  if (r < 0) return tl::unexpected(callError(o, r, err.error, "asking the bus for the daemon"));
  int has = 0;
  if (sd_bus_message_read(reply.m, "b", &has) < 0 || has == 0) {
    sd_bus_error_set(&err.error, SD_BUS_ERROR_NAME_HAS_NO_OWNER, "no owner");
    return tl::unexpected(callError(o, -ENXIO, err.error, ""));
  }
  return {};
}

struct Follow {
  const TailFilter* filter = nullptr;
  const std::function<bool(const PublishedEvent&)>* on_event = nullptr;
  const std::function<void(const std::string&)>* on_note = nullptr;
  std::uint64_t max_events = 0;
  std::uint64_t delivered = 0;
  std::uint64_t skipped_filtered = 0;  // skipped counts carried by messages the filter dropped
  bool done = false;
};

int onPublished(sd_bus_message* m, void* userdata, sd_bus_error* /*err*/) noexcept {
  auto* f = static_cast<Follow*>(userdata);
  try {
    const char* cls = nullptr;
    const char* topic = nullptr;
    std::uint8_t qos = 0;
    int retain = 0;
    std::uint32_t size = 0;
    const char* payload = nullptr;
    std::int64_t time_ms = 0;
    std::uint64_t skipped = 0;
    if (sd_bus_message_read(m, "ssybusxt", &cls, &topic, &qos, &retain, &size, &payload, &time_ms, &skipped) < 0) {
      return 0;  // a different signature: not ours to show
    }
    PublishedEvent e{cls, topic, qos, retain != 0, size, payload, time_ms, skipped};
    f->skipped_filtered += e.skipped;
    if (f->filter->cls && *f->filter->cls != e.cls) return 0;
    if (f->filter->topic && !topicMatches(*f->filter->topic, e.topic)) return 0;
    // Rate-limit gaps are only known overall, not per filter: report them all.
    e.skipped = f->skipped_filtered;
    f->skipped_filtered = 0;
    if (!(*f->on_event)(e)) f->done = true;
    if (f->max_events > 0 && ++f->delivered >= f->max_events) f->done = true;
  } catch (const std::exception&) {
    f->done = true;
  }
  return 0;
}

int onOwnerChanged(sd_bus_message* m, void* userdata, sd_bus_error* /*err*/) noexcept {
  auto* f = static_cast<Follow*>(userdata);
  try {
    const char* name = nullptr;
    const char* old_owner = nullptr;
    const char* new_owner = nullptr;
    if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0) return 0;
    if (std::string_view(name) != kDbusName) return 0;
    if (new_owner != nullptr && *new_owner != '\0') {
      (*f->on_note)("telemetry-gateway is back on the bus; following again");
    } else {
      (*f->on_note)("telemetry-gateway left the bus (stopped or restarting); waiting for it");
    }
  } catch (const std::exception&) {
  }
  return 0;
}

}  // namespace

Expected<nlohmann::json> fetchStatus(const ClientOptions& options) {
  BusRef bus;
  if (auto ok = connect(options, bus); !ok) return tl::unexpected(ok.error());
  ErrorRef err;
  char* text = nullptr;
  const int r = sd_bus_get_property_string(bus.bus, kDbusName, kDbusPath, kDbusInterface, "Status", &err.error, &text);
  if (r < 0) return tl::unexpected(callError(options, r, err.error, "reading the daemon's status"));
  const std::string json(text);
  std::free(text);  // NOLINT(cppcoreguidelines-no-malloc): sd-bus allocates with malloc
  try {
    auto doc = nlohmann::json::parse(json);
    if (!doc.is_object()) return makeError(Errc::kParse, "the daemon's Status is not a JSON object");
    return doc;
  } catch (const nlohmann::json::exception& e) {
    return makeError(Errc::kParse, fmt::format("the daemon's Status is not valid JSON: {}", e.what()));
  }
}

Expected<void> followPublished(const ClientOptions& options, const TailFilter& filter,
                               const std::function<bool(const PublishedEvent&)>& on_event,
                               const std::function<void(const std::string&)>& on_note, std::uint64_t max_events,
                               std::chrono::milliseconds duration) {
  if (filter.topic) {
    if (auto problem = checkTopicFilter(*filter.topic))
      return makeError(Errc::kInvalidArgument, "--topic: " + *problem);
  }
  BusRef bus;
  if (auto ok = connect(options, bus); !ok) return ok;
  if (auto ok = requireDaemon(options, bus.bus); !ok) return ok;

  Follow f{&filter, &on_event, &on_note, max_events};
  SlotRef published;
  SlotRef owner;
  const std::string rule =
      fmt::format("type='signal',path='{}',interface='{}',member='Published'", kDbusPath, kDbusInterface);
  int r = sd_bus_add_match(bus.bus, &published.slot, rule.c_str(), onPublished, &f);
  if (r >= 0) {
    const std::string owner_rule = fmt::format(
        "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
        "member='NameOwnerChanged',arg0='{}'",
        kDbusName);
    r = sd_bus_add_match(bus.bus, &owner.slot, owner_rule.c_str(), onOwnerChanged, &f);
  }
  if (r < 0) {
    ErrorRef err;
    return tl::unexpected(callError(options, r, err.error, "subscribing to the daemon's Published signal"));
  }
  on_note(fmt::format("following what telemetry-gateway publishes on the {} (Ctrl-C to stop)", busName(options)));

  const auto start = std::chrono::steady_clock::now();
  while (!f.done) {
    r = sd_bus_process(bus.bus, nullptr);
    if (r < 0)
      return makeError(Errc::kUnavailable,
                       fmt::format("connection to the {} lost: {}", busName(options), std::strerror(-r)));
    if (r > 0) continue;
    std::uint64_t wait_us = UINT64_MAX;
    if (duration.count() > 0) {
      const auto left =
          duration - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      if (left.count() <= 0) break;
      wait_us = static_cast<std::uint64_t>(left.count()) * 1000U;
    }
    r = sd_bus_wait(bus.bus, wait_us);
    if (r < 0 && r != -EINTR) {
      return makeError(Errc::kUnavailable,
                       fmt::format("connection to the {} lost: {}", busName(options), std::strerror(-r)));
    }
  }
  return {};
}

}  // namespace tgw::service
