// The command engine end to end behind the Actuator seam: stages, exactly
// once (also across a restart), staleness, signatures, limits, bad input.
#include "unit/command/engine_fixture.hpp"

namespace tgw::command::test {
namespace {

const std::string kBess = "bess/control/commands";
const std::string kBessResponse = "bess/control/response";

TEST_F(EngineTest, SubscribesPerProfile) {
  startEngine();
  std::vector<std::string> filters;
  for (const auto& s : engine_->subscriptions()) filters.push_back(s.filter);
  EXPECT_EQ(filters,
            (std::vector<std::string>{"bess/control/commands", "bess/control/config", "bess/system/reset",
                                      "bess/firmware/update", "homesync/h1/nodes/+/command/+", "gateway/gw1/command"}));
}

TEST_F(EngineTest, StagedResponsesAcceptedInProgressSuccess) {
  startEngine();
  send(kBess, R"({"command":"radio","request_id":"r1","params":{"mode":"off"},"timestamp":")" + nowIso() + "\"}");
  ASSERT_EQ(actuator_.ops.size(), 1u);
  EXPECT_EQ(std::get<ModemAtOp>(actuator_.ops[0]).command, "AT+CFUN=4");
  EXPECT_EQ(actuator_.timeouts[0], std::chrono::milliseconds(2000));
  ASSERT_EQ(sink_.messages.size(), 3u);
  const auto p = sink_.payloads();
  EXPECT_EQ(p[0]["stage"], "accepted");
  EXPECT_EQ(p[0]["status"], "in_progress");
  EXPECT_EQ(p[1]["stage"], "in_progress");
  EXPECT_EQ(p[2]["stage"], "success");
  EXPECT_EQ(p[2]["status"], "success");
  EXPECT_EQ(p[2]["ok"], true);
  EXPECT_EQ(p[2]["request_id"], "r1");
  EXPECT_EQ(p[2]["result"], "OK");
  for (const auto& m : sink_.messages) {
    EXPECT_EQ(m.topic, kBessResponse);
    EXPECT_EQ(m.cls, MessageClass::kResponse);
    EXPECT_EQ(m.qos, 1);
  }
  EXPECT_EQ(engine_->stats().executed, 1u);
  EXPECT_EQ(engine_->stats().succeeded, 1u);
}

TEST_F(EngineTest, HundredDeliveriesExecuteOnceWithIdenticalAnswers) {
  startEngine();
  const std::string cmd = R"({"command":"set_limit","request_id":"dup-1","limit":42})";
  for (int i = 0; i < 100; ++i) send(kBess, cmd);
  EXPECT_EQ(actuator_.ops.size(), 1u);
  ASSERT_EQ(sink_.messages.size(), 102u);  // accepted + in_progress + 100 finals
  const std::string final_payload = sink_.messages[2].payload;
  for (std::size_t i = 2; i < sink_.messages.size(); ++i) EXPECT_EQ(sink_.messages[i].payload, final_payload);
  EXPECT_EQ(engine_->stats().duplicates, 99u);
  EXPECT_EQ(engine_->stats().executed, 1u);
}

TEST_F(EngineTest, DuplicateWhileInProgressGetsTheOutcomeWhenItComes) {
  startEngine();
  actuator_.mode = FakeActuator::Mode::kHold;
  const std::string cmd = R"({"command":"set_limit","request_id":"slow","limit":1})";
  send(kBess, cmd);
  send(kBess, cmd);
  send(kBess, cmd);
  EXPECT_EQ(actuator_.ops.size(), 1u);
  EXPECT_EQ(sink_.messages.size(), 2u);  // accepted, in_progress
  actuator_.held[0](OpOutcome{"read back 1"});
  ASSERT_EQ(sink_.messages.size(), 5u);
  EXPECT_EQ(sink_.messages[2].payload, sink_.messages[4].payload);
  EXPECT_EQ(sink_.last()["result"], "read back 1");
}

TEST_F(EngineTest, SameIdOnAnotherTopicIsAnotherCommand) {
  startEngine();
  send(kBess, R"({"command":"set_limit","request_id":"x","limit":1})");
  send("gateway/gw1/command", R"({"command":"set_limit","request_id":"x","limit":1})");
  EXPECT_EQ(actuator_.ops.size(), 2u);
  EXPECT_EQ(sink_.messages.back().topic, "gateway/gw1/response");
}

TEST_F(EngineTest, RestartMidCommandAnswersInterruptedAndNeverReruns) {
  startEngine();
  actuator_.mode = FakeActuator::Mode::kHold;
  send(kBess, R"({"command":"set_limit","request_id":"crash","limit":7})");
  ASSERT_EQ(actuator_.ops.size(), 1u);
  // The process dies: no outcome, no stop().
  engine_.reset();
  actuator_.held.clear();
  sink_.messages.clear();
  startEngine();
  ASSERT_EQ(sink_.messages.size(), 1u);
  EXPECT_EQ(sink_.messages[0].topic, kBessResponse);
  auto p = sink_.last();
  EXPECT_EQ(p["request_id"], "crash");
  EXPECT_EQ(p["status"], "error");
  EXPECT_EQ(p["reason"], "interrupted");
  EXPECT_EQ(engine_->stats().interrupted, 1u);
  // The broker redelivers it: the stored answer, no hardware.
  send(kBess, R"({"command":"set_limit","request_id":"crash","limit":7})");
  EXPECT_EQ(actuator_.ops.size(), 1u);
  EXPECT_EQ(sink_.messages.back().payload, sink_.messages[0].payload);
  // A third start has nothing left to answer.
  engine_.reset();
  sink_.messages.clear();
  startEngine();
  EXPECT_TRUE(sink_.messages.empty());
}

TEST_F(EngineTest, StaleAndExpiredCommandsAreRefused) {
  startEngine();
  send(kBess, R"({"command":"set_limit","request_id":"old","limit":1,"timestamp":")" + nowIso(-301'000) + "\"}");
  EXPECT_EQ(sink_.last()["reason"], "stale");
  const std::int64_t now_s = toUnixMs(clock_.now()) / 1000;
  send(kBess, R"({"command":"set_limit","request_id":"exp","limit":1,"expires_at":)" + std::to_string(now_s - 1) + "}");
  EXPECT_EQ(sink_.last()["reason"], "stale");
  send(kBess, R"({"command":"set_limit","request_id":"future","limit":1,"timestamp":)" +
                  std::to_string(toUnixMs(clock_.now()) + 3'600'000) + "}");
  EXPECT_EQ(sink_.last()["reason"], "stale");
  send(kBess, R"({"command":"set_limit","request_id":"junk","limit":1,"timestamp":"last night"})");
  EXPECT_EQ(sink_.last()["reason"], "invalid_timestamp");
  send(kBess, R"({"command":"set_limit","request_id":"fresh","limit":1,"timestamp":")" + nowIso(-299'000) + "\"}");
  EXPECT_EQ(sink_.last()["status"], "success");
  EXPECT_EQ(actuator_.ops.size(), 1u);
  EXPECT_EQ(engine_->stats().rejected_by_reason.at("stale"), 3u);
  // A stale command's redelivery gets the same stored refusal.
  const auto before = sink_.messages.size();
  send(kBess, R"({"command":"set_limit","request_id":"old","limit":1,"timestamp":")" + nowIso(-301'000) + "\"}");
  EXPECT_EQ(sink_.messages.size(), before + 1);
  EXPECT_EQ(sink_.last()["reason"], "stale");
}

