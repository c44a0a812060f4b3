#include "uplink/paho/ca_bundle.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

namespace tgw::uplink {

CaBundle::~CaBundle() {
  if (fd_ >= 0) ::close(fd_);
}

CaBundle& CaBundle::operator=(CaBundle&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    count_ = other.count_;
    other.fd_ = -1;
  }
  return *this;
}

std::string CaBundle::path() const { return fmt::format("/proc/self/fd/{}", fd_); }

namespace {
// Appends every PEM certificate of `path` to `out`; returns how many.
int appendCerts(const std::string& path, BIO* out) {
  std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_file(path.c_str(), "r"), &BIO_free);
  if (!in) return 0;
  int n = 0;
  while (X509* cert = PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)) {
    if (PEM_write_bio_X509(out, cert) == 1) ++n;
    X509_free(cert);
  }
  return n;
}
}  // namespace

Expected<CaBundle> CaBundle::build(const std::string& ca_file, const std::string& ca_dir) {
  std::unique_ptr<BIO, decltype(&BIO_free)> mem(BIO_new(BIO_s_mem()), &BIO_free);
  int count = 0;
  if (!ca_file.empty()) count += appendCerts(ca_file, mem.get());
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(ca_dir, ec)) {
    if (e.is_regular_file(ec)) count += appendCerts(e.path().string(), mem.get());
  }
  if (ec) return makeError(Errc::kNotFound, fmt::format("TLS: cannot list ca_dir {}: {}", ca_dir, ec.message()));
  if (count == 0) {
    return makeError(Errc::kConfig, fmt::format("TLS: no PEM certificate found in ca_dir {}", ca_dir));
  }
  CaBundle bundle;
  bundle.fd_ = ::memfd_create("tgw-ca-bundle", MFD_CLOEXEC);
  if (bundle.fd_ < 0) return tl::unexpected(errnoError(errno, "memfd_create for the CA bundle"));
  char* data = nullptr;
  const long len = BIO_get_mem_data(mem.get(), &data);
  for (long off = 0; off < len;) {
    const ssize_t w = ::write(bundle.fd_, data + off, static_cast<std::size_t>(len - off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return tl::unexpected(errnoError(errno, "writing the CA bundle"));
    }
    off += w;
  }
  bundle.count_ = count;
  return bundle;
}

}  // namespace tgw::uplink
