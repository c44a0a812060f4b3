#include "sources/serial/serial_port.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

namespace tgw::sources::serial {
namespace {

// The one baud table of the daemon (serial sources, Modbus RTU checks, slcan
// adapters); a rate not in it is refused rather than silently replaced.
speed_t speedOf(int baud) {
  switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 500000: return B500000;
    case 576000: return B576000;
    case 921600: return B921600;
    case 1000000: return B1000000;
    case 1152000: return B1152000;
    case 1500000: return B1500000;
    case 2000000: return B2000000;
    case 2500000: return B2500000;
    case 3000000: return B3000000;
    case 3500000: return B3500000;
    case 4000000: return B4000000;
    default: return B0;
  }
}

}  // namespace

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

bool supportedBaud(int baud) { return speedOf(baud) != B0; }

Expected<Fd> openPort(const PortSettings& s, bool lock) {
  const speed_t speed = speedOf(s.baud);
  if (speed == B0) {
    return makeError(Errc::kInvalidArgument, fmt::format("serial {}: unsupported baud rate {}", s.device, s.baud));
  }
  Fd fd(::open(s.device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    if (err == ENOENT || err == ENODEV || err == ENXIO) {
      return makeError(Errc::kNotFound,
                       fmt::format("serial {}: device not found; is it plugged in? (check the path, e.g. "
                                   "/dev/serial/by-id/...)",
                                   s.device));
    }
    if (err == EACCES || err == EPERM) {
      return makeError(Errc::kPermission,
                       fmt::format("serial {}: permission denied; add the service user to the 'dialout' group "
                                   "(usermod -aG dialout <user>) or check the device's udev rule",
                                   s.device));
    }
    return tl::unexpected(errnoError(err, fmt::format("serial {}: open", s.device)));
  }
  // One owner per port: a second daemon (or a stale one left running) on the
  // same device would read half of the replies and steal the rest. flock is
  // advisory: it stops another telemetry-gateway, pyserial (exclusive=True)
  // and other programs that lock, not a plain `cat`.
  if (lock && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      return makeError(Errc::kUnavailable,
                       fmt::format("serial {}: in use by another process (it holds a lock on the port: another "
                                   "telemetry-gateway, or a terminal program?); find it with `fuser -v {}`",
                                   s.device, s.device));
    }
    return tl::unexpected(errnoError(err, fmt::format("serial {}: flock", s.device)));
  }
  termios tio{};
  if (::tcgetattr(fd.get(), &tio) != 0) {
    return tl::unexpected(errnoError(errno, fmt::format("serial {}: not a serial device (tcgetattr)", s.device)));
  }
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  switch (s.data_bits) {
    case 5: tio.c_cflag |= CS5; break;
    case 6: tio.c_cflag |= CS6; break;
    case 7: tio.c_cflag |= CS7; break;
    default: tio.c_cflag |= CS8; break;
  }
  if (s.parity == 'E') tio.c_cflag |= PARENB;
  if (s.parity == 'O') tio.c_cflag |= PARENB | PARODD;
  if (s.stop_bits == 2) tio.c_cflag |= CSTOPB;
  tio.c_iflag &= ~(IXON | IXOFF | IXANY);
  // VMIN 1 + O_NONBLOCK: read() gives EAGAIN when empty (VMIN 0 would give 0,
  // indistinguishable from a hang-up).
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, speed);
  ::cfsetospeed(&tio, speed);
  if (::tcsetattr(fd.get(), TCSANOW, &tio) != 0) {
    return tl::unexpected(errnoError(errno, fmt::format("serial {}: configuring the port (tcsetattr)", s.device)));
  }
  ::tcflush(fd.get(), TCIFLUSH);
  return fd;
}

}  // namespace tgw::sources::serial
