#include "sources/modem/at_channel.hpp"

#include <fmt/format.h>

#include "core/logging.hpp"
#include "decode/at/at.hpp"

namespace tgw::sources::modem {

namespace at = decode::at;

namespace {

std::string_view trimLine(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool printable(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u > 0x7e) return false;
  }
  return true;
}

// URCs without a "+X:" prefix (3GPP and SIMCom).
constexpr std::string_view kBareUrcs[] = {"RDY", "RING", "NORMAL POWER DOWN", "POWER DOWN", "SMS Ready",
                                          "Call Ready", "CLOSED", "NO CARRIER"};

}  // namespace

const std::string* AtReply::find(std::string_view prefix) const {
  for (const auto& l : lines) {
    if (l.rfind(prefix, 0) == 0) return &l;
  }
  return nullptr;
}

std::string replyPrefix(std::string_view command) {
  if (command.size() < 3 || (command.substr(0, 2) != "AT" && command.substr(0, 2) != "at")) return {};
  command.remove_prefix(2);
  if (command.empty() || (command.front() != '+' && command.front() != '*' && command.front() != '$')) return {};
  const auto end = command.find_first_of("=?");
  return std::string(command.substr(0, end));
}

AtChannel::AtChannel(serial::PortSettings port, serial::LinkOptions options, std::string log_name,
                     const Clock& clock)
    : link_(std::move(port), options, log_name, clock), log_name_(std::move(log_name)), clock_(clock) {}

AtChannel::~AtChannel() {
  *alive_ = false;
  stop();
}

void AtChannel::start(EventLoop& loop, StateHandler on_state) {
  loop_ = &loop;
  on_state_ = std::move(on_state);
  link_.start(
      loop, [this](std::string_view b) { onBytes(b); },
      [this](bool up, const std::string& detail) { onState(up, detail); });
}

void AtChannel::stop() {
  timer_.reset();
  link_.stop();
  // Pending callers learn that their command will not run.
  auto pending = std::move(queue_);
  queue_.clear();
  if (current_) pending.push_front(std::move(current_));
  for (auto& c : pending) {
    if (c->done) c->done(makeError(Errc::kUnavailable, "AT channel stopped"));
  }
}

void AtChannel::onState(bool up, const std::string& detail) {
  splitter_.reset();
  resync_ = false;  // a new port (or none): nothing late can come from the old one
  if (!up) {
    timer_.reset();
    auto pending = std::move(queue_);
    queue_.clear();
    if (current_) pending.push_front(std::move(current_));
    auto alive = alive_;
    for (auto& c : pending) {
      if (c->done) c->done(makeError(Errc::kUnavailable, fmt::format("AT channel: {}", detail)));
      if (!*alive) return;
    }
  }
  if (on_state_) on_state_(up, detail);
}

void AtChannel::send(std::string command, std::chrono::milliseconds timeout, Done done) {
  sendWithPayload(std::move(command), {}, timeout, std::move(done));
  queue_.back()->wants_prompt = false;
}

void AtChannel::sendWithPayload(std::string command, std::string payload, std::chrono::milliseconds timeout, Done done,
                                std::string terminator) {
  auto c = std::make_unique<Command>();
  c->prefix = replyPrefix(command);
  c->text = std::move(command);
  c->wants_prompt = true;
  c->payload = std::move(payload);
  c->terminator = std::move(terminator);
  c->timeout = timeout;
  c->done = std::move(done);
  queue_.push_back(std::move(c));
  // Start on the next loop turn, so `done` never runs inside send().
  if (loop_ != nullptr) {
    std::weak_ptr<bool> alive = alive_;
    loop_->post([this, alive] {
      if (auto a = alive.lock(); a && *a) pump();
    });
  }
}

void AtChannel::sendUrgent(std::string command, std::chrono::milliseconds timeout, Done done) {
  auto c = std::make_unique<Command>();
  c->prefix = replyPrefix(command);
  c->text = std::move(command);
  c->timeout = timeout;
  c->done = std::move(done);
  c->urgent = true;
  c->deadline = clock_.monotonic() + timeout;
  if (loop_ != nullptr) {
    const Command* raw = c.get();
    c->expiry = loop_->after(timeout, [this, raw] { expire(raw); });
  }
  auto pos = queue_.begin();
  while (pos != queue_.end() && (*pos)->urgent) ++pos;
  queue_.insert(pos, std::move(c));
  if (loop_ != nullptr) {
    std::weak_ptr<bool> alive = alive_;
    loop_->post([this, alive] {
      if (auto a = alive.lock(); a && *a) pump();
    });
  }
}

Registration AtChannel::subscribe(std::string prefix, UrcHandler handler) {
  const std::uint64_t id = next_sub_++;
  urc_.emplace(std::move(prefix), std::make_pair(id, std::move(handler)));
  std::weak_ptr<bool> alive = alive_;
  return Registration([this, alive, id] {
    auto a = alive.lock();
    if (!a || !*a) return;
    for (auto it = urc_.begin(); it != urc_.end(); ++it) {
      if (it->second.first == id) {
        urc_.erase(it);
        return;
      }
    }
  });
}

