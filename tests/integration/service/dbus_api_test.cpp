// The D-Bus API end to end: DbusService on a real sd-event loop, a private
// dbus-daemon with the project's policy file, and busctl / gdbus /
// dbus-monitor (or sd-bus for the flood) as clients; a fake DaemonControl.
#include <grp.h>
#include <pwd.h>

#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <systemd/sd-bus.h>

#include "core/sd_event_loop.hpp"
#include "private_bus.hpp"
#include "service/dbus_service.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

using service::DaemonSnapshot;

class FakeControl final : public service::DaemonControl {
 public:
  DaemonSnapshot snapshot() const override {
    std::lock_guard lock(mutex_);
    return snap_;
  }
  Expected<std::uint64_t> publish(MessageClass cls, std::string json) override {
    std::lock_guard lock(mutex_);
    if (cls == MessageClass::kResponse) {
      return makeError(Errc::kUnsupported, "class 'response' is made by the command dispatcher only");
    }
    if (queue_full_) return makeError(Errc::kFull, "queue full (10000 messages); message dropped");
    published_.emplace_back(cls, std::move(json));
    return ++seq_;
  }
  Expected<void> flush() override {
    std::lock_guard lock(mutex_);
    ++flushes_;
    return {};
  }
  Expected<void> reconnect() override {
    std::lock_guard lock(mutex_);
    if (stdout_uplink_) return makeError(Errc::kUnsupported, "uplink 'stdout' has no connection to drop");
    ++reconnects_;
    return {};
  }

  void set(const std::function<void(DaemonSnapshot&)>& change) {
    std::lock_guard lock(mutex_);
    change(snap_);
  }

  mutable std::mutex mutex_;
  DaemonSnapshot snap_;
  std::vector<std::pair<MessageClass, std::string>> published_;
  std::uint64_t seq_ = 41;
  int flushes_ = 0;
  int reconnects_ = 0;
  bool queue_full_ = false;
  bool stdout_uplink_ = false;
};

// An sd-event loop on its own thread with a DbusService made on it.
class Harness {
 public:
  template <class Fn>
  auto onLoop(Fn fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    loop_->post([&task] { task(); });
    return result.get();
  }

  explicit Harness(const PrivateBus& bus, service::DbusOptions options = {}) {
    options.address = bus.address();
    auto loop = core::makeSdEventLoop();
    if (!loop) throw std::runtime_error(loop.error().message);
    loop_ = std::move(*loop);
    thread_ = std::thread([this] { (void)loop_->run(); });
    started_ = onLoop([this, options] {
      service_ = std::make_unique<service::DbusService>(*loop_, control, SystemClock::instance(), options);
      return service_->start();
    });
  }
  ~Harness() {
    onLoop([this] {
      service_.reset();
      return 0;
    });
    loop_->requestStop(0);
    thread_.join();
  }

  void refresh() {
    onLoop([this] {
      service_->refresh();
      return 0;
    });
  }
  service::DbusCounters counters() {
    return onLoop([this] { return service_->counters(); });
  }
  bool running() const { return service_->running(); }

  FakeControl control;
  Expected<void> started_;

 private:
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
  std::unique_ptr<service::DbusService> service_;
};

const std::string kDest = "io.telemetrygateway.Gateway1";
const std::string kPath = "/io/telemetrygateway/Gateway1";
const std::string kIface = "io.telemetrygateway.Gateway1";

int busctl(const PrivateBus& bus, std::vector<std::string> args, std::string* out,
           const std::vector<std::string>& as_user = {}) {
  std::vector<std::string> argv = as_user;
  argv.push_back("busctl");
  argv.push_back("--address=" + bus.address());
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, out, std::chrono::seconds(30));
}

int gdbusCall(const PrivateBus& bus, const std::string& method, const std::vector<std::string>& args,
              std::string* out) {
  std::vector<std::string> argv = {"gdbus",         "call",         "--address", bus.address(), "--dest",
                                   kDest,           "--object-path", kPath,       "--method",    kIface + "." + method};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, out, std::chrono::seconds(30));
}

