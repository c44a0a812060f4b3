// Modbus TCP polls per second over loopback against a libmodbus slave:
// the gateway's poller (plan, request, decode 10 fields, report) vs a raw
// libmodbus read loop of the same 10 registers. Usage: bench_serial_modbus [seconds]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "sources/modbus/modbus_poller.hpp"
#include "support/modbus_slave.hpp"

namespace {

int freePort() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

double rawLoop(int port, double seconds) {
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
  while (modbus_connect(ctx) != 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::uint16_t regs[10];
  std::uint64_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (modbus_read_registers(ctx, 0, 10, regs) == 10) ++n;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  modbus_close(ctx);
  modbus_free(ctx);
  return static_cast<double>(n) / s;
}

double pollerLoop(int port, double seconds) {
  namespace dm = tgw::decode::modbus;
  tgw::sources::modbus::BusSpec bus;
  bus.host = "127.0.0.1";
  bus.port = port;
  tgw::sources::modbus::DeviceSpec d;
  d.name = "m";
  d.interval = std::chrono::milliseconds(0);
  d.timeout = std::chrono::milliseconds(500);
  for (int i = 0; i < 10; ++i) {
    dm::Field f;
    char name[16];
    std::snprintf(name, sizeof name, "r%d", i);
    f.name = name;
    f.address = static_cast<std::uint16_t>(i);
    f.scale = 0.1;
    d.fields.push_back(f);
  }
  bus.devices.push_back(d);
  std::atomic<std::uint64_t> polls{0};
  std::atomic<std::uint64_t> values{0};
  tgw::sources::modbus::ModbusPoller poller(
      bus,
      [&](tgw::sources::modbus::PollReport r) {
        if (r.complete) ++polls;
        values += r.values.size();
      },
      [](tgw::sources::modbus::BusReport) {});
  std::thread t([&] { poller.run(); });
  while (polls.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto p0 = polls.load();
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const auto p1 = polls.load();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  poller.stop();
  t.join();
  if (values.load() < 10 * p1) std::fprintf(stderr, "warning: incomplete polls\n");
  return static_cast<double>(p1 - p0) / s;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  const int port = freePort();
  auto slave = tgw::test::ModbusSlave::tcp(port);
  std::vector<std::uint16_t> v(10);
  for (int i = 0; i < 10; ++i) v[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(1000 + i);
  slave->setHolding(0, v);
  // Alternate the two (3 rounds each, best kept): the machine is shared, load varies.
  double baseline = 0;
  double ours = 0;
  for (int round = 0; round < 3; ++round) {
    baseline = std::max(baseline, rawLoop(port, seconds / 3));
    ours = std::max(ours, pollerLoop(port, seconds / 3));
  }
  std::printf("modbus tcp loopback, 10 holding registers per poll, %.1f s each, best of 3 alternating rounds\n",
              seconds);
  std::printf("  baseline raw libmodbus read loop : %10.0f polls/s\n", baseline);
  std::printf("  gateway poller (decode, report)  : %10.0f polls/s\n", ours);
  std::printf("  ratio gateway/baseline           : %10.3f\n", ours / baseline);
  return 0;
}
