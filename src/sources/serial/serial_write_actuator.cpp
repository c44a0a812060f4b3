#include "sources/serial/serial_write_actuator.hpp"

#include <fmt/format.h>

#include "core/logging.hpp"

namespace tgw::sources::serial {

namespace {
// "$PMTK220,1000*1F\r\n" -> "$PMTK220,1000*1F\\r\\n" for logs.
std::string shown(std::string_view bytes) {
  std::string out;
  for (char c : bytes.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u > 0x7e) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  if (bytes.size() > 80) out += "...";
  return out;
}
}  // namespace

void SerialWriteActuator::attach(EventLoop& loop, SerialLink& link) {
  loop_ = &loop;
  link_ = &link;
}

void SerialWriteActuator::detach() {
  link_ = nullptr;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    p.timer.reset();
    p.done(tl::unexpected(sourceStopped(source_)));
  }
}

bool SerialWriteActuator::supports(const HardwareOp& op) const {
  return std::holds_alternative<SerialWriteOp>(op);
}

void SerialWriteActuator::execute(HardwareOp op, std::chrono::milliseconds timeout, Done done) {
  auto* w = std::get_if<SerialWriteOp>(&op);
  if (w == nullptr) return answerLater(loop_, std::move(done), tl::unexpected(unsupportedOp(source_, op)));
  if (w->bytes.empty() || w->bytes.size() > kMaxBytes) {
    return answerLater(
        loop_, std::move(done),
        makeError(Errc::kInvalidArgument, fmt::format("serial_write: {} bytes (1..{})", w->bytes.size(), kMaxBytes)));
  }
  if (link_ == nullptr || loop_ == nullptr)
    return answerLater(loop_, std::move(done), tl::unexpected(sourceStopped(source_)));
  const std::uint64_t id = next_id_++;
  const std::size_t size = w->bytes.size();
  const std::string text = shown(w->bytes);
  pending_[id].done = OnceDone(std::move(done));
  // `done` of the link may run inside writeAsync (all written at once).
  auto queued = link_->writeAsync(std::move(w->bytes), [this, id, size, text](Expected<void> r) {
    if (r) {
      ++written_;
      answer(id, OpOutcome{fmt::format("wrote {} bytes: {}", size, text)});
    } else {
      answer(id, tl::unexpected(r.error()));
    }
  });
  if (!queued) return answer(id, tl::unexpected(queued.error()));
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // written already
  it->second.link_id = *queued;
  it->second.timer = loop_->after(timeout, [this, id, timeout] {
    auto p = pending_.find(id);
    if (p == pending_.end()) return;
    if (link_ != nullptr) link_->cancelWrite(p->second.link_id);
    answer(id, makeError(Errc::kTimeout, fmt::format("serial_write: not all written within {} ms (is the device "
                                                     "reading? flow control?); the rest was dropped",
                                                     timeout.count())));
  });
}

void SerialWriteActuator::answer(std::uint64_t id, Expected<OpOutcome> r) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.timer.reset();
  auto log = tgw::log::get("source." + source_);
  if (r) {
    log->info("command: serial {}", r->detail);
  } else {
    log->warn("command: serial write failed: {}", r.error().message);
  }
  // Never inside execute(): the link may have finished synchronously.
  answerLater(
      loop_, [d = std::move(p.done)](Expected<OpOutcome> x) { d(std::move(x)); }, std::move(r));
}

}  // namespace tgw::sources::serial