TEST_F(EngineTest, EachRefusalHasItsReasonAndNeverTouchesHardware) {
  startEngine();
  struct Case {
    std::string payload;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {R"({"command":"launch","request_id":"a1"})", "unknown_action"},
      {R"({"request_id":"a2"})", "unknown_action"},
      {R"({"command":"set_limit","request_id":"a3","limit":"50"})", "wrong_type"},
      {R"({"command":"set_limit","request_id":"a4","limit":101})", "out_of_range"},
      {R"({"command":"set_limit","request_id":"a5"})", "missing_param"},
      {R"({"command":"set_limit","request_id":"a6","limit":1,"rm":"-rf"})", "unknown_param"},
      {R"({"command":"relay","request_id":"a7","action":"on"})", "not_allowed"},  // homesync only
  };
  for (const auto& c : cases) {
    send(kBess, c.payload);
    ASSERT_FALSE(sink_.messages.empty());
    const auto p = sink_.last();
    EXPECT_EQ(p["reason"], c.reason) << c.payload << " -> " << p.dump();
    EXPECT_EQ(p["ok"], false);
    EXPECT_EQ(p["status"], "error");
    EXPECT_EQ(p["stage"], "error");
  }
  EXPECT_TRUE(actuator_.ops.empty());
  EXPECT_EQ(engine_->stats().rejected, cases.size());
}