std::string getProperty(const PrivateBus& bus, const std::string& name, const std::vector<std::string>& as_user = {}) {
  std::string out;
  const int rc = busctl(bus, {"get-property", kDest, kPath, kIface, name}, &out, as_user);
  return rc == 0 ? out : "rc=" + std::to_string(rc) + ": " + out;
}

// setpriv prefix running a client as `nobody`, optionally with one extra group.
std::vector<std::string> asNobody(const std::string& group = {}) {
  const passwd* pw = ::getpwnam("nobody");
  std::vector<std::string> prefix = {"setpriv", "--reuid=" + std::to_string(pw->pw_uid),
                                     "--regid=" + std::to_string(pw->pw_gid)};
  if (group.empty()) {
    prefix.emplace_back("--clear-groups");
  } else {
    prefix.push_back("--groups=" + std::to_string(::getgrnam(group.c_str())->gr_gid));
  }
  return prefix;
}

TEST(DbusApi, PropertiesReadableByEveryone) {
  PrivateBus bus;
  Harness h(bus);
  ASSERT_TRUE(h.started_) << h.started_.error().message;
  h.control.set([](DaemonSnapshot& s) {
    s.connection_state = "connected";
    s.connected = true;
    s.broker = "mqtts://broker.example:8883";
    s.queue_depth = 12;
    s.oldest_age_ms = 3000;
    s.published = 1200;
    s.acked = 1190;
    s.dropped = 3;
    s.last_error = "connection refused: not authorized";
    s.sources = {{"can0", "socketcan", "online", "", 5000, 2}, {"gps", "nmea", "offline", "no such device", 0, 7}};
  });
  h.refresh();  // what the refresh timer does every second
  for (const auto& user : {std::vector<std::string>{}, asNobody()}) {
    EXPECT_EQ(getProperty(bus, "Connected", user), "b true\n");
    EXPECT_EQ(getProperty(bus, "ConnectionState", user), "s \"connected\"\n");
    EXPECT_EQ(getProperty(bus, "Broker", user), "s \"mqtts://broker.example:8883\"\n");
    EXPECT_EQ(getProperty(bus, "QueueDepth", user), "t 12\n");
    EXPECT_EQ(getProperty(bus, "OldestQueuedAgeMs", user), "t 3000\n");
    EXPECT_EQ(getProperty(bus, "Published", user), "t 1200\n");
    EXPECT_EQ(getProperty(bus, "Acked", user), "t 1190\n");
    EXPECT_EQ(getProperty(bus, "Dropped", user), "t 3\n");
    EXPECT_EQ(getProperty(bus, "LastError", user), "s \"connection refused: not authorized\"\n");
    EXPECT_EQ(getProperty(bus, "Sources", user),
              "a(sssstt) 2 \"can0\" \"socketcan\" \"online\" \"\" 5000 2 \"gps\" \"nmea\" \"offline\" \"no such "
              "device\" 0 7\n");
    EXPECT_NE(getProperty(bus, "Version", user).find("s \"0."), std::string::npos);
  }
  // Introspection lists the API with argument names, and the properties are read-only.
  std::string out;
  ASSERT_EQ(busctl(bus, {"introspect", kDest, kPath, kIface}, &out, asNobody()), 0) << out;
  EXPECT_NE(out.find(".Publish"), std::string::npos) << out;
  EXPECT_NE(out.find("ss"), std::string::npos) << out;
  EXPECT_NE(out.find(".Flush"), std::string::npos) << out;
  EXPECT_NE(out.find(".Reconnect"), std::string::npos) << out;
  EXPECT_NE(out.find(".QueueDepth"), std::string::npos) << out;
  EXPECT_NE(out.find("emits-change"), std::string::npos) << out;
  EXPECT_EQ(out.find("writable"), std::string::npos) << out;
  EXPECT_NE(busctl(bus, {"set-property", kDest, kPath, kIface, "QueueDepth", "t", "5"}, &out), 0);
}

