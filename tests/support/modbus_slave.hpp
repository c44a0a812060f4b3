// A real Modbus slave for tests and benchmarks, built on libmodbus
// (header-only): TCP on 127.0.0.1 or RTU on the master side of a pty.
// It can be muted (reads requests, never answers), answer only some unit
// ids, or corrupt its RTU replies (bad CRC).
#pragma once

#include <modbus/modbus.h>
#include <sys/select.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tgw::test {

class ModbusSlave {
 public:
  // TCP slave listening on 127.0.0.1:port.
  static std::unique_ptr<ModbusSlave> tcp(int port) {
    auto s = std::unique_ptr<ModbusSlave>(new ModbusSlave());
    s->ctx_ = modbus_new_tcp("127.0.0.1", port);
    s->listen_ = modbus_tcp_listen(s->ctx_, 4);
    if (s->listen_ < 0) throw std::runtime_error("modbus_tcp_listen failed");
    s->thread_ = std::thread([p = s.get()] { p->serveTcp(); });
    return s;
  }
  // RTU slave `unit` on the master fd of a pty (not owned).
  static std::unique_ptr<ModbusSlave> rtu(int master_fd, int unit) {
    auto s = std::unique_ptr<ModbusSlave>(new ModbusSlave());
    s->ctx_ = modbus_new_rtu("/dev/null", 9600, 'N', 8, 1);
    modbus_set_slave(s->ctx_, unit);
    modbus_set_socket(s->ctx_, master_fd);
    s->rtu_fd_ = master_fd;
    s->thread_ = std::thread([p = s.get()] { p->serveRtu(); });
    return s;
  }

  ~ModbusSlave() {
    stop_ = true;
    thread_.join();
    if (client_ >= 0) ::close(client_);
    if (listen_ >= 0) ::close(listen_);
    if (rtu_fd_ >= 0) modbus_set_socket(ctx_, -1);
    modbus_free(ctx_);
    modbus_mapping_free(map_);
  }
  ModbusSlave(const ModbusSlave&) = delete;
  ModbusSlave& operator=(const ModbusSlave&) = delete;

  void setHolding(int addr, const std::vector<std::uint16_t>& v) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < v.size(); ++i) map_->tab_registers[addr + static_cast<int>(i)] = v[i];
  }
  void setInput(int addr, const std::vector<std::uint16_t>& v) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < v.size(); ++i) map_->tab_input_registers[addr + static_cast<int>(i)] = v[i];
  }
  // IEEE 754 big-endian (ABCD), as Eastron meters send it. (libmodbus 3.1.6's
  // modbus_set_float_abcd() swaps the bytes on little-endian hosts, so it is not used.)
  void setInputFloat(int addr, float f) {
    const auto bits = std::bit_cast<std::uint32_t>(f);
    setInput(addr, {static_cast<std::uint16_t>(bits >> 16), static_cast<std::uint16_t>(bits & 0xffff)});
  }
  void setCoil(int addr, bool on) {
    std::lock_guard lock(mutex_);
    map_->tab_bits[addr] = on ? 1 : 0;
  }
  [[nodiscard]] std::uint16_t holding(int addr) {
    std::lock_guard lock(mutex_);
    return map_->tab_registers[addr];
  }
  [[nodiscard]] bool coil(int addr) {
    std::lock_guard lock(mutex_);
    return map_->tab_bits[addr] != 0;
  }
  void mute(bool m) { muted_ = m; }
  // Acknowledge writes (functions 05/06/15/16) without storing them, like a
  // device whose register is read-only or clamped.
  void ignoreWrites(bool i) { ignore_writes_ = i; }
  void corrupt(bool c) { corrupt_ = c; }
  // Only these TCP unit ids are answered (empty: all).
  void answerUnits(std::set<int> units) {
    std::lock_guard lock(mutex_);
    units_ = std::move(units);
  }
  [[nodiscard]] std::uint64_t requests() const { return requests_; }
  [[nodiscard]] std::uint64_t replies() const { return replies_; }

  static constexpr int kRegisters = 1000;  // holding/input 0..999, coils 0..99

 private:
  ModbusSlave() { map_ = modbus_mapping_new(100, 100, kRegisters, kRegisters); }

  void handle(const std::uint8_t* query, int rc) {
    ++requests_;
    const int header = modbus_get_header_length(ctx_);
    const int unit = query[header - 1];
    {
      std::lock_guard lock(mutex_);
      if (muted_ || (!units_.empty() && units_.count(unit) == 0)) return;
    }
    if (corrupt_ && rtu_fd_ >= 0) {
      // A reply with a wrong CRC and a wrong byte count.
      const std::uint8_t bad[] = {static_cast<std::uint8_t>(unit), query[1], 0x02, 0x00, 0x01, 0xDE, 0xAD};
      [[maybe_unused]] auto n = ::write(rtu_fd_, bad, sizeof bad);
      return;
    }
    std::lock_guard lock(mutex_);
    const int function = query[header];
    if (ignore_writes_ && (function == 0x05 || function == 0x06 || function == 0x0F || function == 0x10)) {
      const std::vector<std::uint16_t> regs(map_->tab_registers, map_->tab_registers + kRegisters);
      const std::vector<std::uint8_t> bits(map_->tab_bits, map_->tab_bits + 100);
      modbus_reply(ctx_, query, rc, map_);
      std::copy(regs.begin(), regs.end(), map_->tab_registers);
      std::copy(bits.begin(), bits.end(), map_->tab_bits);
    } else {
      modbus_reply(ctx_, query, rc, map_);
    }
    ++replies_;
  }

  static bool readable(int fd, int ms) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    timeval tv{0, ms * 1000};
    return ::select(fd + 1, &set, nullptr, nullptr, &tv) > 0;
  }

  void serveTcp() {
    std::uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    while (!stop_) {
      if (client_ < 0) {
        if (readable(listen_, 20)) {
          int s = listen_;
          client_ = modbus_tcp_accept(ctx_, &s);
        }
        continue;
      }
      if (!readable(client_, 20)) continue;
      const int rc = modbus_receive(ctx_, query);
      if (rc > 0) {
        handle(query, rc);
      } else if (rc < 0) {
        ::close(client_);
        client_ = -1;
      }
    }
  }

  void serveRtu() {
    std::uint8_t query[MODBUS_RTU_MAX_ADU_LENGTH];
    while (!stop_) {
      if (!readable(rtu_fd_, 20)) continue;
      const int rc = modbus_receive(ctx_, query);
      if (rc > 0) handle(query, rc);
      if (rc < 0) modbus_flush(ctx_);
    }
  }

  modbus_t* ctx_ = nullptr;
  modbus_mapping_t* map_ = nullptr;
  int listen_ = -1;
  int client_ = -1;
  int rtu_fd_ = -1;
  std::thread thread_;
  std::mutex mutex_;
  std::set<int> units_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> muted_{false};
  std::atomic<bool> corrupt_{false};
  std::atomic<bool> ignore_writes_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> replies_{0};
};

}  // namespace tgw::test
