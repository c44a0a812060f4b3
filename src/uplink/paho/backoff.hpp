// Exponential reconnect backoff with jitter: initial, 2x, 4x ... capped at
// max, each delay spread by +-jitter. Pure (the random source is seeded by
// the caller), so it is unit tested exactly.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "tgw/config/uplink_config.hpp"

namespace tgw::uplink {

class Backoff {
 public:
  explicit Backoff(const config::ReconnectConfig& cfg, std::uint64_t seed = 0);

  // The delay before the next attempt; grows with every call until reset().
  std::chrono::milliseconds next();
  void reset() noexcept { failures_ = 0; }
  [[nodiscard]] int failures() const noexcept { return failures_; }
  // The delay next() would return without jitter.
  [[nodiscard]] std::chrono::milliseconds nominal() const noexcept;

 private:
  config::ReconnectConfig cfg_;
  int failures_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace tgw::uplink
