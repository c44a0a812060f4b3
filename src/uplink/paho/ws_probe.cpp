#include "uplink/paho/ws_probe.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace tgw::uplink {

namespace {

using Steady = std::chrono::steady_clock;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
struct CtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const { SSL_free(p); }
};

std::string sslError() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "TLS error";
  const char* r = ERR_reason_error_string(e);
  return r != nullptr ? r : "TLS error";
}

int passwordCallback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* pw = static_cast<const std::string*>(user);
  const int n = std::min<int>(size, static_cast<int>(pw->size()));
  std::memcpy(buf, pw->data(), static_cast<std::size_t>(n));
  return n;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parseHttpDate(const std::string& text) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char wday[4] = {}, mon[4] = {};
  int d = 0, y = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(text.c_str(), "%3s, %d %3s %d %d:%d:%d GMT", wday, &d, mon, &y, &h, &mi, &s) != 7) {
    return std::nullopt;
  }
  unsigned m = 0;
  for (unsigned i = 0; i < 12; ++i) {
    if (std::strcmp(mon, kMonths[i]) == 0) m = i + 1;
  }
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(m), day(static_cast<unsigned>(d))};
  if (m == 0 || !ymd.ok()) return std::nullopt;
  return sys_days(ymd) + hours(h) + minutes(mi) + seconds(s);
}

bool tcpReachable(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return false;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
  Fd sock;
  sock.fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (sock.fd < 0) return false;
  if (::connect(sock.fd, res->ai_addr, res->ai_addrlen) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{sock.fd, POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0;
}

Expected<WsProbeResult> probeWebSocket(const WsProbeOptions& o) {
  const auto deadline = Steady::now() + o.timeout;
  const auto left = [&] {
    return static_cast<int>(std::max<long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now()).count()));
  };
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(o.host.c_str(), std::to_string(o.port).c_str(), &hints, &res); rc != 0) {
    return makeError(Errc::kUnavailable, fmt::format("cannot resolve '{}': {}", o.host, ::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
  Fd sock;
  sock.fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  // time_t and suseconds_t are 32 bits on armhf: explicit casts, no narrowing.
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(o.timeout.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((o.timeout.count() % 1000) * 1000);
  ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(sock.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (sock.fd < 0 || ::connect(sock.fd, res->ai_addr, res->ai_addrlen) != 0) {
    return makeError(Errc::kUnavailable, fmt::format("TCP connect to {}:{} failed: {}", o.host, o.port,
                                                     std::strerror(errno)));
  }
  std::unique_ptr<SSL_CTX, CtxFree> ctx;
  std::unique_ptr<SSL, SslFree> ssl;
  std::string key_password = o.key_password;
  if (o.tls) {
    ctx.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    if (!o.tls_cfg.ca_file.empty() || !o.tls_cfg.ca_dir.empty()) {
      SSL_CTX_load_verify_locations(ctx.get(), o.tls_cfg.ca_file.empty() ? nullptr : o.tls_cfg.ca_file.c_str(),
                                    o.tls_cfg.ca_dir.empty() ? nullptr : o.tls_cfg.ca_dir.c_str());
    } else {
      SSL_CTX_set_default_verify_paths(ctx.get());
    }
    SSL_CTX_set_verify(ctx.get(), o.tls_cfg.verify_server ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (!o.tls_cfg.cert_file.empty()) {
      SSL_CTX_set_default_passwd_cb(ctx.get(), passwordCallback);
      SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), &key_password);
      SSL_CTX_use_certificate_chain_file(ctx.get(), o.tls_cfg.cert_file.c_str());
      SSL_CTX_use_PrivateKey_file(ctx.get(), o.tls_cfg.key_file.c_str(), SSL_FILETYPE_PEM);
    }
    ssl.reset(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), sock.fd);
    SSL_set_tlsext_host_name(ssl.get(), o.host.c_str());
    if (SSL_connect(ssl.get()) != 1) {
      return makeError(Errc::kUnavailable, fmt::format("TLS to {}:{} failed: {}", o.host, o.port, sslError()));
    }
  }
  const std::string host_header = o.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", o.host, o.port)
                                                                         : fmt::format("{}:{}", o.host, o.port);
  const std::string request = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n",
      o.path, host_header);
  const auto io = [&](bool write, char* buf, std::size_t n) -> long {
    if (ssl) return write ? SSL_write(ssl.get(), buf, static_cast<int>(n)) : SSL_read(ssl.get(), buf, static_cast<int>(n));
    return write ? ::send(sock.fd, buf, n, MSG_NOSIGNAL) : ::recv(sock.fd, buf, n, 0);
  };
  std::string req = request;
  if (io(true, req.data(), req.size()) != static_cast<long>(req.size())) {
    return makeError(Errc::kUnavailable, fmt::format("sending the WebSocket upgrade to {}:{} failed", o.host, o.port));
  }
  std::string answer;
  char buf[2048];
  while (answer.size() < 8192 && left() > 0 && !(o.cancelled && o.cancelled())) {
    pollfd p{sock.fd, POLLIN, 0};
    if (!(ssl && SSL_pending(ssl.get()) > 0) && ::poll(&p, 1, std::min(left(), 100)) <= 0) continue;
    const long n = io(false, buf, sizeof buf);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
    const auto end = answer.find("\r\n\r\n");
    if (end != std::string::npos && (answer.rfind("HTTP/1.1 101", 0) == 0 || answer.size() > end + 4 + 200)) break;
  }
  if (answer.empty()) {
    return makeError(Errc::kUnavailable,
                     fmt::format("{}:{} closed the connection without answering the WebSocket upgrade", o.host, o.port));
  }
  WsProbeResult out;
  out.status_line = answer.substr(0, answer.find("\r\n"));
  int major = 0, minor = 0;
  if (std::sscanf(out.status_line.c_str(), "HTTP/%d.%d %d", &major, &minor, &out.status) != 3) {
    return makeError(Errc::kParse,
                     fmt::format("{}:{} did not answer the WebSocket upgrade with HTTP (got '{}')", o.host, o.port,
                                 out.status_line.substr(0, 60)));
  }
  const auto header_end = answer.find("\r\n\r\n");
  const std::string headers = answer.substr(0, header_end);
  std::size_t pos = 0;
  while ((pos = headers.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    const auto eol = headers.find("\r\n", pos);
    const std::string line = headers.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (line.size() > 5 && strncasecmp(line.c_str(), "date:", 5) == 0) {
      std::string v = line.substr(5);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      out.server_date = parseHttpDate(v);
    }
  }
  if (header_end != std::string::npos) out.body = answer.substr(header_end + 4, 200);
  return out;
}

}  // namespace tgw::uplink
