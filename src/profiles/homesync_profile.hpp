// homesync — home energy nodes (SPEC.md §4.3): one gateway, many nodes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/field_store.hpp"
#include "tgw/config/profile_config.hpp"
#include "tgw/profile/profile.hpp"

namespace tgw::profiles {

class HomesyncProfile final : public Profile {
 public:
  explicit HomesyncProfile(const config::HomesyncConfig& cfg);

  [[nodiscard]] std::string_view name() const override { return "homesync"; }
  void onSignal(const Signal& signal, std::vector<Message>& out) override;
  void tick(WallTime now, const GatewayStats& stats, std::vector<Message>& out) override;
  [[nodiscard]] std::map<std::string, std::uint64_t> counters() const override { return counters_; }
  // One retained status/online message per node: online=true gives each
  // node's current health (a node not answering stays offline with
  // "node_unresponsive"); online=false gives every node offline with
  // `reason` ("shutdown", "unexpected_disconnect"; anything else is sent as
  // "unexpected_disconnect"). Thread-safe.
  [[nodiscard]] std::vector<Message> connectionStatus(bool online, std::string_view reason,
                                                      WallTime now) const override;

  // Quality 0..100 of a reading of age `age_ms` with source quality `q`:
  // q while fresh, then falling linearly to 0 at offline_after_s.
  [[nodiscard]] int quality(int q, std::int64_t age_ms) const;

 private:
  enum class Health { kUnknown, kOnline, kOffline };
  struct Node {
    explicit Node(const config::HomesyncNode& c)
        : cfg(c), metrics("homesync", c.metrics), status("homesync.status", c.status) {}
    config::HomesyncNode cfg;
    std::map<std::string, std::string, std::less<>> topics;  // key -> topic with {metric} left
    FieldStore metrics;
    FieldStore status;
    Health health = Health::kUnknown;
    std::int64_t last_answer_ms = 0;  // any reading of this node (valid or not)
    std::int64_t online_since_ms = 0;
    std::optional<double> sent_relay;
    std::string sent_firmware;
    std::int64_t rssi_sent_ms = 0;
  };
  // What connectionStatus() needs, copied under the mutex by tick().
  struct Snapshot {
    std::string topic;
    bool offline = false;
    std::int64_t online_since_ms = 0;
    std::optional<double> uptime_s;
    std::string firmware;
  };

  void telemetry(Node& node, std::int64_t now_ms, std::vector<Message>& out);
  void statusValues(Node& node, std::int64_t now_ms, std::vector<Message>& out);
  [[nodiscard]] Message onlineMessage(const Snapshot& s, std::int64_t now_ms) const;
  [[nodiscard]] Message offlineMessage(const std::string& topic, std::string_view reason, std::int64_t now_ms) const;
  [[nodiscard]] Snapshot snapshot(const Node& node, std::int64_t now_ms) const;

  config::HomesyncConfig cfg_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::string, std::vector<Node*>> by_signal_;
  Counters counters_;
  bool started_ = false;
  std::int64_t start_ms_ = 0;
  std::int64_t last_tick_ms_ = 0;
  std::int64_t next_telemetry_ms_ = 0;
  mutable std::mutex snapshot_mutex_;
  std::vector<Snapshot> snapshots_;
};

}  // namespace tgw::profiles