TEST(DbusApi, PublishFlushReconnectAsRoot) {
  PrivateBus bus;
  Harness h(bus);
  ASSERT_TRUE(h.started_) << h.started_.error().message;
  std::string out;
  ASSERT_EQ(busctl(bus,
                   {"call", kDest, kPath, kIface, "Publish", "ss", "inference",
                    R"({"behavior":"normal","confidence":0.93,"latency_ms":41})"},
                   &out),
            0)
      << out;
  EXPECT_EQ(out, "t 42\n");
  ASSERT_EQ(busctl(bus, {"call", kDest, kPath, kIface, "Publish", "ss", "event", R"({"n":1})"}, &out), 0) << out;
  EXPECT_EQ(out, "t 43\n");
  ASSERT_EQ(busctl(bus, {"call", kDest, kPath, kIface, "Flush"}, &out), 0) << out;
  ASSERT_EQ(busctl(bus, {"call", kDest, kPath, kIface, "Reconnect"}, &out), 0) << out;
  {
    std::lock_guard lock(h.control.mutex_);
    ASSERT_EQ(h.control.published_.size(), 2U);
    EXPECT_EQ(h.control.published_[0].first, MessageClass::kInference);
    EXPECT_EQ(h.control.published_[0].second, R"({"behavior":"normal","confidence":0.93,"latency_ms":41})");
    EXPECT_EQ(h.control.published_[1].first, MessageClass::kEvent);
    EXPECT_EQ(h.control.flushes_, 1);
    EXPECT_EQ(h.control.reconnects_, 1);
  }
  const auto c = h.counters();
  EXPECT_EQ(c.accepted, 4U);
  EXPECT_EQ(c.rejected(), 0U);
  EXPECT_EQ(getProperty(bus, "CallsAccepted"), "t 4\n");
}

TEST(DbusApi, BadInputGetsClearErrorsAndIsCounted) {
  PrivateBus bus;
  Harness h(bus);
  ASSERT_TRUE(h.started_) << h.started_.error().message;
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"'bogus'", "'{}'"},
       "io.telemetrygateway.Gateway1.Error.UnknownClass: Publish: unknown message class 'bogus' (expected one of: "
       "telemetry"},
      {{"'inference'", R"('{"behavior": ')"},
       "io.telemetrygateway.Gateway1.Error.InvalidJson: Publish: the payload is not valid JSON: "},
      {{"'inference'", "'[1, 2]'"},
       "io.telemetrygateway.Gateway1.Error.InvalidJson: Publish: the payload is not valid JSON: expected a JSON "
       "object, got a array"},
      {{"'inference'", "''"}, "io.telemetrygateway.Gateway1.Error.InvalidJson"},
      {{"'response'", R"('{"request_id": "x"}')"},
       "io.telemetrygateway.Gateway1.Error.NotSupported: Publish: class 'response' is made by the command "
       "dispatcher only"},
  };
  for (const auto& c : cases) {
    std::string out;
    EXPECT_NE(gdbusCall(bus, "Publish", c.args, &out), 0) << out;
    EXPECT_NE(out.find(c.expected), std::string::npos) << out;
  }
  // Too large.
  std::string out;
  const std::string big = "{\"x\": \"" + std::string(70 * 1024, 'a') + "\"}";
  EXPECT_NE(busctl(bus, {"call", kDest, kPath, kIface, "Publish", "ss", "event", big}, &out), 0);
  EXPECT_NE(out.find("payload is 71689 bytes, the limit is 65536 bytes"), std::string::npos) << out;
  // The daemon's own refusal (queue full) comes back with its words.
  h.control.set([&](DaemonSnapshot&) { h.control.queue_full_ = true; });
  EXPECT_NE(gdbusCall(bus, "Publish", {"'alert'", "'{}'"}, &out), 0);
  EXPECT_NE(out.find("io.telemetrygateway.Gateway1.Error.QueueFull: Publish: queue full"), std::string::npos)
      << out;
  h.control.set([&](DaemonSnapshot&) { h.control.stdout_uplink_ = true; });
  EXPECT_NE(gdbusCall(bus, "Reconnect", {}, &out), 0);
  EXPECT_NE(out.find("io.telemetrygateway.Gateway1.Error.NotSupported: Reconnect: uplink 'stdout'"),
            std::string::npos)
      << out;
  // Wrong signature is refused by sd-bus itself.
  EXPECT_NE(busctl(bus, {"call", kDest, kPath, kIface, "Publish", "s", "inference"}, &out), 0);

  const auto c = h.counters();
  EXPECT_EQ(c.unknown_class, 1U);
  EXPECT_EQ(c.invalid_json, 3U);
  EXPECT_EQ(c.too_large, 1U);
  EXPECT_EQ(c.failed, 3U);  // response unsupported, queue full, reconnect unsupported
  EXPECT_EQ(c.accepted, 0U);
  EXPECT_EQ(getProperty(bus, "CallsRejected"), "t 8\n");
  std::lock_guard lock(h.control.mutex_);
  EXPECT_TRUE(h.control.published_.empty());
}

