// bess: alarms per module (ids from names), SoC low, status codes, and the
// log forwarding sink (level, rate limit, no recursion, real spdlog loggers).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/logging.hpp"
#include "profiles/bess_profile.hpp"

namespace tgw::profiles {
namespace {

using nlohmann::json;
constexpr std::int64_t kT0 = 1713012345000;

config::BessConfig bessConfig() {
  config::BessConfig cfg;
  cfg.enabled = true;
  cfg.device_id = "bess_controller_001";
  cfg.signals["soc"].signal = "bms.soc";
  cfg.module_temperatures = {"bms.rack1.mod*"};
  return cfg;
}

Signal sig(std::string name, double v, std::string unit, std::int64_t ts) {
  return Signal{std::move(name), v, std::move(unit), ts, 100};
}

TEST(Bess, CriticalAndWarningAlarmsPerModuleThenCleared) {
  BessProfile bess(bessConfig());
  std::vector<Message> out;
  for (int s = 0; s < 60; ++s) {
    const double t5 = s < 10 ? 40.0 : (s < 30 ? 58.0 : 35.0);
    bess.onSignal(sig("bms.rack1.mod5_temp", t5, "degC", kT0 + s * 1000), out);
    bess.onSignal(sig("bms.rack1.mod6_temp", 30.0, "degC", kT0 + s * 1000), out);
  }
  std::vector<std::string> lines;
  for (const auto& m : out) lines.push_back(m.topic + " " + m.payload);
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[0],
            R"(bess/alarms/critical {"timestamp":1713012357,"device_id":"bess_controller_001","code":3002,)"
            R"("message":"Module 5 temperature 58.0 °C above critical threshold 55.0 °C","severity":4,"module_id":5})");
  EXPECT_EQ(lines[1],
            R"(bess/alarms/warning {"timestamp":1713012360,"device_id":"bess_controller_001","code":3001,)"
            R"("message":"Module 5 temperature 58.0 °C above warning threshold 45.0 °C","severity":2,"module_id":5})");
  EXPECT_EQ(lines[2],
            R"(bess/alarms/info {"timestamp":1713012377,"device_id":"bess_controller_001","code":3002,)"
            R"("message":"Cleared: Module 5 temperature 35.0 °C back below 52.0 °C","severity":1,"module_id":5})");
  EXPECT_EQ(lines[3],
            R"(bess/alarms/info {"timestamp":1713012380,"device_id":"bess_controller_001","code":3001,)"
            R"("message":"Cleared: Module 5 temperature 35.0 °C back below 42.0 °C","severity":1,"module_id":5})");
  for (const auto& m : out) {
    EXPECT_EQ(m.cls, MessageClass::kAlarm);
    EXPECT_EQ(m.qos, 1);
  }
}

TEST(Bess, ExplicitModuleListGivesPositions) {
  auto cfg = bessConfig();
  cfg.module_temperatures = {"bms.t_a", "bms.t_b"};
  cfg.rules.module_temp_warning.min_duration_ms = 0;
  BessProfile bess(cfg);
  std::vector<Message> out;
  bess.onSignal(sig("bms.t_b", 50.0, "degC", kT0), out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(json::parse(out[0].payload)["module_id"], 2);
}

TEST(Bess, SocLowAlarmOnceAndSoc140Dropped) {
  BessProfile bess(bessConfig());
  std::vector<Message> out;
  for (int s = 0; s < 40; ++s) {
    bess.onSignal(sig("bms.soc", s == 3 ? 140.0 : 14.0, "%", kT0 + s * 1000), out);
  }
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].topic, "bess/alarms/warning");
  EXPECT_EQ(json::parse(out[0].payload)["code"], 2001);
  EXPECT_EQ(json::parse(out[0].payload)["module_id"], 0);
  EXPECT_EQ(bess.counters().at("dropped_out_of_range"), 1U);
}

TEST(Bess, ReportStatusTopics) {
  BessProfile bess(bessConfig());
  std::vector<Message> out;
  bess.reportStatus(1001, "Cell balancing started", false, fromUnixMs(kT0 + 55000), out);
  bess.reportStatus(4004, "Inverter fault", true, fromUnixMs(kT0 + 56000), out);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].topic, "bess/status/info");
  EXPECT_EQ(out[0].payload, R"({"timestamp":1713012400,"device_id":"bess_controller_001","code":1001,)"
                            R"("message":"Cell balancing started","is_error":false})");
  EXPECT_EQ(out[1].topic, "bess/status/error");
  EXPECT_EQ(out[1].cls, MessageClass::kStatus);
}

TEST(Bess, ConnectionStatus) {
  BessProfile bess(bessConfig());
  const auto will = bess.connectionStatus(false, "unexpected_disconnect", fromUnixMs(kT0));
  ASSERT_EQ(will.size(), 1U);
  EXPECT_EQ(will[0].topic, "bess/status/connection");
  EXPECT_TRUE(will[0].retain);
  EXPECT_EQ(will[0].qos, 1);
  EXPECT_EQ(will[0].payload, R"({"online":false,"timestamp":1713012345})");
}

spdlog::details::log_msg logMsg(std::int64_t ms, spdlog::level::level_enum lvl, std::string_view logger,
                                std::string_view text) {
  spdlog::details::log_msg m(spdlog::string_view_t(logger.data(), logger.size()), lvl,
                             spdlog::string_view_t(text.data(), text.size()));
  m.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  return m;
}

