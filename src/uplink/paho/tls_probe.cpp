#include "uplink/paho/tls_probe.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "uplink/paho/broker_url.hpp"

namespace tgw::uplink {

namespace {

using Clock = std::chrono::steady_clock;

struct SslCtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const { SSL_free(p); }
};
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string opensslError(std::string_view fallback) {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : buf;
  }
  return out.empty() ? std::string(fallback) : out;
}

int passwordCallback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* pw = static_cast<const std::string*>(user);
  const int n = std::min<int>(size, static_cast<int>(pw->size()));
  std::memcpy(buf, pw->data(), static_cast<std::size_t>(n));
  return n;
}

// Wait until fd is ready for `events`, the deadline passes or we are cancelled.
Expected<void> waitFd(int fd, short events, Clock::time_point deadline, const TlsProbeOptions& o,
                      std::string_view what) {
  for (;;) {
    if (o.cancelled && o.cancelled()) return makeError(Errc::kUnavailable, "TLS check cancelled (stopping)");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return makeError(Errc::kTimeout, fmt::format("{} {}:{} timed out after {} ms", what, o.host, o.port,
                                                   o.timeout.count()));
    }
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<long>(left, 100)));
    if (rc > 0) return {};
    if (rc < 0 && errno != EINTR) return tl::unexpected(errnoError(errno, "poll"));
  }
}

Expected<int> connectTcp(const TlsProbeOptions& o, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(o.port);
  if (const int rc = ::getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return makeError(Errc::kUnavailable, fmt::format("cannot resolve broker host '{}': {}", o.host, gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, &::freeaddrinfo);
  std::string last = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    Fd s;
    s.fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (s.fd < 0) continue;
    if (::connect(s.fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = std::strerror(errno);
      continue;
    }
    auto ready = waitFd(s.fd, POLLOUT, deadline, o, "TCP connect to");
    if (!ready) return tl::unexpected(ready.error());
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last = std::strerror(err);
      continue;
    }
    const int fd = s.fd;
    s.fd = -1;
    return fd;
  }
  return makeError(Errc::kUnavailable, fmt::format("TCP connect to {}:{} failed: {}", o.host, o.port, last));
}

Expected<std::unique_ptr<SSL_CTX, SslCtxFree>> makeContext(const TlsProbeOptions& o) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return makeError(Errc::kInternal, "SSL_CTX_new: " + opensslError("out of memory"));
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  const auto& t = o.tls;
  if (!t.ca_file.empty() || !t.ca_dir.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), t.ca_file.empty() ? nullptr : t.ca_file.c_str(),
                                      t.ca_dir.empty() ? nullptr : t.ca_dir.c_str()) != 1) {
      return makeError(Errc::kConfig, fmt::format("cannot load CA certificates (ca_file '{}', ca_dir '{}'): {}",
                                                  t.ca_file, t.ca_dir, opensslError("load failed")));
    }
  } else {
    SSL_CTX_set_default_verify_paths(ctx.get());
  }
  if (!t.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), t.cert_file.c_str()) != 1) {
      return makeError(Errc::kConfig, fmt::format("cannot load client certificate {}: {}", t.cert_file,
                                                  opensslError("load failed")));
    }
    SSL_CTX_set_default_passwd_cb(ctx.get(), passwordCallback);
    SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), const_cast<std::string*>(&o.key_password));
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), t.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return makeError(Errc::kConfig, fmt::format("cannot load client key {}: {}", t.key_file,
                                                  opensslError("load failed")));
    }
  }
  SSL_CTX_set_verify(ctx.get(), t.verify_server ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  return ctx;
}

}  // namespace

std::string spkiPin(X509* cert) {
  if (cert == nullptr) return {};
  unsigned char* der = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (len <= 0) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  EVP_Digest(der, static_cast<std::size_t>(len), digest, &dlen, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int blen = EVP_EncodeBlock(b64, digest, static_cast<int>(dlen));
  return "sha256/" + std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(blen));
}

