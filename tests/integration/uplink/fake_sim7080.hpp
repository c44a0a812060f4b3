// A scripted SIMCom SIM7080G on a pty: the code under test opens the slave
// side as the modem's AT port; this answers the AT+SM* MQTT commands and
// relays them to a real mosquitto with a Paho client (the modem's "own"
// MQTT client): AT+SMCONN connects with the AT+SMCONF settings (client id,
// keep-alive, clean session, will), AT+SMPUB publishes after the '>'
// prompt, AT+SMSUB subscribes, and messages from the broker come back as
// +SMSUB URCs. Knobs make it answer ERROR to AT+SMCONN or drop the prompt.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <mqtt/async_client.h>

#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace tgw::test {

class FakeSim7080 {
 public:
  explicit FakeSim7080(int broker_port) : broker_port_(broker_port) {
    int slave = -1;
    char name[256] = {};
    termios tio{};
    cfmakeraw(&tio);
    if (::openpty(&master_, &slave, name, &tio, nullptr) != 0) throw std::runtime_error("openpty failed");
    path_ = name;
    // Keep a slave descriptor open so the master never sees a hang-up while
    // the code under test closes and reopens the port.
    slave_keep_ = slave;
    thread_ = std::thread([this] { run(); });
  }
  ~FakeSim7080() {
    stop_ = true;
    thread_.join();
    disconnectRelay();
    ::close(master_);
    ::close(slave_keep_);
  }