TEST(BessLogSink, LevelTopicAndPayload) {
  config::BessLogsConfig cfg;
  cfg.level = "warning";
  BessLogSink sink("bess_controller_001", "bess/logs/{level}", cfg);
  sink.log(logMsg(kT0, spdlog::level::info, "queue", "not forwarded"));
  sink.log(logMsg(kT0, spdlog::level::warn, "battery_manager", "Cell voltage deviation detected in module 3"));
  sink.log(logMsg(kT0 + 1, spdlog::level::err, "uplink", "connect failed"));
  sink.log(logMsg(kT0 + 2, spdlog::level::critical, "queue", "disk full"));
  std::vector<Message> out;
  sink.drain(out);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(out[0].topic, "bess/logs/warning");
  EXPECT_EQ(out[0].cls, MessageClass::kLog);
  EXPECT_EQ(out[0].qos, 0);
  EXPECT_EQ(out[0].payload,
            R"({"timestamp":1713012345000,"device_id":"bess_controller_001","level":2,)"
            R"("component":"battery_manager","message":"Cell voltage deviation detected in module 3"})");
  EXPECT_EQ(out[1].topic, "bess/logs/error");
  EXPECT_EQ(json::parse(out[1].payload)["level"], 1);
  EXPECT_EQ(out[2].topic, "bess/logs/error");
  out.clear();
  sink.drain(out);
  EXPECT_TRUE(out.empty());
}

TEST(BessLogSink, RateLimitedWithBurst) {
  config::BessLogsConfig cfg;
  cfg.level = "info";
  cfg.burst = 5;
  cfg.rate_per_s = 2;
  BessLogSink sink("b", "bess/logs/{level}", cfg);
  for (int i = 0; i < 20; ++i) sink.log(logMsg(kT0, spdlog::level::info, "x", "line"));
  EXPECT_EQ(sink.forwarded(), 5U);
  EXPECT_EQ(sink.droppedRate(), 15U);
  // One second later two more tokens.
  for (int i = 0; i < 5; ++i) sink.log(logMsg(kT0 + 1000, spdlog::level::info, "x", "line"));
  EXPECT_EQ(sink.forwarded(), 7U);
  // A clock stepping back refills nothing and breaks nothing.
  for (int i = 0; i < 5; ++i) sink.log(logMsg(kT0 - 60000, spdlog::level::info, "x", "line"));
  EXPECT_EQ(sink.forwarded(), 7U);
}

TEST(BessLogSink, OwnLoggerNotForwardedAndBufferBounded) {
  config::BessLogsConfig cfg;
  cfg.level = "info";
  cfg.burst = 10000;
  cfg.rate_per_s = 1000;
  BessLogSink sink("b", "bess/logs/{level}", cfg);
  sink.log(logMsg(kT0, spdlog::level::err, "bess.logs", "about myself"));
  EXPECT_EQ(sink.forwarded(), 0U);
  for (std::size_t i = 0; i < BessLogSink::kMaxBuffered + 10; ++i) {
    sink.log(logMsg(kT0, spdlog::level::err, "x", std::string(5000, 'a')));
  }
  EXPECT_EQ(sink.droppedOverflow(), 10U);
  std::vector<Message> out;
  sink.drain(out);
  ASSERT_EQ(out.size(), BessLogSink::kMaxBuffered);
  EXPECT_EQ(json::parse(out[0].payload)["message"].get<std::string>().size(), BessLogSink::kMaxMessageBytes);
}

TEST(BessLogSink, RegisteredWithTheDaemonLoggers) {
  auto cfg = bessConfig();
  BessProfile bess(cfg);
  log::addSink(bess.logSink());
  auto logger = log::get("battery_manager");
  // Log lines from another thread end up in the profile's next tick.
  std::thread([&] { logger->warn("module {} too warm", 3); }).join();
  logger->info("below the level");
  log::removeSink(bess.logSink());
  logger->error("after removal");
  std::vector<Message> out;
  bess.tick(fromUnixMs(kT0), {}, out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].topic, "bess/logs/warning");
  const json p = json::parse(out[0].payload);
  EXPECT_EQ(p["component"], "battery_manager");
  EXPECT_EQ(p["message"], "module 3 too warm");
  EXPECT_EQ(bess.counters().at("logs_forwarded"), 1U);
}

TEST(Bess, TelemetryComputesPowerAndSkipsWithoutData) {
  auto cfg = bessConfig();
  cfg.signals["voltage"].signal = "bms.v";
  cfg.signals["current"].signal = "bms.i";
  BessProfile bess(cfg);
  std::vector<Message> out;
  bess.tick(fromUnixMs(kT0), {}, out);
  bess.tick(fromUnixMs(kT0 + 5000), {}, out);
  EXPECT_TRUE(out.empty());
  bess.onSignal(sig("bms.v", 400.0, "V", kT0 + 5100), out);
  bess.onSignal(sig("bms.i", -25.0, "A", kT0 + 5100), out);
  bess.tick(fromUnixMs(kT0 + 10000), {}, out);
  std::vector<Message> telemetry;
  for (const auto& m : out) {
    if (m.cls == MessageClass::kTelemetry) telemetry.push_back(m);
  }
  ASSERT_EQ(telemetry.size(), 1U);
  EXPECT_EQ(telemetry[0].payload,
            R"({"timestamp":1713012355,"device_id":"bess_controller_001","electrical":{"voltage":400.0,)"
            R"("current":-25.0,"power_kw":-10.0},"battery":{"soc":null,"soh":null},)"
            R"("thermal":{"max_temp":null,"min_temp":null,"avg_temp":null}})");
}

}  // namespace
}  // namespace tgw::profiles
