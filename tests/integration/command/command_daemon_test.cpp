// Downlink commands end to end: mosquitto_pub → a real mosquitto → the real
// daemon binary → modem_at on a pty modem → the response on the broker.
// Exactly once under 100 deliveries, every kind of bad input, and a restart
// in the middle of a command.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "command/hmac.hpp"
#include "command/request.hpp"
#include "integration/command/fake_modem.hpp"
#include "support/mosquitto.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

const std::string kCommands = "bess/control/commands";
const std::string kResponses = "bess/control/response";
const std::string kKey = "integration-key";

class CommandDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    sub_ = std::make_unique<Subscriber>(broker_.port(), kResponses, 1);
    dir_.write("cmd.key", kKey + "\n");
    cfg_ = dir_.write("gw.yaml", R"(gateway:
  device_id: bess-1
  state_dir: )" + dir_.path().string() +
                                     R"(
uplink:
  url: )" + broker_.url() + R"(
  client_id: bess-1-commands
sources:
  - name: modem
    type: modem
    device: )" + modem_.path() + R"(
    baud: 115200
profiles:
  bess: {}
commands:
  max_age_s: 60
  hmac:
    key_file: )" + dir_.file("cmd.key") +
                                     R"(
    window_s: 600
  actions:
    radio:
      kind: modem_at
      source: modem
      params:
        mode: {type: enum, values: {full: 1, "off": 4}}
      template: {command: "AT+CFUN=${mode}"}
      timeout_ms: 3000
    set_level:
      kind: modem_at
      source: modem
      params:
        level: {type: int, min: 0, max: 100}
      template: {command: "AT+LVL=${level}"}
    hang:
      kind: modem_at
      source: modem
      template: {command: "AT+HANG"}
      timeout_ms: 60000
)");
    startDaemon();
  }

  void TearDown() override {
    if (daemon_ && daemon_->running()) {
      daemon_->signal(SIGTERM);
      EXPECT_EQ(daemon_->wait(), 0) << daemon_->output();
    }
  }

  void startDaemon() {
    ++runs_;
    daemon_ = std::make_unique<Process>(
        std::vector<std::string>{binaryPath("telemetry-gateway"), "run", "--config", cfg_},
        std::map<std::string, std::string>{}, dir_.file("daemon" + std::to_string(runs_) + ".log"));
    // Ready when a probe gets its answer (the subscription is in place).
    const std::string probe = "probe-" + std::to_string(runs_);
    bool ready = waitFor(
        [&] {
          publish(broker_.port(), kCommands, signedCommand({{"command", "ping"}, {"request_id", probe}}), 1);
          return waitFor([&] { return !responses(probe).empty(); }, std::chrono::milliseconds(500));
        },
        std::chrono::seconds(20));
    ASSERT_TRUE(ready) << daemon_->output();
  }

  static std::string signedCommand(nlohmann::json body, const std::string& topic = kCommands) {
    if (!body.contains("timestamp")) body["timestamp"] = command::isoUtc(nowMs());
    body["signature"] = command::hmacSha256Hex(kKey, command::canonicalForm(topic, body));
    return body.dump();
  }
  static std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // Raw response payloads for `id`, in arrival order.
  std::vector<std::string> rawResponses(const std::string& id) const {
    std::vector<std::string> out;
    for (const auto& line : sub_->lines()) {
      if (line.rfind(kResponses + " ", 0) != 0) continue;
      const std::string payload = line.substr(kResponses.size() + 1);
      auto j = nlohmann::json::parse(payload, nullptr, false);
      if (!j.is_discarded() && j.value("request_id", "") == id) out.push_back(payload);
    }
    return out;
  }
  std::vector<nlohmann::json> responses(const std::string& id) const {
    std::vector<nlohmann::json> out;
    for (const auto& p : rawResponses(id)) out.push_back(nlohmann::json::parse(p));
    return out;
  }
  // The final answer for `id` (waits for it).
  nlohmann::json finalFor(const std::string& id) const {
    nlohmann::json found;
    waitFor(
        [&] {
          for (const auto& j : responses(id)) {
            if (j.value("status", "") != "in_progress") {
              found = j;
              return true;
            }
          }
          return false;
        },
        std::chrono::seconds(15));
    return found;
  }

  Mosquitto broker_;
  CommandModem modem_;
  TempDir dir_;
  std::string cfg_;
  std::unique_ptr<Subscriber> sub_;
  std::unique_ptr<Process> daemon_;
  int runs_ = 0;
};