TEST_F(EngineTest, UnreadableMessagesAreCountedAndNotAnswered) {
  startEngine();
  send(kBess, "{not json");
  send(kBess, std::string(70 * 1024, 'x'));
  send(kBess, "{\"request_id\":\"\xff\xfe\",\"command\":\"set_limit\"}");
  send(kBess, R"({"command":"set_limit","limit":1})");
  send(kBess, "[]");
  send("some/other/topic", R"({"request_id":"z"})");
  EXPECT_TRUE(sink_.messages.empty());
  EXPECT_TRUE(actuator_.ops.empty());
  const auto s = engine_->stats();
  EXPECT_EQ(s.received, 6u);
  EXPECT_EQ(s.rejected, 6u);
  for (const char* r :
       {"invalid_json", "too_large", "invalid_utf8", "missing_request_id", "not_object", "unknown_topic"}) {
    EXPECT_EQ(s.rejected_by_reason.count(r), 1u) << r;
  }
}

TEST_F(EngineTest, RateLimitPerAction) {
  startEngine();
  for (int i = 0; i < 4; ++i) {
    send(kBess, R"({"command":"radio","request_id":"rl)" + std::to_string(i) + R"(","mode":"full"})");
  }
  EXPECT_EQ(actuator_.ops.size(), 3u);
  EXPECT_EQ(sink_.last()["reason"], "rate_limited");
  loop_.advance(std::chrono::seconds(61));
  send(kBess, R"({"command":"radio","request_id":"rl9","mode":"full"})");
  EXPECT_EQ(actuator_.ops.size(), 4u);
}

TEST_F(EngineTest, TimeoutWhenTheHardwareNeverAnswers) {
  startEngine();
  actuator_.mode = FakeActuator::Mode::kHold;
  send(kBess, R"({"command":"radio","request_id":"t1","mode":"full"})");
  loop_.advance(std::chrono::milliseconds(2000 + 1000));
  auto p = sink_.last();
  EXPECT_EQ(p["reason"], "timeout");
  EXPECT_EQ(engine_->stats().failed, 1u);
  // A late answer changes nothing.
  const auto n = sink_.messages.size();
  actuator_.held[0](OpOutcome{"late"});
  EXPECT_EQ(sink_.messages.size(), n);
}

TEST_F(EngineTest, HardwareErrorIsAnswered) {
  startEngine();
  actuator_.mode = FakeActuator::Mode::kFail;
  send(kBess, R"({"command":"radio","request_id":"f1","mode":"full"})");
  EXPECT_EQ(sink_.last()["reason"], "hardware_error");
  EXPECT_EQ(sink_.last()["detail"], "+CME ERROR: 3");
}

TEST_F(EngineTest, HomesyncFormatAndTopics) {
  startEngine();
  send("homesync/h1/nodes/kitchen/command/relay",
       R"({"action":"on","request_id":"req-uuid-123","timestamp":")" + nowIso() + "\"}");
  ASSERT_EQ(sink_.messages.size(), 1u);
  EXPECT_EQ(sink_.messages[0].topic, "homesync/h1/nodes/kitchen/response/command");
  const auto p = sink_.last();
  EXPECT_EQ(p["request_id"], "req-uuid-123");
  EXPECT_EQ(p["status"], "success");
  EXPECT_EQ(p["result"], "OK");
  EXPECT_TRUE(p["timestamp"].is_string());
  EXPECT_EQ(p.size(), 4u);
  const auto& op = std::get<ModbusWriteOp>(actuator_.ops.at(0));
  EXPECT_EQ(op.kind, ModbusWriteOp::Kind::kCoil);
  EXPECT_TRUE(op.coil);
  send("homesync/h1/nodes/kitchen/command/relay", R"({"action":"toggle","request_id":"r2"})");
  EXPECT_EQ(sink_.last()["status"], "error");
  EXPECT_EQ(sink_.last()["result"], "invalid_value");
}

TEST_F(EngineTest, UnsupportedOpAndMissingActuator) {
  load(R"(    beep:
      kind: modem_at
      source: modem
      template: {command: "AT"}
)");
  engine_ = std::make_unique<CommandEngine>(cfg_, loop_, clock_, sink_,
                                            [](std::string_view) -> Actuator* { return nullptr; });
  ASSERT_TRUE(engine_->start());
  EXPECT_EQ(engine_->checkActuators(), 4);
  send(kBess, R"({"command":"beep","request_id":"b1"})");
  EXPECT_EQ(sink_.last()["reason"], "unavailable");
}

class SignedEngineTest : public EngineTest {
 protected:
  void SetUp() override {
    setenv("TGW_TEST_CMD_KEY", "s3cret", 1);
    load("  hmac:\n    key: ${TGW_TEST_CMD_KEY}\n    window_s: 60\n");
  }
  std::string sign(const std::string& topic, nlohmann::json body, const std::string& key = "s3cret") {
    body["signature"] = hmacSha256Hex(key, canonicalForm(topic, body));
    return body.dump();
  }
};

