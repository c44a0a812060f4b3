// A serial port owned by the event loop: opened (and reopened after an
// unplug) with backoff, read through an fd watch, bytes handed to a callback.
// Port missing at start, permission denied, USB unplug/replug and read
// errors are reported through the state callback and logged rate-limited;
// the link keeps retrying until stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sources/serial/line_splitter.hpp"
#include "sources/serial/serial_port.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"

namespace tgw::sources::serial {

struct LinkOptions {
  std::chrono::milliseconds reopen_min{500};
  std::chrono::milliseconds reopen_max{30000};
};

class SerialLink {
 public:
  using BytesHandler = std::function<void(std::string_view)>;
  // connected == false: `detail` says why (not found, permission, unplugged ...).
  using StateHandler = std::function<void(bool connected, const std::string& detail)>;

  SerialLink(PortSettings settings, LinkOptions options, std::string log_name, const Clock& clock);
  ~SerialLink();
  SerialLink(const SerialLink&) = delete;
  SerialLink& operator=(const SerialLink&) = delete;

  // Loop thread. Tries to open now; on failure retries with backoff.
  void start(EventLoop& loop, BytesHandler on_bytes, StateHandler on_state);
  void stop();
  // Loop thread. Writes all of `data` (short blocking wait if the tty buffer is full).
  Expected<void> write(std::string_view data);

  using WriteDone = std::function<void(Expected<void>)>;
  // Loop thread. Queues `data` behind earlier queued writes and writes it
  // without ever blocking the loop: what the tty takes now, the rest when it
  // is writable again. `done` runs on the loop thread once all of it is
  // written -- possibly inside this call -- or with an error when the port is
  // lost or stopped first. kUnavailable (and no `done`) when the port is not
  // open. Returns an id for cancelWrite().
  Expected<std::uint64_t> writeAsync(std::string data, WriteDone done);
  // Loop thread. Drops a queued write (the unwritten rest of one that has
  // started); its `done` is not called. False if it is finished already.
  bool cancelWrite(std::uint64_t id);
  [[nodiscard]] std::size_t writesQueued() const { return writes_.size(); }

  [[nodiscard]] bool connected() const { return fd_.valid(); }
  [[nodiscard]] std::uint64_t reopens() const { return reopens_; }
  [[nodiscard]] const PortSettings& settings() const { return settings_; }

 private:
  void tryOpen();
  void onReadable(std::uint32_t revents);
  void lost(const std::string& why);
  void scheduleReopen();
  void flushWrites();
  void failWrites(const Error& why);

  struct PendingWrite {
    std::uint64_t id = 0;
    std::string data;
    std::size_t written = 0;
    WriteDone done;
  };

  PortSettings settings_;
  LinkOptions options_;
  std::string log_name_;
  const Clock& clock_;
  EventLoop* loop_ = nullptr;
  BytesHandler on_bytes_;
  StateHandler on_state_;
  Fd fd_;
  Registration watch_;
  Registration timer_;
  std::deque<PendingWrite> writes_;
  std::uint64_t next_write_ = 1;
  Fd write_fd_;               // dup of fd_, watched for EPOLLOUT while writes wait
  Registration write_watch_;
  std::chrono::milliseconds backoff_{0};
  std::uint64_t reopens_ = 0;
  bool ever_connected_ = false;
  RateLimit log_limit_{30000};
  std::string last_error_;
};

}  // namespace tgw::sources::serial