TEST(DbusApi, CallerWithoutPermissionIsDeniedByPolicy) {
  PrivateBus bus;
  Harness h(bus);
  ASSERT_TRUE(h.started_) << h.started_.error().message;
  std::string out;
  for (const auto* method : {"Flush", "Reconnect"}) {
    EXPECT_NE(busctl(bus, {"call", kDest, kPath, kIface, method}, &out, asNobody()), 0) << out;
    EXPECT_NE(out.find("ccess denied"), std::string::npos) << out;
  }
  EXPECT_NE(busctl(bus, {"call", kDest, kPath, kIface, "Publish", "ss", "event", "{}"}, &out, asNobody()), 0);
  EXPECT_NE(out.find("ccess denied"), std::string::npos) << out;
  {
    std::lock_guard lock(h.control.mutex_);
    EXPECT_EQ(h.control.flushes_, 0);
    EXPECT_EQ(h.control.reconnects_, 0);
    EXPECT_TRUE(h.control.published_.empty());
  }
  // Nobody may take the name either.
  EXPECT_NE(run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "gdbus", "call", "--address",
                 bus.address(), "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                 "--method", "org.freedesktop.DBus.RequestName", "io.telemetrygateway.Gateway1", "0"},
                &out),
            0);
  EXPECT_NE(out.find("AccessDenied"), std::string::npos) << out;
}

TEST(DbusApi, MembersOfTheGatewayGroupMayCallMethods) {
  // The policy names group telemetry-gateway, which exists only where the
  // package is installed; the same policy with the group renamed to one that
  // exists here shows that group members (and only they) may call.
  std::string policy = PrivateBus::projectPolicy();
  const std::string from = "group=\"telemetry-gateway\"";
  const auto pos = policy.find(from);
  ASSERT_NE(pos, std::string::npos);
  policy.replace(pos, from.size(), "group=\"nogroup\"");
  PrivateBus bus(policy);
  Harness h(bus);
  ASSERT_TRUE(h.started_) << h.started_.error().message;
  std::string out;
  // nobody's primary group is nogroup on Debian.
  ASSERT_EQ(busctl(bus, {"call", kDest, kPath, kIface, "Publish", "ss", "inference", R"({"ok":true})"}, &out,
                   asNobody()),
            0)
      << out;
  EXPECT_EQ(out, "t 42\n");
}

TEST(DbusApi, PropertiesChangedIsSignalled) {
  PrivateBus bus;
  Harness h(bus);
  ASSERT_TRUE(h.started_) << h.started_.error().message;
  Process monitor({"dbus-monitor", "--address", bus.address(),
                   "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'"});
  // The monitor subscribes asynchronously: keep changing until it sees one.
  std::uint64_t depth = 100;
  ASSERT_TRUE(waitFor(
      [&] {
        h.control.set([&](DaemonSnapshot& s) { s.queue_depth = ++depth; });
        h.refresh();
        return monitor.output().find("QueueDepth") != std::string::npos;
      },
      std::chrono::seconds(15)))
      << monitor.output();
  h.control.set([](DaemonSnapshot& s) {
    s.queue_depth = 4242;
    s.connected = true;
    s.connection_state = "connected";
    s.last_error = "broker went away";
  });
  h.refresh();
  ASSERT_TRUE(waitFor([&] { return monitor.output().find("uint64 4242") != std::string::npos; })) << monitor.output();
  const std::string out = monitor.output();
  EXPECT_NE(out.find("path=/io/telemetrygateway/Gateway1"), std::string::npos) << out;
  EXPECT_NE(out.find("string \"io.telemetrygateway.Gateway1\""), std::string::npos) << out;
  EXPECT_NE(out.find("string \"broker went away\""), std::string::npos) << out;
  EXPECT_NE(out.find("string \"Connected\""), std::string::npos) << out;
  // Unchanged properties are not repeated.
  const auto tail = out.substr(out.find("uint64 4242") - 200);
  EXPECT_EQ(tail.find("\"Broker\""), std::string::npos) << tail;
}

