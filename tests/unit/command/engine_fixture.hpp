// Engine tests: a real ledger in a TempDir, a manual loop and clock, a
// recording MessageSink and a fake Actuator behind the seam.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "command/command_engine.hpp"
#include "command/hmac.hpp"
#include "command/request.hpp"
#include "support/support.hpp"
#include "tgw/config/loader.hpp"
#include "unit/queue/test_loop.hpp"

namespace tgw::command::test {

class RecordingMessages final : public MessageSink {
 public:
  void submit(Message m) override { messages.push_back(std::move(m)); }
  std::vector<nlohmann::json> payloads() const {
    std::vector<nlohmann::json> out;
    for (const auto& m : messages) out.push_back(nlohmann::json::parse(m.payload));
    return out;
  }
  nlohmann::json last() const { return nlohmann::json::parse(messages.back().payload); }
  std::vector<Message> messages;
};

class FakeActuator final : public Actuator {
 public:
  enum class Mode { kOk, kHold, kFail };
  bool supports(const HardwareOp& op) const override { return !std::holds_alternative<CanSendOp>(op); }
  void execute(HardwareOp op, std::chrono::milliseconds timeout, Done done) override {
    ops.push_back(std::move(op));
    timeouts.push_back(timeout);
    if (mode == Mode::kOk) {
      done(OpOutcome{"OK"});
    } else if (mode == Mode::kFail) {
      done(makeError(Errc::kIo, "+CME ERROR: 3"));
    } else {
      held.push_back(std::move(done));
    }
  }
  Mode mode = Mode::kOk;
  std::vector<HardwareOp> ops;
  std::vector<std::chrono::milliseconds> timeouts;
  std::vector<Done> held;
};

inline std::string engineYaml(const std::string& state_dir, const std::string& extra_commands = "") {
  return R"(gateway:
  device_id: gw1
  state_dir: )" +
         state_dir + R"(
uplink:
  type: stdout
sources:
  - name: modem
    type: modem
    device: /dev/null
  - name: meters
    type: modbus_tcp
    host: 127.0.0.1
    devices:
      - {name: kitchen, unit_id: 1, map: sdm120}
profiles:
  bess: {}
  homesync:
    home_id: h1
    nodes:
      - node_id: kitchen
        metrics: {power: meters.kitchen.power}
commands:
  max_age_s: 300
  actions:
    radio:
      kind: modem_at
      source: modem
      params:
        mode: {type: enum, values: {full: 1, off: 4}}
      template: {command: "AT+CFUN=${mode}"}
      timeout_ms: 2000
      rate_limit: {max: 3, window_s: 60}
      profiles: [bess, generic]
    relay:
      kind: modbus_write
      source: meters
      params:
        action: {type: enum, values: {"on": 1, "off": 0}}
      template: {device: kitchen, table: coil, address: "0", value: "${action}"}
      profiles: [homesync]
    set_limit:
      kind: modbus_write
      source: meters
      params:
        limit: {type: int, min: 0, max: 100}
      template: {device: kitchen, address: "10", values: ["${limit}"]}
)" + extra_commands;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { load(""); }

  void load(const std::string& extra) {
    config::Diagnostics diag;
    auto cfg = config::loadString(engineYaml(dir_.path().string(), extra), "engine.yaml", diag);
    ASSERT_TRUE(cfg) << diag.format();
    cfg_ = std::move(*cfg);
  }

  void startEngine() {
    engine_ = std::make_unique<CommandEngine>(cfg_, loop_, clock_, sink_, [this](std::string_view name) -> Actuator* {
      return name == "modem" || name == "meters" ? &actuator_ : nullptr;
    });
    auto ok = engine_->start();
    ASSERT_TRUE(ok) << ok.error().message;
  }

  std::string nowIso(std::int64_t offset_ms = 0) const { return isoUtc(toUnixMs(clock_.now()) + offset_ms); }

  void send(const std::string& topic, const std::string& payload) {
    engine_->onMessage(topic, payload, 1);
    loop_.runPending();
  }

  tgw::test::TempDir dir_;
  tgw::test::FakeClock clock_;
  tgw::test::ManualLoop loop_{clock_};
  RecordingMessages sink_;
  FakeActuator actuator_;
  config::Config cfg_;
  std::unique_ptr<CommandEngine> engine_;
};

}  // namespace tgw::command::test