TEST_F(CommandDaemon, SameCommandDeliveredHundredTimesRunsOnce) {
  const std::string cmd = signedCommand({{"command", "radio"}, {"request_id", "dup-1"}, {"params", {{"mode", "off"}}}});
  std::string lines;
  for (int i = 0; i < 100; ++i) lines += cmd + "\n";
  const std::string file = dir_.write("dup.txt", lines);
  std::string out;
  ASSERT_EQ(run({"sh", "-c",
                 "mosquitto_pub -h 127.0.0.1 -p " + std::to_string(broker_.port()) + " -q 1 -t " + kCommands +
                     " -l < " + file},
                &out),
            0)
      << out;
  std::vector<std::string> finals;
  const bool all = waitFor(
      [&] {
        finals.clear();
        for (const auto& p : rawResponses("dup-1")) {
          if (p.find("\"stage\":\"success\"") != std::string::npos) finals.push_back(p);
        }
        return finals.size() >= 100;
      },
      std::chrono::seconds(30));
  ASSERT_TRUE(all) << finals.size() << " final responses\n" << daemon_->output();
  EXPECT_EQ(finals.size(), 100u);
  // Identical but for "seq", the durable queue's sequence number of each message.
  const auto without_seq = [](const std::string& payload) {
    auto j = nlohmann::json::parse(payload);
    EXPECT_TRUE(j.contains("seq"));
    j.erase("seq");
    return j.dump();
  };
  for (const auto& f : finals) EXPECT_EQ(without_seq(f), without_seq(finals.front()));
  EXPECT_EQ(modem_.count("AT+CFUN=4"), 1u);
  const auto all_responses = responses("dup-1");
  EXPECT_EQ(std::count_if(all_responses.begin(), all_responses.end(),
                          [](const auto& j) { return j.value("stage", "") == "accepted"; }),
            1);
  EXPECT_TRUE(daemon_->running());
}

