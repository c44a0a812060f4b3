// The slcan adapter's serial line: opened by serial::openPort (the one
// termios opener and baud table of the daemon; raw 8N1, non-blocking, no
// flow control), read and written without blocking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "tgw/core/error.hpp"

namespace tgw::sources::can {

class SerialLine {
 public:
  SerialLine() = default;
  ~SerialLine() { close(); }
  SerialLine(const SerialLine&) = delete;
  SerialLine& operator=(const SerialLine&) = delete;

  // Non-blocking, raw 8N1, no flow control. kInvalidArgument for a baud rate
  // termios does not have (never silently another one).
  Expected<void> open(const std::string& path, int baudrate);
  void close() noexcept;
  [[nodiscard]] bool isOpen() const { return fd_ >= 0; }
  [[nodiscard]] int fd() const { return fd_; }
  // Bytes read (0 = nothing waiting); error when the device went away.
  Expected<std::size_t> read(std::span<std::uint8_t> buf);
  Expected<void> write(std::string_view data);

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace tgw::sources::can
