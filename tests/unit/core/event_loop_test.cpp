#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/sd_event_loop.hpp"

namespace tgw {
namespace {

std::unique_ptr<EventLoop> makeLoop() {
  auto loop = core::makeSdEventLoop();
  EXPECT_TRUE(loop.has_value());
  return std::move(*loop);
}

TEST(EventLoop, RunsPostedTasksInOrderFromOtherThreads) {
  auto loop = makeLoop();
  std::vector<int> seen;
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i) loop->post([&seen, i] { seen.push_back(i); });
    loop->post([&] { loop->requestStop(7); });
  });
  auto code = loop->run();
  producer.join();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 7);
  ASSERT_EQ(seen.size(), 1000U);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(EventLoop, TimersFireAndCancelOnDestruction) {
  auto loop = makeLoop();
  int periodic = 0;
  bool cancelled_fired = false;
  Registration every = loop->every(std::chrono::milliseconds(2), [&] { ++periodic; });
  Registration cancelled = loop->after(std::chrono::milliseconds(5), [&] { cancelled_fired = true; });
  cancelled.reset();
  Registration stop = loop->after(std::chrono::milliseconds(50), [&] { loop->requestStop(0); });
  ASSERT_TRUE(loop->run().has_value());
  EXPECT_GE(periodic, 5);
  EXPECT_FALSE(cancelled_fired);
  EXPECT_GT(loop->iterations(), 0U);
}

TEST(EventLoop, WatchesFileDescriptors) {
  auto loop = makeLoop();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string got;
  Registration watch = loop->watchFd(fds[0], EPOLLIN, [&](std::uint32_t) {
    char buf[16];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    got.append(buf, static_cast<std::size_t>(n));
    loop->requestStop(0);
  });
  ASSERT_EQ(::write(fds[1], "hi", 2), 2);
  ASSERT_TRUE(loop->run().has_value());
  EXPECT_EQ(got, "hi");
  watch.reset();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EventLoop, SignalsAreHandledInTheLoop) {
  auto loop = makeLoop();
  int hups = 0;
  Registration hup = loop->onSignal(SIGHUP, [&] { ++hups; });
  Registration term = loop->onSignal(SIGTERM, [&] { loop->requestStop(3); });
  Registration send = loop->after(std::chrono::milliseconds(1), [] {
    ::kill(::getpid(), SIGHUP);
  });
  Registration send2 = loop->after(std::chrono::milliseconds(20), [] { ::kill(::getpid(), SIGTERM); });
  auto code = loop->run();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3);
  EXPECT_EQ(hups, 1);
}

TEST(EventLoop, ExceptionInTaskIsContained) {
  auto loop = makeLoop();
  bool after = false;
  loop->post([] { throw std::runtime_error("boom"); });
  loop->post([&] {
    after = true;
    loop->requestStop(0);
  });
  ASSERT_TRUE(loop->run().has_value());
  EXPECT_TRUE(after);
}

TEST(EventLoop, PostAfterStopIsDropped) {
  auto loop = makeLoop();
  loop->post([&] { loop->requestStop(0); });
  ASSERT_TRUE(loop->run().has_value());
  bool ran = false;
  loop->post([&] { ran = true; });
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace tgw