void AtChannel::pump() {
  if (current_ || queue_.empty()) return;
  if (resync_ && link_.connected()) {
    startSentinel();
    return;
  }
  current_ = std::move(queue_.front());
  queue_.pop_front();
  current_->expiry.reset();  // from now on the command's own timer runs
  ++counters_.commands;
  if (!link_.connected()) {
    finish(makeError(Errc::kUnavailable, fmt::format("AT channel: port {} not open", link_.settings().device)));
    return;
  }
  auto timeout = current_->timeout;
  if (current_->deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*current_->deadline - clock_.monotonic());
    if (left.count() <= 0) {
      ++counters_.timeouts;
      finish(makeError(Errc::kTimeout, fmt::format("AT channel: {} not sent within {} ms (modem busy)", current_->text,
                                                    current_->timeout.count())));
      return;
    }
    timeout = std::min(timeout, left);
  }
  if (auto w = link_.write(current_->text + "\r"); !w) {
    finish(tl::unexpected(w.error()));
    return;
  }
  timer_ = loop_->after(timeout, [this] {
    ++counters_.timeouts;
    resync_ = true;  // its reply may still come
    const std::string what = current_ ? current_->text : "?";
    finish(makeError(Errc::kTimeout, fmt::format("AT channel: no reply to {} within {} ms", what,
                                                  current_ ? current_->timeout.count() : 0)));
  });
}

// An urgent command whose time ran out while it waited: answered now, never sent.
void AtChannel::expire(const Command* c) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->get() != c) continue;
    auto cmd = std::move(*it);
    queue_.erase(it);
    ++counters_.timeouts;
    if (cmd->done) {
      cmd->done(makeError(Errc::kTimeout, fmt::format("AT channel: {} not sent within {} ms (modem busy)", cmd->text,
                                                      cmd->timeout.count())));
    }
    return;
  }
}

void AtChannel::startSentinel() {
  resync_ = false;
  ++counters_.resyncs;
  current_ = std::make_unique<Command>();
  current_->text = "AT";
  current_->sentinel = true;
  current_->timeout = kResyncTimeout;
  if (auto w = link_.write("AT\r"); !w) {
    finish(tl::unexpected(w.error()));
    return;
  }
  // No final result at all: the modem is not answering; go on anyway.
  timer_ = loop_->after(kResyncTimeout, [this] { finish(AtReply{}); });
}

void AtChannel::onSentinelLine(const std::string& line) {
  if (line == "AT") return;  // echo
  for (auto b : kBareUrcs) {
    if (line == b) return dispatchUrc(line);
  }
  switch (at::classifyFinal(line, nullptr)) {
    case at::Final::kNone:
    case at::Final::kNoCarrier: ++counters_.late_lines; return;
    default:
      // The late reply's final or the sentinel's: done once the line stays quiet.
      ++counters_.late_lines;
      timer_ = loop_->after(kResyncQuiet, [this] { finish(AtReply{}); });
      return;
  }
}

void AtChannel::finish(Expected<AtReply> result) {
  timer_.reset();
  auto cmd = std::move(current_);
  current_.reset();
  auto alive = alive_;
  if (cmd && cmd->done) cmd->done(std::move(result));
  if (*alive) pump();
}

void AtChannel::onBytes(std::string_view bytes) {
  splitter_.feed(bytes, [this](std::string_view l) { onLine(l); });
  if (splitter_.overlong() != overlong_seen_) {
    counters_.overlong += splitter_.overlong() - overlong_seen_;
    overlong_seen_ = splitter_.overlong();
  }
  // The '>' prompt of AT+SMPUB / AT+CMGS comes without a line end.
  if (current_ && current_->wants_prompt && !current_->prompt_seen) {
    const std::string_view p = trimLine(splitter_.pending());
    if (p == ">") {
      current_->prompt_seen = true;
      splitter_.reset();
      if (auto w = link_.write(current_->payload + current_->terminator); !w) finish(tl::unexpected(w.error()));
    }
  }
}

bool AtChannel::isUrc(std::string_view line) const {
  for (auto b : kBareUrcs) {
    if (line == b) return true;
  }
  const std::string_view prefix = at::prefixOf(line);
  if (prefix.empty()) return false;
  return !current_ || prefix != current_->prefix;
}

void AtChannel::dispatchUrc(const std::string& line) {
  bool handled = false;
  for (auto& [prefix, sub] : urc_) {
    if (line.rfind(prefix, 0) == 0) {
      handled = true;
      auto alive = alive_;
      sub.second(line);
      if (!*alive) return;
    }
  }
  if (handled) {
    ++counters_.urcs;
  } else {
    ++counters_.unsolicited_unhandled;
    tgw::log::get(log_name_)->debug("AT: unsolicited line not handled: '{}'", line);
  }
}

void AtChannel::onLine(std::string_view raw) {
  const std::string_view line = trimLine(raw);
  if (line.empty()) return;
  if (!printable(line)) {
    ++counters_.garbage;
    std::uint64_t suppressed = 0;
    if (log_limit_.allow(toUnixMs(clock_.now()), suppressed)) {
      tgw::log::get(log_name_)->warn("AT: dropped a line with binary bytes ({} such lines so far)", counters_.garbage);
    }
    return;
  }
  const std::string text(line);
  if (!current_) {
    dispatchUrc(text);
    return;
  }
  if (current_->sentinel) return onSentinelLine(text);
  if (text == current_->text) return;  // echo (ATE1)
  std::string code;
  switch (at::classifyFinal(text, &code)) {
    case at::Final::kOk:
      ++counters_.ok;
      finish(std::move(current_->reply));
      return;
    case at::Final::kError:
    case at::Final::kCmeError:
    case at::Final::kCmsError:
    case at::Final::kAbort: {
      ++counters_.errors;
      const std::string what = current_->text;
      finish(makeError(Errc::kIo, fmt::format("AT: {} failed: {}", what, text)));
      return;
    }
    case at::Final::kNoCarrier:
    case at::Final::kNone: break;
  }
  if (isUrc(text)) {
    dispatchUrc(text);
    return;
  }
  current_->reply.lines.push_back(text);
}

}  // namespace tgw::sources::modem
