// AF_CAN raw sockets. Compiled everywhere; only works where the kernel has SocketCAN.
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "sources/socketcan/can_socket.hpp"

namespace tgw::sources::can {
namespace {

constexpr std::size_t kMaxKernelFilters = 512;

class LinuxCanSocket final : public CanSocket {
 public:
  Expected<int> open(const std::string& ifname, bool fd_frames, const std::vector<decode::CanFilter>& filters) override {
    const int fd = ::socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
    if (fd < 0) return tl::unexpected(errnoError(errno, "socket(PF_CAN): is SocketCAN (can, can-raw) in the kernel?"));
    auto fail = [&](const std::string& what) {
      const int err = errno;
      ::close(fd);
      return tl::unexpected(errnoError(err, fmt::format("{} on {}", what, ifname)));
    };
    const unsigned index = ::if_nametoindex(ifname.c_str());
    if (index == 0) return fail("no CAN interface");
    if (fd_frames) {
      const int on = 1;
      if (::setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &on, sizeof on) != 0) return fail("CAN FD not supported");
    }
    const can_err_mask_t err_mask = CAN_ERR_MASK;
    if (::setsockopt(fd, SOL_CAN_RAW, CAN_RAW_ERR_FILTER, &err_mask, sizeof err_mask) != 0) return fail("error filter");
    if (!filters.empty() && filters.size() <= kMaxKernelFilters) {
      std::vector<can_filter> kf;
      for (const auto& f : filters) {
        can_filter k{};
        k.can_id = f.id | (f.extended ? CAN_EFF_FLAG : 0U);
        k.can_mask = f.mask | CAN_EFF_FLAG | CAN_RTR_FLAG;
        k.can_mask &= ~CAN_RTR_FLAG;  // remote frames pass too (counted, not decoded)
        kf.push_back(k);
      }
      if (::setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FILTER, kf.data(), static_cast<socklen_t>(kf.size() * sizeof(can_filter))) != 0) {
        return fail("kernel filters");
      }
    }
    sockaddr_can addr{};
    addr.can_family = AF_CAN;
    addr.can_ifindex = static_cast<int>(index);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return fail("bind");
    return fd;
  }

  Expected<std::optional<decode::CanFrame>> read(int fd) override {
    canfd_frame k{};
    const ssize_t n = ::read(fd, &k, sizeof k);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return std::optional<decode::CanFrame>{};
      return tl::unexpected(errnoError(errno, "read from CAN socket"));
    }
    if (n != static_cast<ssize_t>(CAN_MTU) && n != static_cast<ssize_t>(CANFD_MTU)) {
      return makeError(Errc::kParse, fmt::format("short CAN socket read ({} bytes)", n));
    }
    decode::CanFrame f;
    f.fd = n == static_cast<ssize_t>(CANFD_MTU);
    f.extended = (k.can_id & CAN_EFF_FLAG) != 0;
    f.remote = (k.can_id & CAN_RTR_FLAG) != 0;
    f.error = (k.can_id & CAN_ERR_FLAG) != 0;
    f.id = f.error ? (k.can_id & CAN_ERR_MASK) : (k.can_id & (f.extended ? CAN_EFF_MASK : CAN_SFF_MASK));
    f.len = std::min<std::uint8_t>(k.len, f.fd ? CANFD_MAX_DLEN : CAN_MAX_DLEN);
    if (!f.remote) std::memcpy(f.data.data(), k.data, f.len);
    return std::optional<decode::CanFrame>(f);
  }

  Expected<void> write(int fd, const decode::CanFrame& f) override {
    canfd_frame k{};
    k.can_id = f.id | (f.extended ? CAN_EFF_FLAG : 0U) | (f.remote ? CAN_RTR_FLAG : 0U);
    k.len = f.len;
    std::memcpy(k.data, f.data.data(), std::min<std::size_t>(f.len, CANFD_MAX_DLEN));
    const std::size_t size = f.fd ? CANFD_MTU : CAN_MTU;
    if (::write(fd, &k, size) != static_cast<ssize_t>(size)) {
      return tl::unexpected(errnoError(errno, "write to CAN socket"));
    }
    return {};
  }

  void close(int fd) override { ::close(fd); }
};

}  // namespace

std::unique_ptr<CanSocket> makeLinuxCanSocket() { return std::make_unique<LinuxCanSocket>(); }

}  // namespace tgw::sources::can
