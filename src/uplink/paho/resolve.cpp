#include "uplink/paho/resolve.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace tgw::uplink {

namespace {
struct Lookup {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = 0;
};
}  // namespace

Expected<void> checkResolvable(const std::string& host, int port, std::chrono::milliseconds timeout,
                               const std::function<bool()>& cancelled) {
  auto lookup = std::make_shared<Lookup>();
  // Detached: if the resolver hangs, the thread finishes on its own later
  // and only touches the shared Lookup.
  std::thread([lookup, host, port] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (res != nullptr) ::freeaddrinfo(res);
    std::lock_guard lk(lookup->mu);
    lookup->rc = rc;
    lookup->done = true;
    lookup->cv.notify_all();
  }).detach();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lk(lookup->mu);
  while (!lookup->done) {
    if (cancelled && cancelled()) return makeError(Errc::kUnavailable, "name lookup abandoned: stopping");
    if (std::chrono::steady_clock::now() >= deadline) {
      return makeError(Errc::kTimeout, fmt::format("cannot resolve broker host '{}': no answer from the resolver "
                                                   "within {} ms",
                                                   host, timeout.count()));
    }
    lookup->cv.wait_for(lk, std::chrono::milliseconds(100));
  }
  if (lookup->rc != 0) {
    return makeError(Errc::kUnavailable, fmt::format("cannot resolve broker host '{}': {}", host,
                                                     gai_strerror(lookup->rc)));
  }
  return {};
}

}  // namespace tgw::uplink
