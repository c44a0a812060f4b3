#include "service/watchdog.hpp"

#include <memory>

#include "core/logging.hpp"

namespace tgw::service {

Watchdog::Watchdog(EventLoop& loop, Notifier& notifier) : loop_(loop), notifier_(notifier) {}

void Watchdog::addCheck(std::string name, Check check) { checks_.emplace_back(std::move(name), std::move(check)); }

bool Watchdog::start(std::optional<std::chrono::microseconds> interval) {
  if (!interval || interval->count() <= 0) return false;
  const auto half = std::max(std::chrono::milliseconds(1),
                             std::chrono::duration_cast<std::chrono::milliseconds>(*interval) / 2);
  timer_ = loop_.every(half, [this] { tick(); });
  log::get("main")->debug("systemd watchdog: WATCHDOG=1 every {} ms while healthy", half.count());
  tick();
  return true;
}

void Watchdog::stop() { timer_.reset(); }

void Watchdog::tick() {
  for (const auto& [name, check] : checks_) {
    auto problem = check();
    if (problem) {
      ++misses_;
      if (failing_ != name) {
        failing_ = name;
        log::get("main")->error("watchdog: {} is not making progress ({}); not pinging systemd, which will restart "
                                "the daemon when WatchdogSec expires",
                                name, *problem);
      }
      return;
    }
  }
  if (!failing_.empty()) {
    log::get("main")->warn("watchdog: {} recovered; pinging systemd again", failing_);
    failing_.clear();
  }
  ++pings_;
  notifier_.watchdog();
}

Watchdog::Check Watchdog::progressCheck(std::function<std::uint64_t()> pending,
                                        std::function<std::uint64_t()> progress, const Clock& clock,
                                        std::chrono::milliseconds stall) {
  struct State {
    std::uint64_t last = 0;
    MonoTime since{};
    bool init = false;
  };
  auto state = std::make_shared<State>();
  return [state, pending = std::move(pending), progress = std::move(progress), &clock,
          stall]() -> std::optional<std::string> {
    const MonoTime now = clock.monotonic();
    const std::uint64_t p = progress();
    if (!state->init || p != state->last || pending() == 0) {
      state->init = true;
      state->last = p;
      state->since = now;
      return std::nullopt;
    }
    const auto stuck = std::chrono::duration_cast<std::chrono::milliseconds>(now - state->since);
    if (stuck < stall) return std::nullopt;
    return std::to_string(pending()) + " pending, no progress for " + std::to_string(stuck.count()) + " ms";
  };
}

}  // namespace tgw::service
