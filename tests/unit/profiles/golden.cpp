#include "golden.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "profiles/dtg_profile.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

using Json = nlohmann::ordered_json;

GatewayStats statsOf(const Json& j) {
  GatewayStats s;
  if (!j.is_object()) return s;
  s.uptime_s = j.value("uptime_s", 0.0);
  s.memory_usage_mb = j.value("memory_usage_mb", 0.0);
  s.storage_available_mb = j.value("storage_available_mb", 0.0);
  s.can_messages_received = j.value("can_messages_received", std::uint64_t{0});
  s.mqtt_messages_sent = j.value("mqtt_messages_sent", std::uint64_t{0});
  s.offline_queue_size = j.value("offline_queue_size", std::uint64_t{0});
  return s;
}

SignalValue valueOf(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>();
  if (v.is_object() && v.contains("number")) {
    const std::string s = v["number"].get<std::string>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  if (v.is_string()) return v.get<std::string>();
  return 0.0;
}

}  // namespace

std::vector<Message> playScript(Profile& profile, const std::string& script_path) {
  std::ifstream in(script_path);
  EXPECT_TRUE(in.good()) << script_path;
  std::vector<Message> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    const Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      ADD_FAILURE() << script_path << ":" << n << ": not JSON";
      continue;
    }
    if (j.contains("signal")) {
      Signal s;
      s.name = j["signal"].get<std::string>();
      s.value = valueOf(j["value"]);
      s.unit = j.value("unit", "");
      s.ts_ms = j.value("ts", std::int64_t{0});
      s.quality = j.value("quality", 100);
      profile.onSignal(s, out);
    } else if (j.contains("tick")) {
      profile.tick(fromUnixMs(j["tick"].get<std::int64_t>()), statsOf(j.value("stats", Json())), out);
    } else if (j.contains("connected")) {
      profile.onConnected(fromUnixMs(j["connected"].get<std::int64_t>()), statsOf(j.value("stats", Json())), out);
    } else if (j.contains("connection")) {
      for (auto& m : profile.connectionStatus(j["connection"].get<bool>(), j.value("reason", ""),
                                              fromUnixMs(j["at"].get<std::int64_t>()))) {
        out.push_back(std::move(m));
      }
    } else if (j.contains("inference")) {
      auto* dtg = dynamic_cast<profiles::DtgProfile*>(&profile);
      EXPECT_NE(dtg, nullptr) << script_path << ":" << n;
      if (dtg != nullptr) {
        auto r = dtg->submitInference(j["inference"].dump(), fromUnixMs(j["at"].get<std::int64_t>()), out);
        EXPECT_TRUE(r.has_value()) << script_path << ":" << n << ": " << r.error().message;
      }
    } else {
      ADD_FAILURE() << script_path << ":" << n << ": unknown line";
    }
  }
  return out;
}

std::string formatMessages(const std::vector<Message>& messages) {
  std::string text;
  for (const auto& m : messages) {
    Json j;
    j["class"] = std::string(className(m.cls));
    j["topic"] = m.topic;
    j["qos"] = m.qos;
    j["retain"] = m.retain;
    j["created_ms"] = m.created_ms;
    j["payload"] = m.payload;
    text += j.dump() + "\n";
    // Every payload is a valid JSON object.
    const Json p = Json::parse(m.payload, nullptr, false);
    EXPECT_FALSE(p.is_discarded()) << m.payload;
    EXPECT_TRUE(p.is_object()) << m.payload;
  }
  return text;
}

void expectGolden(const std::vector<Message>& messages, const std::string& expected_path) {
  const std::string actual = formatMessages(messages);
  const char* regen = std::getenv("TGW_REGENERATE_GOLDEN");  // NOLINT(concurrency-mt-unsafe): test main thread
  if (regen != nullptr && std::string(regen) == "1") {
    std::ofstream(expected_path) << actual;
    return;
  }
  const std::string expected = readFile(expected_path);
  // Line by line, so that a failure shows the first differing message.
  std::size_t a = 0;
  std::size_t e = 0;
  int line = 1;
  while (a < actual.size() || e < expected.size()) {
    const std::size_t an = actual.find('\n', a);
    const std::size_t en = expected.find('\n', e);
    const std::string al = a < actual.size() ? actual.substr(a, an - a) : "<end>";
    const std::string el = e < expected.size() ? expected.substr(e, en - e) : "<end>";
    ASSERT_EQ(al, el) << expected_path << ":" << line;
    a = an == std::string::npos ? actual.size() : an + 1;
    e = en == std::string::npos ? expected.size() : en + 1;
    ++line;
  }
}

}  // namespace tgw::test