TEST_F(CommandDaemon, EveryKindOfBadInputGetsItsAnswerAndTheDaemonKeepsRunning) {
  struct Case {
    std::string id;
    std::string payload;
    std::string reason;
  };
  nlohmann::json tampered =
      nlohmann::json::parse(signedCommand({{"command", "set_level"}, {"request_id", "bad-sig"}, {"level", 5}}));
  tampered["level"] = 100;
  const std::vector<Case> cases = {
      {"stale",
       signedCommand({{"command", "set_level"},
                      {"request_id", "stale"},
                      {"level", 5},
                      {"timestamp", command::isoUtc(nowMs() - 120'000)}}),
       "stale"},
      {"unsigned", nlohmann::json({{"command", "set_level"}, {"request_id", "unsigned"}, {"level", 5}}).dump(),
       "unauthorized"},
      {"bad-sig", tampered.dump(), "unauthorized"},
      {"range", signedCommand({{"command", "set_level"}, {"request_id", "range"}, {"level", 101}}), "out_of_range"},
      {"unknown", signedCommand({{"command", "self_destruct"}, {"request_id", "unknown"}}), "unknown_action"},
      {"type", signedCommand({{"command", "set_level"}, {"request_id", "type"}, {"level", "50"}}), "wrong_type"},
  };
  for (const auto& c : cases) {
    ASSERT_EQ(publish(broker_.port(), kCommands, c.payload, 1), 0);
    const auto j = finalFor(c.id);
    EXPECT_EQ(j.value("reason", ""), c.reason) << c.id << ": " << j.dump();
    EXPECT_EQ(j.value("ok", true), false) << c.id;
  }
  // No request id can be read: a warning in the log, no answer.
  const std::string big =
      dir_.write("big.json", "{\"request_id\":\"big\",\"pad\":\"" + std::string(70'000, 'x') + "\"}");
  const std::string utf8 =
      dir_.write("utf8.json", "{\"request_id\":\"utf8\",\"command\":\"set_level\",\"x\":\"\xff\xfe\"}");
  for (const auto& file : {big, utf8}) {
    std::string out;
    ASSERT_EQ(run({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker_.port()), "-q", "1", "-t", kCommands,
                   "-f", file},
                  &out),
              0)
        << out;
  }
  ASSERT_EQ(publish(broker_.port(), kCommands, "{\"command\": \"set_level\", ", 1), 0);
  ASSERT_EQ(publish(broker_.port(), kCommands, signedCommand({{"command", "set_level"}, {"level", 5}}), 1), 0);
  for (const char* warning : {"(too_large)", "(invalid_utf8)", "(invalid_json)", "(missing_request_id)"}) {
    EXPECT_TRUE(waitFor([&] { return daemon_->output().find(warning) != std::string::npos; })) << warning << "\n"
                                                                                               << daemon_->output();
  }
  EXPECT_NE(daemon_->output().find("refused: unauthorized"), std::string::npos);
  EXPECT_NE(daemon_->output().find("on bess/control/commands"), std::string::npos);
  EXPECT_TRUE(rawResponses("big").empty());
  EXPECT_TRUE(rawResponses("utf8").empty());
  // Nothing reached the hardware; the daemon still runs and still executes.
  for (const auto& c : modem_.received()) EXPECT_EQ(c.rfind("AT+LVL", 0), std::string::npos) << c;
  ASSERT_TRUE(daemon_->running());
  ASSERT_EQ(publish(broker_.port(), kCommands,
                    signedCommand({{"command", "set_level"}, {"request_id", "good"}, {"level", 42}}), 1),
            0);
  EXPECT_EQ(finalFor("good").value("status", ""), "success");
  EXPECT_EQ(modem_.count("AT+LVL=42"), 1u);
}

TEST_F(CommandDaemon, RestartMidCommandIsAnsweredInterruptedAndNotRerun) {
  const std::string cmd = signedCommand({{"command", "hang"}, {"request_id", "mid-1"}});
  ASSERT_EQ(publish(broker_.port(), kCommands, cmd, 1), 0);
  ASSERT_TRUE(waitFor([&] { return modem_.count("AT+HANG") == 1; })) << daemon_->output();
  daemon_->kill();  // dies while the modem has not answered
  startDaemon();
  const auto j = finalFor("mid-1");
  EXPECT_EQ(j.value("reason", ""), "interrupted") << j.dump() << "\n" << daemon_->output();
  // The broker delivers it again: the stored answer, the modem is not asked again.
  ASSERT_EQ(publish(broker_.port(), kCommands, cmd, 1), 0);
  ASSERT_TRUE(waitFor([&] {
    const auto all = responses("mid-1");
    return std::count_if(all.begin(), all.end(),
                         [](const auto& r) { return r.value("reason", "") == "interrupted"; }) == 2;
  })) << daemon_->output();
  EXPECT_EQ(modem_.count("AT+HANG"), 1u);
}

TEST_F(CommandDaemon, CommandsSentWhileOfflineArriveAndSubscriptionsSurviveABrokerRestart) {
  // Persistent session: the broker keeps what comes while the gateway is away.
  daemon_->signal(SIGTERM);
  ASSERT_EQ(daemon_->wait(), 0) << daemon_->output();
  ASSERT_EQ(publish(broker_.port(), kCommands,
                    signedCommand({{"command", "set_level"}, {"request_id", "offline-1"}, {"level", 7}}), 1),
            0);
  startDaemon();
  EXPECT_EQ(finalFor("offline-1").value("status", ""), "success") << daemon_->output();
  EXPECT_EQ(modem_.count("AT+LVL=7"), 1u);
  // The broker restarts (sessions lost): the gateway subscribes again on reconnect.
  broker_.stop();
  broker_.start();
  sub_ = std::make_unique<Subscriber>(broker_.port(), kResponses, 1);
  int n = 0;
  const bool answered = waitFor(
      [&] {
        const std::string id = "after-restart-" + std::to_string(++n);
        publish(broker_.port(), kCommands, signedCommand({{"command", "set_level"}, {"request_id", id}, {"level", 8}}),
                1);
        return waitFor([&] { return !responses(id).empty(); }, std::chrono::milliseconds(500));
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(answered) << daemon_->output();
}

}  // namespace
}  // namespace tgw::test
