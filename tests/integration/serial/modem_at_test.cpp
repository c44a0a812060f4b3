// modem_at through ModemSource's Actuator and the AtChannel underneath, with
// a fake modem on a pty: OK with information lines, ERROR, +CME ERROR, a
// timeout, commands that go before the modem's polling, an urgent command
// whose time runs out while it waits, stop() during a command, and the
// resynchronisation after a timeout (a late reply is not taken for the next
// command's).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "sources/modem/at_channel.hpp"
#include "sources/modem/modem_source.hpp"
#include "support/actuator_support.hpp"
#include "support/serial_support.hpp"
#include "support/support.hpp"

namespace tgw::sources {
namespace {

using namespace std::chrono_literals;

// Replies from a table; "AT+SLOW" is answered late: its reply goes out just
// before the reply to whatever command comes next. "AT+HANG" is never answered.
class FakeModem {
 public:
  FakeModem() {
    replies_ = {{"AT", "\r\nOK\r\n"},
                {"ATE0", "\r\nOK\r\n"},
                {"AT+CMEE=1", "\r\nOK\r\n"},
                {"AT+CGMR", "\r\nRevision:1951B08SIM7080\r\n\r\nOK\r\n"},
                {"AT+CSQ", "\r\n+CSQ: 20,99\r\n\r\nOK\r\n"},
                {"AT+CFUN=9", "\r\n+CME ERROR: 50\r\n"},
                {"AT+CFUN=1,1", "\r\nOK\r\n"}};
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeModem() {
    stop_ = true;
    thread_.join();
  }
  const std::string& path() const { return pty_.slavePath(); }
  std::vector<std::string> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void serve() {
    std::string buf;
    std::string late;
    while (!stop_) {
      buf += pty_.read(10ms);
      std::size_t cr;
      while ((cr = buf.find('\r')) != std::string::npos) {
        const std::string cmd = buf.substr(0, cr);
        buf.erase(0, cr + 1);
        {
          std::lock_guard lock(mutex_);
          received_.push_back(cmd);
        }
        if (cmd == "AT+HANG") continue;
        if (cmd == "AT+SLOW") {
          late = "\r\n+SLOW: 1\r\n\r\nOK\r\n";
          continue;
        }
        auto it = replies_.find(cmd);
        pty_.write(late + (it == replies_.end() ? "\r\nERROR\r\n" : it->second));
        late.clear();
      }
    }
  }

  test::PtyPair pty_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::map<std::string, std::string> replies_;
  std::mutex mutex_;
  std::vector<std::string> received_;
};

config::SourceConfig modemConfig(const std::string& path) {
  config::SourceConfig c;
  c.name = "lte";
  c.type = "modem";
  c.modem.port.device = path;
  c.modem.port.baud = 115200;
  c.modem.poll_interval_ms = 50;
  c.modem.command_timeout_ms = 300;
  c.modem.backoff_max_ms = 600;
  c.modem.cpsi = false;
  return c;
}

void run(test::LoopThread& lt, Actuator& a, const std::string& command, test::OpRecorder& rec,
         std::chrono::milliseconds timeout = 1s) {
  lt.call([&] { a.execute(ModemAtOp{command}, timeout, rec.done(&lt.loop())); });
  ASSERT_TRUE(test::waitFor([&] { return rec.answered(); }));
}

TEST(ModemAt, OkErrorCmeErrorTimeoutAndResync) {
  FakeModem modem;
  test::LoopThread lt;
  test::RecordingSink sink;
  ModemSource src(modemConfig(modem.path()), SystemClock::instance());
  Actuator* a = src.actuator();
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->supports(ModemAtOp{"AT"}));
  EXPECT_FALSE(a->supports(SerialWriteOp{"x"}));
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return src.status().state; }) == SourceState::kOnline; }));

  test::OpRecorder version, cme, error, slow, csq, invalid, line_end, wrong_kind;
  run(lt, *a, "AT+CGMR", version);
  EXPECT_TRUE(version.ok()) << version.text();
  EXPECT_EQ(version.text(), "Revision:1951B08SIM7080");
  run(lt, *a, "AT+CFUN=9", cme);
  EXPECT_EQ(cme.code(), Errc::kIo);
  EXPECT_NE(cme.text().find("+CME ERROR: 50"), std::string::npos) << cme.text();
  run(lt, *a, "AT+NOPE", error);
  EXPECT_EQ(error.code(), Errc::kIo);
  EXPECT_NE(error.text().find("ERROR"), std::string::npos);
  run(lt, *a, "AT+SLOW", slow, 150ms);
  EXPECT_EQ(slow.code(), Errc::kTimeout) << slow.text();
  // Its reply comes late, before the next reply: not taken for AT+CSQ's.
  run(lt, *a, "AT+CSQ", csq);
  EXPECT_TRUE(csq.ok()) << csq.text();
  EXPECT_EQ(csq.text(), "+CSQ: 20,99");
  EXPECT_GE(lt.call([&] { return src.channel()->counters().resyncs; }), 1U);

  run(lt, *a, "ATD+4912345;\r\nAT+CFUN=0", line_end);
  EXPECT_EQ(line_end.code(), Errc::kInvalidArgument);
  run(lt, *a, "reboot", invalid);
  EXPECT_EQ(invalid.code(), Errc::kInvalidArgument);
  lt.call([&] { a->execute(CanSendOp{}, 1s, wrong_kind.done(&lt.loop())); });
  ASSERT_TRUE(test::waitFor([&] { return wrong_kind.answered(); }));
  EXPECT_EQ(wrong_kind.code(), Errc::kInvalidArgument);

  // The modem's polling went on meanwhile.
  const auto polls = sink.count("lte.rssi_dbm");
  ASSERT_TRUE(test::waitFor([&] { return sink.count("lte.rssi_dbm") > polls; }));

  // stop() while a command waits for its reply: answered once, "stopped".
  test::OpRecorder hang, after_stop;
  lt.call([&] { a->execute(ModemAtOp{"AT+HANG"}, 10s, hang.done(&lt.loop())); });
  ASSERT_TRUE(test::waitFor([&] {
    auto r = modem.received();
    return std::find(r.begin(), r.end(), "AT+HANG") != r.end();
  }));
  lt.call([&] { src.stop(); });
  EXPECT_EQ(hang.calls(), 1);
  EXPECT_EQ(hang.code(), Errc::kUnavailable);
  EXPECT_NE(hang.text().find("stopped"), std::string::npos) << hang.text();
  run(lt, *a, "AT", after_stop);
  EXPECT_EQ(after_stop.code(), Errc::kUnavailable);
  for (const auto* r : {&version, &cme, &error, &slow, &csq, &invalid, &line_end, &wrong_kind, &hang, &after_stop}) {
    EXPECT_EQ(r->calls(), 1);
    EXPECT_EQ(r->offLoop(), 0);
  }
}

