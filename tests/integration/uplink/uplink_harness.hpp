// Test harness for PahoUplink: an sd-event loop on its own thread, a
// recording listener, generated certificates, and small fake brokers.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "tgw/config/uplink_config.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/uplink/uplink.hpp"

namespace tgw::test {

// Runs an event loop on a background thread.
class LoopThread {
 public:
  LoopThread();
  ~LoopThread();
  EventLoop& loop() { return *loop_; }
  // Run `fn` on the loop thread and wait for it.
  void sync(const std::function<void()>& fn);

 private:
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
};

// Records every listener call; also checks they come on the loop thread.
class RecordingListener : public UplinkListener {
 public:
  explicit RecordingListener(EventLoop& loop) : loop_(loop) {}
  void onConnected() override;
  void onDisconnected(const std::string& reason) override;
  void onDelivered(std::uint64_t token) override;
  void onSendFailed(std::uint64_t token, const std::string& reason) override;
  void onMessage(const std::string& topic, const std::string& payload, int qos) override;

  int connected() const;
  int disconnected() const;
  std::vector<std::uint64_t> delivered() const;
  std::vector<std::uint64_t> failed() const;
  std::vector<std::string> messages() const;  // "topic payload"
  bool offLoopCall() const { return off_loop_; }

 private:
  EventLoop& loop_;
  mutable std::mutex mu_;
  int connected_ = 0;
  int disconnected_ = 0;
  std::vector<std::uint64_t> delivered_;
  std::vector<std::uint64_t> failed_;
  std::vector<std::string> messages_;
  std::atomic<bool> off_loop_{false};
};

// Certificates made once per test binary with the openssl command.
struct Certs {
  std::string dir;
  std::string ca, ca_key;                 // the right CA
  std::string server_cert, server_key;    // CN/SAN 127.0.0.1 + localhost
  std::string wrong_name_cert, wrong_name_key;  // SAN wrong.example, same CA
  std::string client_cert, client_key;    // client cert from the same CA
  std::string other_ca;                   // an unrelated CA
};
const Certs& certs();

// Mosquitto listener lines for a TLS listener with the server certificate.
std::vector<std::string> tlsListener(const std::string& cert, const std::string& key, bool require_client_cert = false);

// A config pointing at `url` with short timeouts and backoff for tests.
config::UplinkConfig testConfig(const std::string& url, const std::string& client_id);

// Status provider for tests: one retained status topic.
StatusProvider statusProvider(const std::string& topic);

// A TCP server on 127.0.0.1 that either never answers (`accept_and_close`
// false: connections stay in the backlog) or accepts and closes at once.
class FakeServer {
 public:
  explicit FakeServer(bool accept_and_close);
  ~FakeServer();
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// pid of the mosquitto started with the config in `dir` (to SIGSTOP it).
pid_t mosquittoPid(const std::string& dir);

// CPU time (user+sys) of this process so far.
std::chrono::milliseconds processCpu();

}  // namespace tgw::test
