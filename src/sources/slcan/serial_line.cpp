#include "sources/slcan/serial_line.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

namespace tgw::sources::can {
namespace {

speed_t speedOf(int baud) {
  switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 500000: return B500000;
    case 921600: return B921600;
    case 1000000: return B1000000;
    case 2000000: return B2000000;
    case 3000000: return B3000000;
    default: return B115200;
  }
}

}  // namespace

Expected<void> SerialLine::open(const std::string& path, int baudrate) {
  close();
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(errnoError(errno, fmt::format("cannot open serial port {}", path)));
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    const int err = errno;
    ::close(fd);
    return tl::unexpected(errnoError(err, fmt::format("{} is not a serial port (tcgetattr)", path)));
  }
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~static_cast<tcflag_t>(CRTSCTS);
  ::cfsetispeed(&tio, speedOf(baudrate));
  ::cfsetospeed(&tio, speedOf(baudrate));
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    const int err = errno;
    ::close(fd);
    return tl::unexpected(errnoError(err, fmt::format("cannot configure serial port {}", path)));
  }
  fd_ = fd;
  path_ = path;
  return {};
}

void SerialLine::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Expected<std::size_t> SerialLine::read(std::span<std::uint8_t> buf) {
  const ssize_t n = ::read(fd_, buf.data(), buf.size());
  if (n > 0) return static_cast<std::size_t>(n);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return std::size_t{0};
  if (n == 0) return makeError(Errc::kUnavailable, fmt::format("{}: end of file (device unplugged?)", path_));
  return tl::unexpected(errnoError(errno, fmt::format("read from {}", path_)));
}

Expected<void> SerialLine::write(std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return tl::unexpected(errnoError(errno, fmt::format("write to {}", path_)));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace tgw::sources::can
