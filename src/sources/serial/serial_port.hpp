// Opening a serial device (tty, USB serial, pty) in raw mode with termios.
//
// libserialport 0.1.1 (Debian 12) refuses pseudo-terminals
// (sp_get_port_by_name() fails for /dev/pts/N), which would make the pty-pair
// tests impossible, so the port is opened with plain termios; the settings
// are the same (baud, 8N1 ..., no flow control, raw).
#pragma once

#include <string>

#include "tgw/core/error.hpp"

namespace tgw::sources::serial {

struct PortSettings {
  std::string device;   // /dev/ttyUSB0, /dev/serial/by-id/..., or a pty
  int baud = 9600;
  int data_bits = 8;    // 5..8
  char parity = 'N';    // N, E, O
  int stop_bits = 1;    // 1, 2
};

// Owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Open non-blocking, raw, with the given line settings. Errors say what to
// do: a missing device ("is it plugged in?"), permission denied (add the
// service user to the 'dialout' group), a device that is not a tty.
// lock: take the port's exclusive flock (refused with kUnavailable, "in use
// by another process", while someone else holds it). false only for a second
// descriptor of a port this process already holds (the modem uplink's
// goodbye at shutdown).
Expected<Fd> openPort(const PortSettings& settings, bool lock = true);

// True if `baud` is one termios supports.
bool supportedBaud(int baud);

}  // namespace tgw::sources::serial
