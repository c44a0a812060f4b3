#include "core/sd_event_loop.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <deque>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <systemd/sd-event.h>

#include "core/logging.hpp"

namespace tgw::core {
namespace {

std::uint64_t toUsec(std::chrono::milliseconds d) {
  return d.count() <= 0 ? 0 : static_cast<std::uint64_t>(d.count()) * 1000U;
}

template <class Fn>
void guarded(const char* what, Fn&& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    log::get("core")->error("uncaught exception in {}: {}", what, e.what());
  } catch (...) {
    log::get("core")->error("uncaught unknown exception in {}", what);
  }
}

struct TimerData {
  EventLoop::Task task;
  std::uint64_t period_us = 0;  // 0 = one-shot
};

struct IoData {
  std::function<void(std::uint32_t)> handler;
};

struct SignalData {
  EventLoop::Task handler;
};

class SdEventLoop final : public EventLoop {
 public:
  SdEventLoop(sd_event* event, int wake_fd) : event_(event), wake_fd_(wake_fd), owner_(std::this_thread::get_id()) {}

  ~SdEventLoop() override {
    stopped_.store(true);
    wake_source_ = sd_event_source_disable_unref(wake_source_);
    sd_event_unref(event_);
    ::close(wake_fd_);
  }

  Expected<void> init() {
    const int r = sd_event_add_io(event_, &wake_source_, wake_fd_, EPOLLIN, &SdEventLoop::onWake, this);
    if (r < 0) return tl::unexpected(errnoError(-r, "sd_event_add_io(eventfd)"));
    // Run posted tasks before other sources so cross-thread work is not starved.
    sd_event_source_set_priority(wake_source_, SD_EVENT_PRIORITY_IMPORTANT);
    return {};
  }

  void post(Task task) override {
    if (stopped_.load()) {
      dropped_.fetch_add(1);
      return;
    }
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  Registration after(Duration delay, Task task) override { return addTimer(toUsec(delay), 0, std::move(task)); }

  Registration every(Duration period, Task task) override {
    const std::uint64_t us = std::max<std::uint64_t>(toUsec(period), 1000);
    return addTimer(us, us, std::move(task));
  }

  Registration watchFd(int fd, std::uint32_t events, std::function<void(std::uint32_t)> handler) override {
    auto* data = new IoData{std::move(handler)};
    sd_event_source* source = nullptr;
    const int r = sd_event_add_io(event_, &source, fd, events, &SdEventLoop::onIo, data);
    if (r < 0) {
      delete data;
      log::get("core")->error("cannot watch fd {}: {}", fd, std::strerror(-r));
      return {};
    }
    sd_event_source_set_destroy_callback(source, [](void* p) { delete static_cast<IoData*>(p); });
    return Registration([source] { sd_event_source_disable_unref(source); });
  }

  Registration onSignal(int signo, Task handler) override {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    auto* data = new SignalData{std::move(handler)};
    sd_event_source* source = nullptr;
    const int r = sd_event_add_signal(event_, &source, signo, &SdEventLoop::onSig, data);
    if (r < 0) {
      delete data;
      log::get("core")->error("cannot handle signal {}: {}", signo, std::strerror(-r));
      return {};
    }
    sd_event_source_set_destroy_callback(source, [](void* p) { delete static_cast<SignalData*>(p); });
    return Registration([source] { sd_event_source_disable_unref(source); });
  }

  Expected<int> run() override {
    owner_ = std::this_thread::get_id();
    for (;;) {
      const int r = sd_event_run(event_, UINT64_MAX);
      if (r < 0) return tl::unexpected(errnoError(-r, "event loop"));
      iterations_.fetch_add(1, std::memory_order_relaxed);
      if (sd_event_get_state(event_) == SD_EVENT_FINISHED) break;
    }
    int code = 0;
    sd_event_get_exit_code(event_, &code);
    // Run what was posted before the stop, then refuse more.
    drain();
    stopped_.store(true);
    return code;
  }

  void requestStop(int status) override {
    post([this, status] { sd_event_exit(event_, status); });
  }

  [[nodiscard]] bool inLoopThread() const override { return std::this_thread::get_id() == owner_; }
  [[nodiscard]] std::uint64_t iterations() const override { return iterations_.load(std::memory_order_relaxed); }

 private:
  Registration addTimer(std::uint64_t delay_us, std::uint64_t period_us, Task task) {
    auto* data = new TimerData{std::move(task), period_us};
    sd_event_source* source = nullptr;
    std::uint64_t now = 0;
    sd_event_now(event_, CLOCK_MONOTONIC, &now);
    const int r = sd_event_add_time(event_, &source, CLOCK_MONOTONIC, now + delay_us, 1000 /* 1 ms accuracy; 0 would mean 250 ms */,
                                 &SdEventLoop::onTimer, data);
    if (r < 0) {
      delete data;
      log::get("core")->error("cannot add timer: {}", std::strerror(-r));
      return {};
    }
    sd_event_source_set_destroy_callback(source, [](void* p) { delete static_cast<TimerData*>(p); });
    return Registration([source] { sd_event_source_disable_unref(source); });
  }

  void drain() {
    std::deque<Task> tasks;
    {
      std::lock_guard lock(mutex_);
      tasks.swap(tasks_);
    }
    for (auto& t : tasks) guarded("posted task", t);
  }

  static int onWake(sd_event_source*, int fd, std::uint32_t, void* userdata) noexcept {
    std::uint64_t value = 0;
    [[maybe_unused]] const ssize_t n = ::read(fd, &value, sizeof value);
    static_cast<SdEventLoop*>(userdata)->drain();
    return 0;
  }

  static int onTimer(sd_event_source* s, std::uint64_t usec, void* userdata) noexcept {
    auto* data = static_cast<TimerData*>(userdata);
    if (data->period_us != 0) {
      sd_event_source_set_time(s, usec + data->period_us);
      sd_event_source_set_enabled(s, SD_EVENT_ON);
    }
    guarded("timer", data->task);
    return 0;
  }

  static int onIo(sd_event_source*, int, std::uint32_t revents, void* userdata) noexcept {
    auto* data = static_cast<IoData*>(userdata);
    guarded("fd handler", [&] { data->handler(revents); });
    return 0;
  }

  static int onSig(sd_event_source*, const struct signalfd_siginfo*, void* userdata) noexcept {
    guarded("signal handler", static_cast<SignalData*>(userdata)->handler);
    return 0;
  }

  sd_event* event_;
  int wake_fd_;
  sd_event_source* wake_source_ = nullptr;
  std::thread::id owner_;
  std::mutex mutex_;
  std::deque<Task> tasks_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> iterations_{0};
};

}  // namespace

void blockHandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A vanished broker or a closed stdout pipe must be an error value, not death.
  std::signal(SIGPIPE, SIG_IGN);
}

Expected<std::unique_ptr<EventLoop>> makeSdEventLoop() {
  blockHandledSignals();
  sd_event* event = nullptr;
  int r = sd_event_new(&event);
  if (r < 0) return tl::unexpected(errnoError(-r, "sd_event_new"));
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    sd_event_unref(event);
    return tl::unexpected(errnoError(err, "eventfd"));
  }
  auto loop = std::make_unique<SdEventLoop>(event, fd);
  if (auto ok = loop->init(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<EventLoop>(std::move(loop));
}

}  // namespace tgw::core
