// link_emulator: a userspace stand-in for `tc netem` (this kernel has no
// sch_netem, and no nft queue / NFQUEUE either). It makes two TUN devices,
// one in the current network namespace and one in another, and forwards the
// IP packets between them with a per-packet delay (+- jitter) and random loss.
// The fault rig routes the gateway <-> broker addresses through the two
// devices for the "slow and lossy link" phase (see rig.cpp, NetNs::emulate).
//
//   link_emulator --a DEV --b DEV --netns NS [--delay-ms D] [--jitter-ms J]
//                 [--loss PCT] [--seed N]
//
// --a is made in the current namespace, --b inside /run/netns/NS. The
// devices are not persistent: they (and every route through them) disappear
// when this process exits, however it exits. Prints "ready" once both exist;
// on SIGTERM/SIGINT prints one line of JSON with what was applied per
// direction and exits 0.
//
// Delay: each packet leaves `delay +- jitter` (uniform) after it arrived, but
// never before the packet ahead of it in the same direction (no reordering,
// like netem with a rate; TCP would see jitter-induced reordering as loss).
// At most kMaxQueued packets wait per direction; more are dropped and
// counted as overflow.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxQueued = 10'000;

struct Options {
  std::string dev_a, dev_b, netns;
  double delay_ms = 0, jitter_ms = 0, loss_pct = 0;
  unsigned seed = 1;
};

struct Packet {
  Clock::time_point arrived, due;
  std::vector<char> bytes;
};

struct Direction {
  int in = -1, out = -1;
  std::deque<Packet> queue;
  Clock::time_point last_due{};
  std::uint64_t packets = 0, dropped = 0, overflow = 0, forwarded = 0, write_errors = 0;
  double delay_sum_ms = 0, delay_min_ms = 1e9, delay_max_ms = 0;
};

int openTun(const std::string& name) {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name.c_str());
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--a")
      o.dev_a = v;
    else if (k == "--b")
      o.dev_b = v;
    else if (k == "--netns")
      o.netns = v;
    else if (k == "--delay-ms")
      o.delay_ms = std::stod(v);
    else if (k == "--jitter-ms")
      o.jitter_ms = std::stod(v);
    else if (k == "--loss")
      o.loss_pct = std::stod(v);
    else if (k == "--seed")
      o.seed = static_cast<unsigned>(std::stoul(v));
    else
      return false;
  }
  return !o.dev_a.empty() && !o.dev_b.empty() && !o.netns.empty() && o.delay_ms >= 0 && o.jitter_ms >= 0 &&
         o.jitter_ms <= o.delay_ms && o.loss_pct >= 0 && o.loss_pct <= 100;
}

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::string summary(const char* name, const Direction& d) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "\"%s\": {\"packets\": %llu, \"dropped\": %llu, \"overflow\": %llu, \"forwarded\": %llu, "
                "\"write_errors\": %llu, \"loss_pct\": %.2f, \"delay_ms_mean\": %.1f, \"delay_ms_min\": %.1f, "
                "\"delay_ms_max\": %.1f}",
                name, static_cast<unsigned long long>(d.packets), static_cast<unsigned long long>(d.dropped),
                static_cast<unsigned long long>(d.overflow), static_cast<unsigned long long>(d.forwarded),
                static_cast<unsigned long long>(d.write_errors),
                d.packets > 0 ? 100.0 * static_cast<double>(d.dropped) / static_cast<double>(d.packets) : 0.0,
                d.forwarded > 0 ? d.delay_sum_ms / static_cast<double>(d.forwarded) : 0.0,
                d.forwarded > 0 ? d.delay_min_ms : 0.0, d.delay_max_ms);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: link_emulator --a DEV --b DEV --netns NS [--delay-ms D] [--jitter-ms J<=D] [--loss PCT] "
                 "[--seed N]\n");
    return 2;
  }
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  ::sigprocmask(SIG_BLOCK, &sigs, nullptr);
  const int sfd = ::signalfd(-1, &sigs, SFD_CLOEXEC);

  const int a = openTun(o.dev_a);
  if (a < 0) {
    std::fprintf(stderr, "link_emulator: cannot make TUN %s: %s\n", o.dev_a.c_str(), std::strerror(errno));
    return 1;
  }
  const std::string ns_path = "/run/netns/" + o.netns;
  const int ns = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "link_emulator: cannot enter %s: %s\n", ns_path.c_str(), std::strerror(errno));
    return 1;
  }
  ::close(ns);
  const int b = openTun(o.dev_b);
  if (b < 0) {
    std::fprintf(stderr, "link_emulator: cannot make TUN %s in %s: %s\n", o.dev_b.c_str(), o.netns.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);

  std::mt19937 rng(o.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Direction dirs[2];
  dirs[0].in = a;  // a -> b
  dirs[0].out = b;
  dirs[1].in = b;  // b -> a
  dirs[1].out = a;
  std::vector<char> buf(65536);
  for (;;) {
    const auto now = Clock::now();
    // Send what is due.
    for (auto& d : dirs) {
      while (!d.queue.empty() && d.queue.front().due <= now) {
        Packet& p = d.queue.front();
        if (::write(d.out, p.bytes.data(), p.bytes.size()) < 0) {
          ++d.write_errors;
        } else {
          ++d.forwarded;
          const double applied = ms(now - p.arrived);
          d.delay_sum_ms += applied;
          d.delay_min_ms = std::min(d.delay_min_ms, applied);
          d.delay_max_ms = std::max(d.delay_max_ms, applied);
        }
        d.queue.pop_front();
      }
    }
    int timeout = -1;
    for (const auto& d : dirs) {
      if (d.queue.empty()) continue;
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(d.queue.front().due - now).count();
      timeout = timeout < 0 ? static_cast<int>(wait) : std::min(timeout, static_cast<int>(wait));
    }
    pollfd fds[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (::poll(fds, 3, timeout) < 0 && errno != EINTR) return 1;
    if ((fds[2].revents & POLLIN) != 0) break;
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      Direction& d = dirs[i];
      for (;;) {  // drain what is readable now
        const ssize_t n = ::read(d.in, buf.data(), buf.size());
        if (n <= 0) break;
        ++d.packets;
        if (uniform(rng) * 100.0 < o.loss_pct) {
          ++d.dropped;
          continue;
        }
        if (d.queue.size() >= kMaxQueued) {
          ++d.overflow;
          continue;
        }
        const auto arrived = Clock::now();
        const double offset = o.delay_ms + (o.jitter_ms > 0 ? (uniform(rng) * 2.0 - 1.0) * o.jitter_ms : 0.0);
        auto due =
            arrived + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(offset));
        due = std::max(due, d.last_due);
        d.last_due = due;
        d.queue.push_back({arrived, due, std::vector<char>(buf.begin(), buf.begin() + n)});
      }
    }
  }
  std::printf("{%s, %s}\n", summary("a_to_b", dirs[0]).c_str(), summary("b_to_a", dirs[1]).c_str());
  std::fflush(stdout);
  return 0;
}