TEST_F(SignedEngineTest, SignaturesRequiredWithWindowAndReplayProtection) {
  startEngine();
  nlohmann::json cmd = {{"command", "set_limit"}, {"request_id", "s1"}, {"limit", 5}, {"timestamp", nowIso()}};
  send(kBess, cmd.dump());  // unsigned
  EXPECT_EQ(sink_.last()["reason"], "unauthorized");
  send(kBess, sign(kBess, cmd, "wrong-key"));
  EXPECT_EQ(sink_.last()["reason"], "unauthorized");
  send(kBess, sign("bess/system/reset", cmd));  // signed for another topic
  EXPECT_EQ(sink_.last()["reason"], "unauthorized");
  nlohmann::json old = cmd;
  old["timestamp"] = nowIso(-120'000);
  send(kBess, sign(kBess, old));
  EXPECT_EQ(sink_.last()["reason"], "unauthorized");
  EXPECT_TRUE(actuator_.ops.empty());
  // Refusals for unauthorized copies are not stored: the signed original still runs.
  const std::string good = sign(kBess, cmd);
  send(kBess, good);
  EXPECT_EQ(sink_.last()["status"], "success");
  send(kBess, good);  // replay
  EXPECT_EQ(actuator_.ops.size(), 1u);
  EXPECT_EQ(engine_->stats().duplicates, 1u);
  EXPECT_EQ(engine_->stats().rejected_by_reason.at("unauthorized"), 4u);
}

TEST_F(EngineTest, PrunesFinishedEntriesAfterRetention) {
  startEngine();
  send(kBess, R"({"command":"set_limit","request_id":"p1","limit":1})");
  loop_.advance(std::chrono::hours(169));
  send(kBess, R"({"command":"set_limit","request_id":"p1","limit":1})");
  EXPECT_EQ(actuator_.ops.size(), 2u);  // forgotten after retention (max_age bounds real replays)
}

}  // namespace
}  // namespace tgw::command::test

namespace tgw::command::test {
namespace {

// config/bess.yaml's example actions with the seed's command format.
TEST(ExampleConfig, BessSeedCommandBuildsTheRegisters) {
  setenv("TGW_COMMAND_KEY", "example", 1);
  tgw::test::TempDir dir;
  std::string text = tgw::test::readFile(tgw::test::sourcePath("config/bess.yaml"));
  const std::string from = "state_dir: /var/lib/telemetry-gateway";
  text.replace(text.find(from), from.size(), "state_dir: " + dir.path().string());
  config::Diagnostics diag;
  auto cfg = config::loadString(text, "bess.yaml", diag);
  ASSERT_TRUE(cfg) << diag.format();
  tgw::test::FakeClock clock;
  tgw::test::ManualLoop loop(clock);
  RecordingMessages sink;
  struct ModbusOnly final : Actuator {
    bool supports(const HardwareOp& op) const override { return !std::holds_alternative<ModemAtOp>(op); }
    void execute(HardwareOp op, std::chrono::milliseconds, Done done) override {
      ops.push_back(std::move(op));
      done(OpOutcome{"read back ok"});
    }
    std::vector<HardwareOp> ops;
  } act;
  CommandEngine engine(*cfg, loop, clock, sink, [&](std::string_view) -> Actuator* { return &act; });
  ASSERT_TRUE(engine.start());
  EXPECT_EQ(engine.checkActuators(), 0);
  nlohmann::json cmd = {{"command", "set_mode"},
                        {"mode", "discharge"},
                        {"params", {{"power_limit_kw", 25}, {"soc_min", 20}}},
                        {"request_id", "req-12345"},
                        {"timestamp", isoUtc(toUnixMs(clock.now()))}};
  cmd["signature"] = hmacSha256Hex("example", canonicalForm("bess/control/commands", cmd));
  engine.onMessage("bess/control/commands", cmd.dump(), 1);
  ASSERT_EQ(act.ops.size(), 1u);
  const auto& op = std::get<ModbusWriteOp>(act.ops[0]);
  EXPECT_EQ(op.device, "inv");
  EXPECT_EQ(op.address, 40100);
  EXPECT_EQ(op.values, (std::vector<std::uint16_t>{2, 250, 20}));
  EXPECT_EQ(sink.last()["stage"], "success");
  EXPECT_EQ(sink.messages.back().topic, "bess/control/response");
}

}  // namespace
}  // namespace tgw::command::test
