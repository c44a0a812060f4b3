#include "sources/slcan/serial_line.hpp"

#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "sources/serial/serial_port.hpp"

namespace tgw::sources::can {

Expected<void> SerialLine::open(const std::string& path, int baudrate) {
  close();
  auto fd = serial::openPort(serial::PortSettings{path, baudrate, 8, 'N', 1});
  if (!fd) return tl::unexpected(fd.error());
  fd_ = fd->release();
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
