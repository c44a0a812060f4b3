#include "support/mosquitto.hpp"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <unistd.h>

namespace tgw::test {

Mosquitto::Mosquitto(BrokerOptions options, int port) : options_(std::move(options)), port_(port) {
  if (port_ == 0) port_ = freePort();
  start();
}

Mosquitto::~Mosquitto() { process_.kill(); }

const std::string& Mosquitto::dir() const {
  static thread_local std::string s;
  s = dir_.path().string();
  return s;
}

std::string Mosquitto::url(const std::string& scheme) const {
  return scheme + "://127.0.0.1:" + std::to_string(port_);
}

void Mosquitto::start() {
  std::ostringstream conf;
  conf << "per_listener_settings false\n";
  conf << "allow_anonymous " << (options_.allow_anonymous ? "true" : "false") << "\n";
  conf << "persistence false\n";
  conf << "log_dest stdout\nlog_type all\nconnection_messages true\n";
  conf << "max_inflight_messages 0\nmax_queued_messages 100000\n";
  for (const auto& l : options_.global_lines) conf << l << "\n";
  conf << "listener " << port_ << " 127.0.0.1\n";
  for (const auto& l : options_.listener_lines) conf << l << "\n";
  for (const auto& block : options_.extra_listeners) conf << block << "\n";
  const std::string path = dir_.write("mosquitto.conf", conf.str());
  process_ = Process({"mosquitto", "-c", path}, {}, dir_.file("mosquitto.log"));
  if (!waitFor([this] { return portOpen(port_) || !process_.running(); }, std::chrono::seconds(10)) ||
      !process_.running()) {
    throw std::runtime_error("mosquitto did not start: " + process_.output());
  }
}

void Mosquitto::stop() {
  process_.signal(SIGTERM);
  if (process_.wait(std::chrono::seconds(5)) == -1) process_.kill();
}

void Mosquitto::kill() { process_.kill(); }

void Mosquitto::pause() { process_.signal(SIGSTOP); }

void Mosquitto::resume() { process_.signal(SIGCONT); }

Subscriber::Subscriber(int port, const std::string& filter, int qos, const std::vector<std::string>& extra_args) {
  // A second subscription on a private probe topic tells when the
  // subscription is in place, so the test never publishes too early.
  const std::string probe = "tgw-test-probe/" + std::to_string(::getpid());
  std::vector<std::string> argv = {"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(port), "-t", filter,
                                   "-t", probe, "-q", std::to_string(qos), "-v"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = Process(argv, {}, dir_.file("sub.out"));
  waitFor(
      [&] {
        publish(port, probe, "probe", 0);
        return process_.output().find(probe) != std::string::npos;
      },
      std::chrono::seconds(10));
}

Subscriber::~Subscriber() { process_.kill(); }

std::vector<std::string> Subscriber::lines() const {
  std::vector<std::string> out;
  std::istringstream in(process_.output());
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && !line.starts_with("tgw-test-probe/")) out.push_back(line);
  }
  return out;
}

bool Subscriber::waitForLines(std::size_t count, std::chrono::milliseconds timeout) const {
  return waitFor([&] { return lines().size() >= count; }, timeout);
}

bool Subscriber::waitForText(const std::string& text, std::chrono::milliseconds timeout) const {
  return waitFor([&] { return process_.output().find(text) != std::string::npos; }, timeout);
}

std::vector<std::string> retained(int port, const std::string& filter) {
  std::string out;
  run({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(port), "-t", filter, "-v", "--retained-only", "-W",
       "1"},
      &out, std::chrono::seconds(5));
  std::vector<std::string> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.find("Timed out") == std::string::npos) lines.push_back(line);
  }
  return lines;
}

int publish(int port, const std::string& topic, const std::string& payload, int qos, bool retain) {
  std::vector<std::string> argv = {"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port),
                                   "-t", topic, "-m", payload, "-q", std::to_string(qos)};
  if (retain) argv.push_back("-r");
  return run(argv);
}

}  // namespace tgw::test
