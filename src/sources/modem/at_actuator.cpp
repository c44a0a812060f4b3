#include "sources/modem/at_actuator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/logging.hpp"
#include "sources/common/op_reply.hpp"

namespace tgw::sources::modem {

void AtActuator::attach(EventLoop& loop, AtChannel& channel) {
  loop_ = &loop;
  channel_ = &channel;
  stopped_ = std::make_shared<bool>(false);
}

void AtActuator::detach() {
  channel_ = nullptr;
  *stopped_ = true;
}

bool AtActuator::supports(const HardwareOp& op) const {
  return std::holds_alternative<ModemAtOp>(op);
}

void AtActuator::execute(HardwareOp op, std::chrono::milliseconds timeout, Done done) {
  const auto* at = std::get_if<ModemAtOp>(&op);
  if (at == nullptr) return answerLater(loop_, std::move(done), tl::unexpected(unsupportedOp(source_, op)));
  const std::string& cmd = at->command;
  bool printable = true;
  for (char c : cmd) printable = printable && c >= 0x20 && c < 0x7f;
  if (cmd.size() < 2 || cmd.size() > kMaxCommand || (cmd.rfind("AT", 0) != 0 && cmd.rfind("at", 0) != 0) ||
      !printable) {
    return answerLater(
        loop_, std::move(done),
        makeError(Errc::kInvalidArgument, fmt::format("modem_at: not a single AT command (AT..., printable, at most {} "
                                                      "characters, no line end)",
                                                      kMaxCommand)));
  }
  if (channel_ == nullptr) return answerLater(loop_, std::move(done), tl::unexpected(sourceStopped(source_)));
  if (!channel_->connected()) {
    return answerLater(loop_, std::move(done),
                       makeError(Errc::kUnavailable, fmt::format("source '{}': modem port not open", source_)));
  }
  auto log = tgw::log::get("source." + source_);
  log->info("command: {}", cmd);
  channel_->sendUrgent(
      cmd, timeout,
      [once = OnceDone(std::move(done)), stopped = stopped_, source = source_, cmd, log](Expected<AtReply> r) {
        if (r) {
          std::string detail = r->lines.empty() ? "OK" : fmt::format("{}", fmt::join(r->lines, "\n"));
          log->info("command: {} -> {}", cmd, detail);
          once(OpOutcome{std::move(detail)});
          return;
        }
        if (r.error().code == Errc::kUnavailable && *stopped) {
          once(tl::unexpected(sourceStopped(source)));
          return;
        }
        log->warn("command: {} failed: {}", cmd, r.error().message);
        once(tl::unexpected(r.error()));
      });
}

}  // namespace tgw::sources::modem