TEST(DbusApi, PublishFloodIsRateLimitedAndNothingCrashes) {
  PrivateBus bus;
  service::DbusOptions options;
  options.publish_rate_per_s = 0.001;  // no refill during the test
  options.publish_burst = 20;
  Harness h(bus, options);
  ASSERT_TRUE(h.started_) << h.started_.error().message;
  sd_bus* client = nullptr;
  ASSERT_GE(sd_bus_new(&client), 0);
  ASSERT_GE(sd_bus_set_address(client, bus.address().c_str()), 0);
  ASSERT_GE(sd_bus_set_bus_client(client, 1), 0);
  ASSERT_GE(sd_bus_start(client), 0);
  int ok = 0;
  int limited = 0;
  int other = 0;
  std::string last_error;
  for (int i = 0; i < 300; ++i) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    const int r = sd_bus_call_method(client, kDest.c_str(), kPath.c_str(), kIface.c_str(), "Publish", &error, &reply,
                                     "ss", "inference", R"({"i":1})");
    if (r >= 0) {
      ++ok;
    } else if (sd_bus_error_has_name(&error, "io.telemetrygateway.Gateway1.Error.RateLimited")) {
      ++limited;
      last_error = error.message;
    } else {
      ++other;
      last_error = error.message != nullptr ? error.message : "?";
    }
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
  }
  sd_bus_flush_close_unref(client);
  EXPECT_EQ(ok, 20);
  EXPECT_EQ(limited, 280);
  EXPECT_EQ(other, 0) << last_error;
  EXPECT_NE(last_error.find("slow down"), std::string::npos) << last_error;
  EXPECT_EQ(h.counters().rate_limited, 280U);
  // Still serving reads.
  EXPECT_EQ(getProperty(bus, "CallsRejected"), "t 280\n");
}

TEST(DbusApi, StartFailsClearlyWhenTheNameIsTaken) {
  PrivateBus bus;
  Harness first(bus);
  ASSERT_TRUE(first.started_) << first.started_.error().message;
  Harness second(bus);
  ASSERT_FALSE(second.started_);
  EXPECT_NE(second.started_.error().message.find("already owned"), std::string::npos)
      << second.started_.error().message;
}

TEST(DbusApi, ComesBackWhenTheBusRestarts) {
  PrivateBus bus;
  service::DbusOptions options;
  options.retry_period = std::chrono::milliseconds(100);
  Harness h(bus, options);
  ASSERT_TRUE(h.started_) << h.started_.error().message;
  h.control.set([](DaemonSnapshot& s) { s.queue_depth = 7; });
  h.refresh();
  EXPECT_EQ(getProperty(bus, "QueueDepth"), "t 7\n");
  bus.kill();
  ASSERT_TRUE(waitFor([&] { return !h.onLoop([&] { return h.running(); }); })) << "bus loss noticed";
  bus.start();
  ASSERT_TRUE(waitFor([&] { return getProperty(bus, "QueueDepth") == "t 7\n"; }, std::chrono::seconds(20)));
}

TEST(DbusApi, StartFailsClearlyWithoutABus) {
  TempDir dir;
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  FakeControl control;
  service::DbusOptions options;
  options.address = "unix:path=" + dir.file("nothing-here");
  service::DbusService svc(**loop, control, SystemClock::instance(), options);
  auto ok = svc.start();
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().message.find("cannot connect"), std::string::npos) << ok.error().message;
  EXPECT_FALSE(svc.running());
}

}  // namespace
}  // namespace tgw::test
