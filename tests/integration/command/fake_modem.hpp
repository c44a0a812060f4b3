// A modem on a pty for command tests: answers OK to every AT command, never
// answers "AT+HANG" (a command left in progress), records what it got.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/serial_support.hpp"

namespace tgw::test {

class CommandModem {
 public:
  CommandModem() : thread_([this] { serve(); }) {}
  ~CommandModem() {
    stop_ = true;
    thread_.join();
  }
  CommandModem(const CommandModem&) = delete;
  CommandModem& operator=(const CommandModem&) = delete;

  [[nodiscard]] const std::string& path() const { return pty_.slavePath(); }
  [[nodiscard]] std::size_t count(const std::string& command) {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& c : received_) n += c == command ? 1 : 0;
    return n;
  }
  [[nodiscard]] std::vector<std::string> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void serve() {
    std::string buf;
    while (!stop_) {
      buf += pty_.read(std::chrono::milliseconds(5));
      std::size_t cr = 0;
      while ((cr = buf.find('\r')) != std::string::npos) {
        std::string cmd = buf.substr(0, cr);
        buf.erase(0, cr + 1);
        while (!cmd.empty() && (cmd.front() == '\n' || cmd.front() == ' ')) cmd.erase(0, 1);
        if (cmd.empty()) continue;
        {
          std::lock_guard lock(mutex_);
          received_.push_back(cmd);
        }
        if (cmd == "AT+HANG") continue;
        if (cmd == "AT+CSQ") {
          pty_.write("\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
        } else {
          pty_.write("\r\nOK\r\n");
        }
      }
    }
  }

  PtyPair pty_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> received_;
  std::thread thread_;
};

}  // namespace tgw::test
