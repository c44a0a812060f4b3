// Prints every message as one JSON line on stdout: the `uplink.type: stdout`
// mode, for debugging a config on a desk without a broker.
#pragma once

#include <cstdio>

#include "tgw/uplink/sink.hpp"

namespace tgw::app {

class StdoutSink final : public MessageSink {
 public:
  explicit StdoutSink(std::FILE* out = stdout) : out_(out) {}
  void submit(Message message) override;
  [[nodiscard]] std::uint64_t count() const { return count_; }

 private:
  std::FILE* out_;
  std::uint64_t count_ = 0;
};

}  // namespace tgw::app
