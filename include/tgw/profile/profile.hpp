// A Profile turns named signals into the messages of one payload family
// (dtg, bess, homesync). Pure: signals in, messages out, time injected.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tgw/core/clock.hpp"
#include "tgw/model/message.hpp"
#include "tgw/model/signal.hpp"

namespace tgw {

// Numbers about the gateway itself that status messages report.
struct GatewayStats {
  double uptime_s = 0;
  double memory_usage_mb = 0;       // RSS
  double storage_available_mb = 0;  // free space of the state directory
  std::uint64_t can_messages_received = 0;
  std::uint64_t mqtt_messages_sent = 0;
  std::uint64_t offline_queue_size = 0;
};

class Profile {
 public:
  virtual ~Profile() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  // A reading arrived (any source). May emit event messages (alerts).
  virtual void onSignal(const Signal& signal, std::vector<Message>& out) = 0;
  // Called regularly (at least every 100 ms); emits what is due at `now`.
  virtual void tick(WallTime now, const GatewayStats& stats, std::vector<Message>& out) = 0;
  // The uplink session is up (after the retained online status went out).
  // dtg sends its full status here. Loop thread. Default: nothing.
  virtual void onConnected(WallTime now, const GatewayStats& stats, std::vector<Message>& out) {
    (void)now, (void)stats, (void)out;
  }
  // Counted events by reason ("dropped_nan", "dropped_out_of_range",
  // "clock_backwards", "alerts" ...) for diagnostics. Loop thread.
  [[nodiscard]] virtual std::map<std::string, std::uint64_t> counters() const { return {}; }
  // The retained connection-status messages for the uplink session. `online`
  // false with reason "unexpected_disconnect" gives the Last Will payload.
  // Must be thread-safe (may be called from the uplink's thread).
  [[nodiscard]] virtual std::vector<Message> connectionStatus(bool online, std::string_view reason,
                                                              WallTime now) const = 0;
};

}  // namespace tgw
