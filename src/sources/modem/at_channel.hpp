// The one owner of a modem's AT command channel (loop thread).
//
// Commands are queued and sent one at a time; each gets its own timeout and
// completes with the information lines of its reply (echo and the final
// result removed) or an error (ERROR, +CME ERROR: <n>, timeout, port lost).
// Unsolicited result codes (URCs) may arrive at any time, also in the middle
// of a reply: a "+XYZ: ..." line whose prefix is not the running command's,
// or a known bare URC (RDY, RING ...), goes to the URC subscribers instead.
// Meant for reuse: the modem source polls through it, downlink AT actions
// and the SIM7080 MQTT fallback (AT+SMPUB with its '>' prompt, +SMSUB URCs)
// use the same instance.
//
// Commands sent with sendUrgent() (downlink AT actions) go before the queued
// polling commands, and their timeout counts from the call, waiting included.
// After a command timed out, its reply may still come; before the next
// command the channel resynchronises: it sends a sentinel "AT", drops every
// line until a final result arrives and the line has then been quiet for
// kResyncQuiet (a late reply's OK followed by the sentinel's OK), so a late
// reply is never taken for the next command's.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sources/serial/serial_link.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/error.hpp"
#include "tgw/core/event_loop.hpp"

namespace tgw::sources::modem {

struct AtReply {
  std::vector<std::string> lines;  // information lines, in order
  // The first line starting with `prefix` ("+CSQ"), if any.
  [[nodiscard]] const std::string* find(std::string_view prefix) const;
};

struct AtCounters {
  std::uint64_t commands = 0, ok = 0, errors = 0, timeouts = 0, urcs = 0, unsolicited_unhandled = 0, garbage = 0,
                overlong = 0;
  std::uint64_t resyncs = 0;     // sentinel "AT"s sent after a timeout
  std::uint64_t late_lines = 0;  // lines dropped while resynchronising
};

class AtChannel {
 public:
  using Done = std::function<void(Expected<AtReply>)>;
  using UrcHandler = std::function<void(const std::string& line)>;
  using StateHandler = std::function<void(bool connected, const std::string& detail)>;

  static constexpr std::chrono::milliseconds kResyncQuiet{100};
  static constexpr std::chrono::milliseconds kResyncTimeout{500};

  AtChannel(serial::PortSettings port, serial::LinkOptions options, std::string log_name, const Clock& clock);
  ~AtChannel();
  AtChannel(const AtChannel&) = delete;
  AtChannel& operator=(const AtChannel&) = delete;

  // Loop thread. Opens the port (retrying with backoff until stop()).
  void start(EventLoop& loop, StateHandler on_state = {});
  void stop();

  // Loop thread. Queue `command` ("AT+CSQ"; CR is added); `done` runs on the
  // loop thread exactly once. Error codes: kTimeout, kUnavailable (port not
  // open / lost), kIo (ERROR / +CME ERROR / +CMS ERROR: the message has the code).
  void send(std::string command, std::chrono::milliseconds timeout, Done done);
  // Like send(), but waits for the '>' prompt and then writes `payload`
  // (e.g. AT+SMPUB=..., AT+CMGS=...); terminated with `terminator` (often none or Ctrl-Z).
  void sendWithPayload(std::string command, std::string payload, std::chrono::milliseconds timeout, Done done,
                       std::string terminator = {});
  // Like send(), but queued before every non-urgent command (after earlier
  // urgent ones), and `timeout` runs from now: a command still waiting for
  // its turn when it expires is never sent and fails with kTimeout.
  void sendUrgent(std::string command, std::chrono::milliseconds timeout, Done done);

  // URCs whose line starts with `prefix` ("+CEREG", "RDY", "+SMSUB"). Loop thread.
  // The registration unsubscribes when destroyed.
  [[nodiscard]] Registration subscribe(std::string prefix, UrcHandler handler);

  [[nodiscard]] bool connected() const { return link_.connected(); }
  [[nodiscard]] std::size_t queued() const { return queue_.size() + (current_ ? 1 : 0); }
  [[nodiscard]] const AtCounters& counters() const { return counters_; }

  // Loop thread. Bytes as if read from the port (used by the link; also the fuzz entry).
  void onBytes(std::string_view bytes);

 private:
  struct Command {
    std::string text;
    std::string payload;
    std::string terminator;
    bool wants_prompt = false;
    bool prompt_seen = false;
    std::chrono::milliseconds timeout{0};
    Done done;
    AtReply reply;
    std::string prefix;  // "+CSQ" for "AT+CSQ", "+CGNSINF" ...
    bool urgent = false;
    std::optional<MonoTime> deadline;  // urgent: fail if not sent by then
    bool sentinel = false;             // the resync "AT"
    Registration expiry;               // urgent, while queued: answers kTimeout at the deadline
  };

  void onLine(std::string_view line);
  void dispatchUrc(const std::string& line);
  bool isUrc(std::string_view line) const;
  void pump();
  void startSentinel();
  void expire(const Command* c);
  void onSentinelLine(const std::string& line);
  void finish(Expected<AtReply> result);
  void onState(bool up, const std::string& detail);

  serial::SerialLink link_;
  std::string log_name_;
  const Clock& clock_;
  EventLoop* loop_ = nullptr;
  StateHandler on_state_;
  serial::LineSplitter splitter_{1024};
  std::uint64_t overlong_seen_ = 0;
  std::deque<std::unique_ptr<Command>> queue_;
  std::unique_ptr<Command> current_;
  Registration timer_;
  std::multimap<std::string, std::pair<std::uint64_t, UrcHandler>> urc_;
  std::uint64_t next_sub_ = 1;
  bool resync_ = false;  // a command timed out: resynchronise before the next
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  AtCounters counters_;
  serial::RateLimit log_limit_{10000};
};

// "AT+CSQ" -> "+CSQ", "AT+CEREG?" -> "+CEREG", "AT+CGNSPWR=1" -> "+CGNSPWR", "ATI" -> "".
std::string replyPrefix(std::string_view command);

}  // namespace tgw::sources::modem