Expected<std::string> spkiPinOfPemFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return tl::unexpected(errnoError(errno, "open " + path));
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) return makeError(Errc::kParse, path + ": no PEM certificate");
  std::string pin = spkiPin(cert);
  X509_free(cert);
  return pin;
}

Expected<TlsProbeResult> probeTls(const TlsProbeOptions& o) {
  ERR_clear_error();
  const auto deadline = Clock::now() + o.timeout;
  auto ctx = makeContext(o);
  if (!ctx) return tl::unexpected(ctx.error());
  auto fd = connectTcp(o, deadline);
  if (!fd) return tl::unexpected(fd.error());
  Fd sock;
  sock.fd = *fd;
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx->get()));
  if (!ssl) return makeError(Errc::kInternal, "SSL_new: " + opensslError("out of memory"));
  SSL_set_fd(ssl.get(), sock.fd);
  BrokerUrl url;
  url.host = o.host;
  url.port = o.port;
  url.tls = true;
  if (!url.hostIsIp()) SSL_set_tlsext_host_name(ssl.get(), o.host.c_str());
  if (o.tls.verify_server && o.tls.verify_hostname) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    if (url.hostIsIp()) {
      X509_VERIFY_PARAM_set1_ip_asc(param, o.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, o.host.c_str(), 0);
    }
  }
  for (;;) {
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    const int err = SSL_get_error(ssl.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      auto ready = waitFd(sock.fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, o, "TLS handshake with");
      if (!ready) return tl::unexpected(ready.error());
      continue;
    }
    const long verify = SSL_get_verify_result(ssl.get());
    if (verify != X509_V_OK) {
      return makeError(Errc::kPermission, fmt::format("TLS: server certificate of {}:{} rejected: {}", o.host, o.port,
                                                      X509_verify_cert_error_string(verify)));
    }
    return makeError(Errc::kUnavailable, fmt::format("TLS handshake with {}:{} failed: {}", o.host, o.port,
                                                     opensslError(err == SSL_ERROR_SYSCALL
                                                                      ? "connection closed by the broker"
                                                                      : "handshake failure")));
  }
  TlsProbeResult result;
  result.version = SSL_get_version(ssl.get());
  if (o.tls.verify_server) {
    STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl.get());
    for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) result.pins.push_back(spkiPin(sk_X509_value(chain, i)));
  } else if (X509* leaf = SSL_get0_peer_certificate(ssl.get())) {
    result.pins.push_back(spkiPin(leaf));
  }
  if (o.wait_for_alert) {
    // A broker that rejects our client certificate (or its absence) under
    // TLS 1.3 says so with an alert right after the handshake.
    const auto alert_deadline = std::min(deadline, Clock::now() + std::chrono::milliseconds(500));
    char byte = 0;
    for (;;) {
      const int rc = SSL_read(ssl.get(), &byte, 1);
      if (rc > 0) break;
      const int err = SSL_get_error(ssl.get(), rc);
      if (err == SSL_ERROR_WANT_READ) {
        if (!waitFd(sock.fd, POLLIN, alert_deadline, o, "TLS read from")) break;
        continue;
      }
      if (err == SSL_ERROR_ZERO_RETURN) break;
      return makeError(Errc::kPermission, fmt::format("TLS: broker {}:{} closed the session after the handshake: {}",
                                                      o.host, o.port, opensslError("connection closed")));
    }
  }
  SSL_shutdown(ssl.get());
  return result;
}

Expected<void> checkPins(const TlsProbeResult& result, const std::vector<std::string>& pins) {
  for (const auto& have : result.pins) {
    if (std::find(pins.begin(), pins.end(), have) != pins.end()) return {};
  }
  return makeError(Errc::kPermission,
                   fmt::format("TLS: the broker's public key matches none of the {} configured pin(s); server key "
                               "is {} - refusing to connect",
                               pins.size(), result.pins.empty() ? std::string("unknown") : result.pins.front()));
}

}  // namespace tgw::uplink
