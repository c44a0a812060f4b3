// Nagle's algorithm off on the MQTT connection.
//
// Paho C (1.3.12, Debian 12) leaves TCP_NODELAY unset and has no option for
// it. With Nagle on, a small packet written while an earlier small one is
// still unacknowledged waits for the peer's delayed ACK (40 ms on Linux).
// That is the usual case for a downlink command: Paho sends the command's
// PUBACK, the broker has nothing to answer, and our first response PUBLISH
// then waits ~40 ms for the broker's kernel to acknowledge the PUBACK.
//
// Paho does not expose its socket, so after each connect we look through
// this process's descriptors for TCP sockets whose peer is the broker's port
// and switch Nagle off on them. Another connection to the same port that is
// caught by this (another uplink, a Modbus TCP device on the same port) only
// gets lower latency. setsockopt on a descriptor another thread uses is safe.
// The scan runs on the connector thread while other threads open and close
// descriptors: one may be closed or reused between readdir() and the calls
// on it; the calls then fail (skipped) or look at the new descriptor, which
// is changed only if it too is a TCP socket to the broker's port.
#pragma once

#include <cstdint>

namespace tgw::uplink {

// Sets TCP_NODELAY on every connected IPv4/IPv6 stream socket of this
// process whose peer port is `peer_port` and which still has Nagle on.
// Returns how many sockets were changed (0 if none or /proc is unreadable).
int setNoDelayOnSocketsTo(std::uint16_t peer_port);

}  // namespace tgw::uplink
