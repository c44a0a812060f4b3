// setNoDelayOnSocketsTo: Nagle off on the sockets to the broker's port, and
// only on those.
#include "uplink/paho/tcp_nodelay.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tgw::uplink {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// A listening socket on 127.0.0.1 (any port) and its port.
std::uint16_t listenOn(Fd& l) {
  l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(l.fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

void connectTo(Fd& c, std::uint16_t port) {
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  ASSERT_EQ(::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
}

int noDelay(int fd) {
  int on = -1;
  socklen_t len = sizeof on;
  ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len);
  return on;
}

TEST(TcpNoDelay, OnlyTheSocketsToThatPortAndOnlyOnce) {
  Fd broker, other, to_broker, to_other;
  const std::uint16_t broker_port = listenOn(broker);
  const std::uint16_t other_port = listenOn(other);
  connectTo(to_broker, broker_port);
  connectTo(to_other, other_port);
  ASSERT_EQ(noDelay(to_broker.fd), 0);  // the kernel's default: Nagle on

  EXPECT_EQ(setNoDelayOnSocketsTo(broker_port), 1);
  EXPECT_NE(noDelay(to_broker.fd), 0);
  EXPECT_EQ(noDelay(to_other.fd), 0);       // another peer: untouched
  EXPECT_EQ(noDelay(broker.fd), 0);         // the listener has no peer
  EXPECT_EQ(setNoDelayOnSocketsTo(broker_port), 0);  // already off: nothing to do
  EXPECT_EQ(setNoDelayOnSocketsTo(0), 0);
}

}  // namespace
}  // namespace tgw::uplink
