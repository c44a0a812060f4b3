// Paho C++ 1.2.0 loses ssl_options' CA directory (CApath) when the options
// are copied into connect_options, so a configured ca_dir is turned into one
// in-memory PEM bundle (memfd, never on disk) that is passed as trust store.
#pragma once

#include <string>

#include "tgw/core/error.hpp"

namespace tgw::uplink {

class CaBundle {
 public:
  CaBundle() = default;
  ~CaBundle();
  CaBundle(CaBundle&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  CaBundle& operator=(CaBundle&& other) noexcept;
  CaBundle(const CaBundle&) = delete;
  CaBundle& operator=(const CaBundle&) = delete;

  // All certificates of `ca_file` (may be empty) and of the files in `ca_dir`.
  static Expected<CaBundle> build(const std::string& ca_file, const std::string& ca_dir);
  // "/proc/self/fd/<n>", readable by OpenSSL while this object lives.
  [[nodiscard]] std::string path() const;
  [[nodiscard]] int count() const { return count_; }

 private:
  int fd_ = -1;
  int count_ = 0;
};

}  // namespace tgw::uplink
