// Name resolution before a connect attempt, so a DNS failure is reported in
// plain words (Paho only says "TCP/TLS connect failure"). getaddrinfo runs on
// a helper thread; the wait is bounded and can be cancelled, so a resolver
// that never answers cannot hang shutdown.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "tgw/core/error.hpp"

namespace tgw::uplink {

Expected<void> checkResolvable(const std::string& host, int port, std::chrono::milliseconds timeout,
                               const std::function<bool()>& cancelled);

}  // namespace tgw::uplink
