#include "sources/serial/serial_link.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include <fmt/format.h>

#include "core/logging.hpp"

namespace tgw::sources::serial {

SerialLink::SerialLink(PortSettings settings, LinkOptions options, std::string log_name, const Clock& clock)
    : settings_(std::move(settings)), options_(options), log_name_(std::move(log_name)), clock_(clock) {}

SerialLink::~SerialLink() { stop(); }

void SerialLink::start(EventLoop& loop, BytesHandler on_bytes, StateHandler on_state) {
  loop_ = &loop;
  on_bytes_ = std::move(on_bytes);
  on_state_ = std::move(on_state);
  backoff_ = options_.reopen_min;
  tryOpen();
}

void SerialLink::stop() {
  timer_.reset();
  watch_.reset();
  failWrites(Error{Errc::kUnavailable, fmt::format("serial {}: closed", settings_.device)});
  fd_.reset();
  loop_ = nullptr;
}

void SerialLink::tryOpen() {
  if (loop_ == nullptr) return;
  auto fd = openPort(settings_);
  if (!fd) {
    const std::string& msg = fd.error().message;
    std::uint64_t suppressed = 0;
    // A new kind of error is always logged; a repeat only every 30 s.
    if (msg != last_error_ || log_limit_.allow(toUnixMs(clock_.now()), suppressed)) {
      tgw::log::get(log_name_)->warn("{} (retrying every {} ms at most{})", msg, options_.reopen_max.count(),
                                     suppressed > 0 ? fmt::format(", {} repeats not logged", suppressed) : "");
      last_error_ = msg;
    }
    if (on_state_) on_state_(false, msg);
    scheduleReopen();
    return;
  }
  fd_ = std::move(*fd);
  last_error_.clear();
  backoff_ = options_.reopen_min;
  if (ever_connected_) ++reopens_;
  ever_connected_ = true;
  tgw::log::get(log_name_)->info("serial {} open ({} baud)", settings_.device, settings_.baud);
  watch_ = loop_->watchFd(fd_.get(), EPOLLIN, [this](std::uint32_t ev) { onReadable(ev); });
  if (on_state_) on_state_(true, "open");
}

void SerialLink::scheduleReopen() {
  if (loop_ == nullptr) return;
  const auto delay = backoff_;
  backoff_ = std::min(options_.reopen_max, backoff_ * 2);
  timer_ = loop_->after(delay, [this] { tryOpen(); });
}

void SerialLink::onReadable(std::uint32_t revents) {
  std::array<char, 4096> buf{};
  // Drain what is there; HUP/ERR with nothing left to read means the device went away.
  for (int i = 0; i < 16 && fd_.valid(); ++i) {
    const ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
    if (n > 0) {
      if (on_bytes_) on_bytes_(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      if (!fd_.valid()) return;  // handler stopped us
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    if (n == 0 && (revents & (EPOLLHUP | EPOLLERR)) == 0) break;
    lost(n == 0 ? "device closed (unplugged?)" : fmt::format("read error: {}", errnoError(errno, "read").message));
    return;
  }
  if ((revents & (EPOLLHUP | EPOLLERR)) != 0 && fd_.valid()) lost("hang-up (device unplugged?)");
}

void SerialLink::lost(const std::string& why) {
  tgw::log::get(log_name_)->warn("serial {} lost: {}; reopening", settings_.device, why);
  watch_.reset();
  failWrites(Error{Errc::kUnavailable, fmt::format("serial {} lost: {}", settings_.device, why)});
  fd_.reset();
  if (on_state_) on_state_(false, fmt::format("serial {} lost: {}", settings_.device, why));
  scheduleReopen();
}

Expected<void> SerialLink::write(std::string_view data) {
  if (!fd_.valid()) {
    return makeError(Errc::kUnavailable, fmt::format("serial {}: not open", settings_.device));
  }
  while (!data.empty()) {
    const ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd_.get(), POLLOUT, 0};
      if (::poll(&p, 1, 1000) <= 0) {
        return makeError(Errc::kTimeout, fmt::format("serial {}: write blocked for 1 s", settings_.device));
      }
      continue;
    }
    return tl::unexpected(errnoError(errno, fmt::format("serial {}: write", settings_.device)));
  }
  return {};
}

}  // namespace tgw::sources::serial

namespace tgw::sources::serial {

Expected<std::uint64_t> SerialLink::writeAsync(std::string data, WriteDone done) {
  if (!fd_.valid() || loop_ == nullptr) {
    return makeError(Errc::kUnavailable, fmt::format("serial {}: not open", settings_.device));
  }
  const std::uint64_t id = next_write_++;
  writes_.push_back(PendingWrite{id, std::move(data), 0, std::move(done)});
  if (!write_watch_.active()) flushWrites();
  return id;
}

bool SerialLink::cancelWrite(std::uint64_t id) {
  for (auto it = writes_.begin(); it != writes_.end(); ++it) {
    if (it->id != id) continue;
    writes_.erase(it);
    if (writes_.empty()) {
      write_watch_.reset();
      write_fd_.reset();
    }
    return true;
  }
  return false;
}

void SerialLink::flushWrites() {
  while (!writes_.empty() && fd_.valid()) {
    PendingWrite& w = writes_.front();
    const ssize_t n = w.data.size() > w.written
                          ? ::write(fd_.get(), w.data.data() + w.written, w.data.size() - w.written)
                          : 0;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      // The tty is full: go on when it is writable (on a dup, the read watch owns fd_).
      if (!write_watch_.active()) {
        write_fd_ = Fd(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
        if (!write_fd_.valid()) return failWrites(errnoError(errno, fmt::format("serial {}: dup", settings_.device)));
        write_watch_ = loop_->watchFd(write_fd_.get(), EPOLLOUT, [this](std::uint32_t) { flushWrites(); });
      }
      return;
    }
    if (n < 0) return failWrites(errnoError(errno, fmt::format("serial {}: write", settings_.device)));
    w.written += static_cast<std::size_t>(n);
    if (w.written < w.data.size()) continue;
    auto done = std::move(w.done);
    writes_.pop_front();
    if (done) done({});  // may queue or cancel writes: the loop re-reads the queue
  }
  if (writes_.empty()) {
    write_watch_.reset();
    write_fd_.reset();
  }
}

void SerialLink::failWrites(const Error& why) {
  write_watch_.reset();
  write_fd_.reset();
  auto writes = std::move(writes_);
  writes_.clear();
  for (auto& w : writes) {
    if (w.done) w.done(tl::unexpected(why));
  }
}

}  // namespace tgw::sources::serial
