// A real mosquitto broker on a free loopback port, started by the test.
#pragma once

#include <string>
#include <vector>

#include "support/support.hpp"

namespace tgw::test {

struct BrokerOptions {
  // Extra lines for the listener (e.g. "cafile ...", "require_certificate true").
  std::vector<std::string> listener_lines;
  // Extra global lines (e.g. "password_file ...").
  std::vector<std::string> global_lines;
  bool allow_anonymous = true;
  // Additional listeners: each entry is the whole block, "{port}" replaced.
  std::vector<std::string> extra_listeners;
};

class Mosquitto {
 public:
  explicit Mosquitto(BrokerOptions options = {}, int port = 0);
  ~Mosquitto();
  Mosquitto(const Mosquitto&) = delete;
  Mosquitto& operator=(const Mosquitto&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url(const std::string& scheme = "mqtt") const;
  [[nodiscard]] bool running() { return process_.running(); }
  // Start (again) on the same port; waits until it accepts connections.
  void start();
  void stop();  // SIGTERM and wait
  void kill();  // SIGKILL
  // SIGSTOP / SIGCONT: the broker keeps its sockets but answers nothing.
  void pause();
  void resume();
  [[nodiscard]] std::string log() const { return process_.output(); }
  [[nodiscard]] const std::string& dir() const;

 private:
  BrokerOptions options_;
  TempDir dir_;
  int port_;
  Process process_;
};

// Subscribes with mosquitto_sub (-v, one "topic payload" line per message).
class Subscriber {
 public:
  Subscriber(int port, const std::string& filter, int qos = 1, const std::vector<std::string>& extra_args = {});
  ~Subscriber();
  // Lines received so far ("topic payload").
  std::vector<std::string> lines() const;
  bool waitForLines(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  bool waitForText(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  TempDir dir_;
  Process process_;
};

// Fetch retained messages for `filter` (mosquitto_sub --retained-only -W 1).
std::vector<std::string> retained(int port, const std::string& filter);

// Publish one message with mosquitto_pub.
int publish(int port, const std::string& topic, const std::string& payload, int qos = 1, bool retain = false);

}  // namespace tgw::test
