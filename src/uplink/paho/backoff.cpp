#include "uplink/paho/backoff.hpp"

#include <algorithm>

namespace tgw::uplink {

Backoff::Backoff(const config::ReconnectConfig& cfg, std::uint64_t seed) : cfg_(cfg), rng_(seed) {
  cfg_.initial_delay_ms = std::max(1, cfg_.initial_delay_ms);
  cfg_.max_delay_ms = std::max(cfg_.initial_delay_ms, cfg_.max_delay_ms);
  cfg_.jitter = std::clamp(cfg_.jitter, 0.0, 1.0);
}

std::chrono::milliseconds Backoff::nominal() const noexcept {
  double delay = cfg_.initial_delay_ms;
  for (int i = 0; i < failures_ && delay < cfg_.max_delay_ms; ++i) delay *= 2;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::min<double>(delay, cfg_.max_delay_ms)));
}

std::chrono::milliseconds Backoff::next() {
  const double base = static_cast<double>(nominal().count());
  if (failures_ < 64) ++failures_;
  double factor = 1.0;
  if (cfg_.jitter > 0) factor = std::uniform_real_distribution<double>(1.0 - cfg_.jitter, 1.0 + cfg_.jitter)(rng_);
  const double ms = std::clamp(base * factor, 1.0, static_cast<double>(cfg_.max_delay_ms) * (1.0 + cfg_.jitter));
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace tgw::uplink