  const std::string& path() const { return path_; }
  std::vector<std::string> commands() const {
    std::lock_guard lk(mu_);
    return commands_;
  }
  int count(const std::string& prefix) const {
    int n = 0;
    for (const auto& c : commands()) n += c.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
  bool relayConnected() const {
    auto r = relay();
    return r && r->is_connected();
  }

  std::atomic<int> fail_connects{0};  // answer ERROR to the next N AT+SMCONN
  std::atomic<int> drop_prompts{0};   // no '>' (and no answer) for the next N AT+SMPUB
  // Simulates the modem losing its MQTT session (AT+SMSTATE? answers 0).
  void dropSession() { disconnectRelay(); }

 private:
  std::shared_ptr<mqtt::async_client> relay() const {
    std::lock_guard lk(relay_mu_);
    return relay_;
  }

  void write(const std::string& s) {
    std::lock_guard lk(write_mu_);
    if (::write(master_, s.data(), s.size()) < 0) return;  // the peer is gone: nothing to tell
  }

  void disconnectRelay() {
    std::shared_ptr<mqtt::async_client> r;
    {
      std::lock_guard lk(relay_mu_);
      r = std::move(relay_);
    }
    if (!r) return;
    try {
      if (r->is_connected()) r->disconnect(0)->wait_for(std::chrono::seconds(2));
    } catch (const std::exception&) {
    }
  }

  std::string unquote(const std::string& s) {
    return s.size() >= 2 && s.front() == '"' && s.back() == '"' ? s.substr(1, s.size() - 2) : s;
  }

  void handle(const std::string& line) {
    {
      std::lock_guard lk(mu_);
      commands_.push_back(line);
    }
    std::smatch m;
    if (line == "AT+SMDISC") {
      disconnectRelay();
      write("\r\nOK\r\n");
    } else if (std::regex_match(line, m, std::regex(R"re(AT\+SMCONF="(\w+)",(.*))re"))) {
      conf_[m[1]] = m[2];
      write("\r\nOK\r\n");
    } else if (line.rfind("AT+SMSSL=", 0) == 0) {
      write("\r\nOK\r\n");
    } else if (line == "AT+SMCONN") {
      if (fail_connects > 0) {
        --fail_connects;
        write("\r\nERROR\r\n");
        return;
      }
      write(connectRelay() ? "\r\nOK\r\n" : "\r\nERROR\r\n");
    } else if (std::regex_match(line, m, std::regex(R"re(AT\+SMSUB="([^"]+)",(\d))re"))) {
      try {
        auto r = relay();
        if (!r) throw std::runtime_error("not connected");
        r->subscribe(m[1].str(), std::stoi(m[2]))->wait_for(std::chrono::seconds(5));
        write("\r\nOK\r\n");
      } catch (const std::exception&) {
        write("\r\nERROR\r\n");
      }
    } else if (std::regex_match(line, m, std::regex(R"re(AT\+SMPUB="([^"]+)",(\d+),(\d),(\d))re"))) {
      if (drop_prompts > 0) {
        --drop_prompts;
        return;  // no '>' and no answer: the uplink's command times out
      }
      pub_topic_ = m[1];
      pub_qos_ = std::stoi(m[3]);
      pub_retain_ = m[4] == "1";
      pending_payload_ = std::stoi(m[2]);
      write("\r\n> ");
    } else if (line == "AT+SMSTATE?") {
      write(relayConnected() ? "\r\n+SMSTATE: 1\r\n\r\nOK\r\n" : "\r\n+SMSTATE: 0\r\n\r\nOK\r\n");
    } else {
      write("\r\nERROR\r\n");
    }
  }

  bool connectRelay() {
    disconnectRelay();
    const std::string id = unquote(conf_["CLIENTID"]);
    auto client = std::make_unique<mqtt::async_client>("tcp://127.0.0.1:" + std::to_string(broker_port_), id,
                                                       mqtt::create_options(MQTTVERSION_3_1_1), nullptr);
    mqtt::connect_options o;
    o.set_clean_session(conf_["CLEANSS"] != "0");
    o.set_keep_alive_interval(std::stoi(conf_["KEEPTIME"].empty() ? "60" : conf_["KEEPTIME"]));
    o.set_connect_timeout(3);
    if (conf_.count("TOPIC") != 0) {
      o.set_will(mqtt::will_options(unquote(conf_["TOPIC"]), unquote(conf_["MESSAGE"]), 1, conf_["RETAIN"] == "1"));
    }
    client->set_message_callback([this](mqtt::const_message_ptr msg) {
      write("\r\n+SMSUB: \"" + msg->get_topic() + "\",\"" + msg->to_string() + "\"\r\n");
    });
    try {
      client->connect(o)->wait_for(std::chrono::seconds(5));
    } catch (const std::exception&) {
      return false;
    }
    if (!client->is_connected()) return false;
    std::lock_guard lk(relay_mu_);
    relay_ = std::shared_ptr<mqtt::async_client>(std::move(client));
    return true;
  }

  void publishPayload(const std::string& payload) {
    if (pub_topic_.empty()) return;  // dropped prompt: nothing to do
    try {
      auto r = relay();
      if (!r) throw std::runtime_error("not connected");
      r->publish(mqtt::make_message(pub_topic_, payload, pub_qos_, pub_retain_))->wait_for(std::chrono::seconds(5));
      write("\r\nOK\r\n");
    } catch (const std::exception&) {
      write("\r\nERROR\r\n");
    }
  }

  void run() {
    std::string buf;
    while (!stop_) {
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char tmp[2048];
      const auto n = ::read(master_, tmp, sizeof tmp);
      if (n <= 0) continue;
      buf.append(tmp, static_cast<std::size_t>(n));
      for (;;) {
        if (pending_payload_ > 0) {
          if (buf.size() < static_cast<std::size_t>(pending_payload_)) break;
          const std::string payload = buf.substr(0, static_cast<std::size_t>(pending_payload_));
          buf.erase(0, static_cast<std::size_t>(pending_payload_));
          pending_payload_ = 0;
          publishPayload(payload);
          continue;
        }
        const auto cr = buf.find('\r');
        if (cr == std::string::npos) break;
        std::string line = buf.substr(0, cr);
        buf.erase(0, cr + 1);
        while (!line.empty() && (line.front() == '\n' || line.front() == ' ')) line.erase(0, 1);
        if (!line.empty()) handle(line);
      }
    }
  }

  int broker_port_;
  int master_ = -1;
  int slave_keep_ = -1;
  std::string path_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> commands_;
  std::mutex write_mu_;
  mutable std::mutex relay_mu_;
  std::shared_ptr<mqtt::async_client> relay_;
  std::map<std::string, std::string> conf_;
  int pending_payload_ = 0;
  std::string pub_topic_;
  int pub_qos_ = 0;
  bool pub_retain_ = false;
};

}  // namespace tgw::test
