// `status` / `tail` formatting and MQTT topic filters (pure functions).
#include "service/status_report.hpp"

#include <gtest/gtest.h>

#include "service/topic_filter.hpp"

namespace tgw::service {
namespace {

TEST(TopicFilter, MatchesLikeABroker) {
  struct Case {
    const char* filter;
    const char* topic;
    bool match;
  };
  const Case cases[] = {
      {"homesync/#", "homesync/h1/nodes/n1/telemetry/power", true},
      {"homesync/#", "homesync", true},  // '#' also matches the parent level
      {"homesync/+/nodes/+/telemetry/power", "homesync/h1/nodes/n1/telemetry/power", true},
      {"homesync/+/nodes/+/telemetry/power", "homesync/h1/nodes/n1/telemetry/energy", false},
      {"homesync/+", "homesync/h1/nodes", false},
      {"+/+", "a/b", true},
      {"+", "a/b", false},
      {"#", "$SYS/broker/uptime", false},  // wildcards never match $ topics at the start
      {"a/b", "a/b", true},
      {"a/b", "a/b/c", false},
      {"a/+/c", "a//c", true},  // an empty level is a level
  };
  for (const auto& c : cases) EXPECT_EQ(topicMatches(c.filter, c.topic), c.match) << c.filter << " " << c.topic;
}

TEST(TopicFilter, RejectsMalformedFilters) {
  EXPECT_FALSE(checkTopicFilter("homesync/+/nodes/#"));
  EXPECT_TRUE(checkTopicFilter(""));
  EXPECT_TRUE(checkTopicFilter("homesync/#/power"));
  EXPECT_TRUE(checkTopicFilter("home#"));
  EXPECT_TRUE(checkTopicFilter("home+/x"));
}

TEST(Abbreviate, CutsWithoutSplittingUtf8AndFlattensLines) {
  EXPECT_EQ(abbreviate("{\"a\":1}", 100), "{\"a\":1}");
  EXPECT_EQ(abbreviate("abcdef", 3), "abc…");
  // "°" is two bytes (C2 B0): a cut inside it backs up before it.
  EXPECT_EQ(abbreviate("12°C", 3), "12…");
  EXPECT_EQ(abbreviate("a\nb\tc", 10), "a b c");
}

DaemonSnapshot sampleSnapshot() {
  DaemonSnapshot s;
  s.connection_state = "connected";
  s.connected = true;
  s.broker = "mqtt://127.0.0.1:1883";
  s.queue_depth = 12;
  s.queue_bytes = 3 * 1024;
  s.oldest_age_ms = 5000;
  s.published = 100;
  s.acked = 98;
  s.dropped = 3;
  s.drops_by_reason = {{"full", 2}, {"expired", 1}};
  s.last_ack_ms = 1'000'000 - 2000;
  s.commands_executed = 4;
  s.commands_rejected = 1;
  s.sources = {{"meter", "modbus_rtu", "online", "", 1200, 0, 1'000'000 - 1000},
               {"can0", "socketcan", "offline", "no such device", 0, 3, 0}};
  return s;
}

TEST(StatusReport, JsonCarriesEveryCounterWithAgesFromTheDaemonClock) {
  StatusExtras x;
  x.version = "1.2.3";
  x.now_ms = 1'000'000;
  x.uptime_ms = 3'600'000;
  x.source_since_ms = {{"meter", 1'000'000 - 300'000}, {"can0", 1'000'000 - 60'000}};
  x.recent = {{1'000'000 - 10'000, "warning", "source.can0", "cannot open can0: No such device"}};
  const auto j = statusJson(sampleSnapshot(), x);
  EXPECT_EQ(j["uplink"]["state"], "connected");
  EXPECT_EQ(j["uplink"]["last_ack_age_ms"], 2000);
  EXPECT_EQ(j["queue"]["depth"], 12);
  EXPECT_EQ(j["queue"]["bytes"], 3072);
  EXPECT_EQ(j["queue"]["drops"]["full"], 2);
  EXPECT_EQ(j["sources"][1]["since_age_ms"], 60'000);
  EXPECT_EQ(j["sources"][0]["last_reading_age_ms"], 1000);
  EXPECT_EQ(j["sources"][1]["last_reading_age_ms"], -1);  // never read
  EXPECT_EQ(j["commands"]["executed"], 4);
  EXPECT_EQ(j["commands"]["rejected"], 1);
  EXPECT_EQ(j["recent_errors"][0]["logger"], "source.can0");
}

TEST(StatusReport, ReadableSummary) {
  StatusExtras x;
  x.version = "1.2.3";
  x.now_ms = 1'000'000;
  x.uptime_ms = 3'600'000;
  x.source_since_ms = {{"meter", 1'000'000 - 300'000}, {"can0", 1'000'000 - 60'000}};
  const std::string text = formatStatus(statusJson(sampleSnapshot(), x));
  EXPECT_NE(text.find("telemetry-gateway 1.2.3, up 1 h"), std::string::npos) << text;
  EXPECT_NE(text.find("Uplink    connected mqtt://127.0.0.1:1883"), std::string::npos) << text;
  EXPECT_NE(text.find("last publish acknowledged 2 s ago; 100 published, 98 acknowledged"), std::string::npos) << text;
  EXPECT_NE(text.find("Queue     12 messages, 3.0 KiB, oldest 5 s; dropped 3 (expired 1, full 2)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("meter (modbus_rtu) online for 5 min, 1200 readings, 0 errors, last reading 1 s ago"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("can0 (socketcan) offline since "), std::string::npos) << text;
  EXPECT_NE(text.find("(1 min ago), 0 readings, 3 errors, no reading yet: no such device"), std::string::npos) << text;
  EXPECT_NE(text.find("Commands  4 executed, 1 rejected"), std::string::npos) << text;
  EXPECT_NE(text.find("Recent warnings and errors: none"), std::string::npos) << text;
}

TEST(StatusReport, SummaryToleratesAnEmptyDocument) {
  const std::string text = formatStatus(nlohmann::json::object());
  EXPECT_NE(text.find("Uplink    ?"), std::string::npos) << text;
  EXPECT_NE(text.find("Sources   none"), std::string::npos) << text;
}

TEST(TailLine, TextAndJson) {
  PublishedEvent e{"telemetry", "homesync/h1/nodes/n1/telemetry/power", 0, false, 58, R"({"value":125.5})", 0, 0};
  const std::string line = formatTailLine(e, false);
  EXPECT_NE(line.find("telemetry q0  "), std::string::npos) << line;
  EXPECT_NE(line.find("58 B homesync/h1/nodes/n1/telemetry/power {\"value\":125.5}\n"), std::string::npos) << line;
  e.skipped = 3;
  e.retain = true;
  e.qos = 1;
  const std::string json = formatTailLine(e, true);
  EXPECT_EQ(json.substr(0, json.find('\n')), R"({"skipped":3})");
  const auto j = nlohmann::json::parse(json.substr(json.find('\n') + 1));
  EXPECT_EQ(j["topic"], e.topic);
  EXPECT_EQ(j["qos"], 1);
  EXPECT_EQ(j["retain"], true);
  EXPECT_EQ(j["size"], 58);
  const std::string narrow = formatTailLine(e, false, 82);
  EXPECT_NE(narrow.find("…"), std::string::npos) << narrow;
}

}  // namespace
}  // namespace tgw::service
