#include "uplink/paho/tcp_nodelay.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <memory>

namespace tgw::uplink {

namespace {

// The peer port of a connected IPv4/IPv6 stream socket, or 0.
std::uint16_t peerPort(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return 0;
  sockaddr_storage peer{};
  len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return 0;
  if (peer.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
  if (peer.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port);
  return 0;
}

}  // namespace

int setNoDelayOnSocketsTo(std::uint16_t peer_port) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc/self/fd"), &::closedir);
  if (!dir || peer_port == 0) return 0;
  const int own = ::dirfd(dir.get());
  int changed = 0;
  while (const dirent* e = ::readdir(dir.get())) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd < 0 || fd == own) continue;
    // No fstat() first: getsockopt(SO_TYPE) in peerPort() already fails
    // (ENOTSOCK, or EBADF for a descriptor closed meanwhile) on anything that
    // is not a socket, and fstat() is the one call here that ThreadSanitizer
    // treats as a use of the descriptor racing its creation or close on
    // another thread (see the header on why that is harmless here).
    if (peerPort(static_cast<int>(fd)) != peer_port) continue;
    int on = 0;
    socklen_t len = sizeof on;
    if (::getsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_NODELAY, &on, &len) != 0 || on != 0) continue;
    on = 1;
    if (::setsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0) ++changed;
  }
  return changed;
}

}  // namespace tgw::uplink