struct Reply {
  int calls = 0;
  std::optional<Expected<modem::AtReply>> r;
};

modem::AtChannel::Done keep(Reply& out) {
  return [&out](Expected<modem::AtReply> r) {
    ++out.calls;
    out.r = std::move(r);
  };
}

TEST(ModemAt, UrgentCommandsGoFirstAndExpireUnsent) {
  FakeModem modem;
  test::LoopThread lt;
  modem::AtChannel ch(serial::PortSettings{modem.path(), 115200, 8, 'N', 1}, {}, "test.at", SystemClock::instance());
  lt.call([&] { ch.start(lt.loop()); });
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return ch.connected(); }); }));
  Reply a, b, u1, u2;
  lt.call([&] {
    ch.send("AT+CSQ", 1s, keep(a));
    ch.send("AT", 1s, keep(b));
    ch.sendUrgent("AT+CGMR", 1s, keep(u1));
    ch.sendUrgent("AT+CFUN=1,1", 1s, keep(u2));
  });
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return b.calls == 1; }); }));
  EXPECT_EQ(modem.received(), (std::vector<std::string>{"AT+CGMR", "AT+CFUN=1,1", "AT+CSQ", "AT"}));
  lt.call([&] {
    ASSERT_TRUE(u1.r && *u1.r);
    EXPECT_EQ((*u1.r)->lines, std::vector<std::string>{"Revision:1951B08SIM7080"});
  });

  // An urgent command stuck behind one that never gets an answer expires unsent.
  Reply hang, late;
  lt.call([&] { ch.send("AT+HANG", 2s, keep(hang)); });
  ASSERT_TRUE(test::waitFor([&] {
    auto r = modem.received();
    return std::find(r.begin(), r.end(), "AT+HANG") != r.end();
  }));
  lt.call([&] { ch.sendUrgent("AT+CGMR", 100ms, keep(late)); });
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return late.calls == 1; }); }));
  lt.call([&] {
    EXPECT_EQ(hang.calls, 0);  // answered at its deadline, not when its turn came
    ASSERT_TRUE(late.r && !*late.r);
    EXPECT_EQ(late.r->error().code, Errc::kTimeout);
    EXPECT_NE(late.r->error().message.find("not sent"), std::string::npos);
  });
  auto rx = modem.received();
  EXPECT_EQ(std::count(rx.begin(), rx.end(), "AT+CGMR"), 1);  // the first one only
  lt.call([&] { ch.stop(); });
  EXPECT_EQ(hang.calls, 1);  // stop() answers the one still running
  ASSERT_TRUE(hang.r && !*hang.r);
  EXPECT_EQ(hang.r->error().code, Errc::kUnavailable);
}

TEST(ModemAt, LateReplyAfterTimeoutIsDrainedBeforeTheNextCommand) {
  FakeModem modem;
  test::LoopThread lt;
  modem::AtChannel ch(serial::PortSettings{modem.path(), 115200, 8, 'N', 1}, {}, "test.at", SystemClock::instance());
  lt.call([&] { ch.start(lt.loop()); });
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return ch.connected(); }); }));
  Reply slow, csq, cgmr;
  lt.call([&] { ch.send("AT+SLOW", 100ms, keep(slow)); });
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return slow.calls == 1; }); }));
  lt.call([&] {
    ch.send("AT+CSQ", 1s, keep(csq));
    ch.send("AT+CGMR", 1s, keep(cgmr));
  });
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return cgmr.calls == 1; }); }));
  lt.call([&] {
    ASSERT_TRUE(slow.r && !*slow.r);
    EXPECT_EQ(slow.r->error().code, Errc::kTimeout);
    ASSERT_TRUE(csq.r && *csq.r) << csq.r->error().message;
    EXPECT_EQ((*csq.r)->lines, std::vector<std::string>{"+CSQ: 20,99"});
    ASSERT_TRUE(cgmr.r && *cgmr.r);
    EXPECT_EQ((*cgmr.r)->lines, std::vector<std::string>{"Revision:1951B08SIM7080"});
    EXPECT_EQ(ch.counters().resyncs, 1U);
    EXPECT_GE(ch.counters().late_lines, 3U);  // +SLOW: 1, its OK, the sentinel's OK
  });
  // The sentinel went between the timed-out command and the next one.
  EXPECT_EQ(modem.received(), (std::vector<std::string>{"AT+SLOW", "AT", "AT+CSQ", "AT+CGMR"}));
  lt.call([&] { ch.stop(); });
}

}  // namespace
}  // namespace tgw::sources
