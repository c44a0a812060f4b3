#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

#include <gtest/gtest.h>

#include "core/journal_sink.hpp"
#include "core/logging.hpp"
#include "support/support.hpp"

namespace tgw::log {
namespace {

// A journald stand-in: a datagram socket that decodes the native protocol.
class FakeJournal {
 public:
  explicit FakeJournal(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  ~FakeJournal() { ::close(fd_); }

  std::map<std::string, std::string> receive() {
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    std::map<std::string, std::string> fields;
    std::string_view data(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!data.empty()) {
      const auto nl = data.find('\n');
      const auto eq = data.find('=');
      if (eq != std::string_view::npos && eq < nl) {
        fields[std::string(data.substr(0, eq))] = std::string(data.substr(eq + 1, nl - eq - 1));
        data.remove_prefix(nl + 1);
      } else {
        const std::string key(data.substr(0, nl));
        data.remove_prefix(nl + 1);
        std::uint64_t len = 0;
        for (int i = 0; i < 8; ++i) len |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[i])) << (8 * i);
        data.remove_prefix(8);
        fields[key] = std::string(data.substr(0, len));
        data.remove_prefix(len + 1);
      }
    }
    return fields;
  }

 private:
  std::string path_;
  int fd_;
};

TEST(Journal, PriorityMapping) {
  EXPECT_EQ(journalPriority(spdlog::level::debug), LOG_DEBUG);
  EXPECT_EQ(journalPriority(spdlog::level::info), LOG_INFO);
  EXPECT_EQ(journalPriority(spdlog::level::warn), LOG_WARNING);
  EXPECT_EQ(journalPriority(spdlog::level::err), LOG_ERR);
  EXPECT_EQ(journalPriority(spdlog::level::critical), LOG_CRIT);
}

TEST(Journal, WritesStructuredFields) {
  test::TempDir dir;
  const std::string path = dir.file("journal.sock");
  FakeJournal journal(path);
  auto sink = std::make_shared<JournalSink>(path);
  spdlog::logger logger("uplink", sink);
  {
    Fields f{{"TGW_TOPIC", "bess/telemetry"}};
    logger.warn("broker refused: {}", "bad user name or password (reason 0x86)");
  }
  auto fields = journal.receive();
  EXPECT_EQ(fields["MESSAGE"], "broker refused: bad user name or password (reason 0x86)");
  EXPECT_EQ(fields["PRIORITY"], "4");
  EXPECT_EQ(fields["TGW_COMPONENT"], "uplink");
  EXPECT_EQ(fields["TGW_TOPIC"], "bess/telemetry");
  EXPECT_EQ(fields["SYSLOG_IDENTIFIER"], "telemetry-gateway");
  logger.error("two\nlines");
  fields = journal.receive();
  EXPECT_EQ(fields["MESSAGE"], "two\nlines");
  EXPECT_EQ(fields["PRIORITY"], "3");
  EXPECT_EQ(fields.count("TGW_TOPIC"), 0U);  // the scope ended
}

TEST(Journal, DetectsJournalStreamOnStderr) {
  struct stat st {};
  ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
  const std::string match = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  ::setenv("JOURNAL_STREAM", match.c_str(), 1);
  EXPECT_TRUE(stderrIsJournal());
  ::setenv("JOURNAL_STREAM", "1:2", 1);
  EXPECT_FALSE(stderrIsJournal());
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(stderrIsJournal());
}

TEST(Logging, NamedLoggersShareLevel) {
  init(spdlog::level::warn, Output::kConsole);
  auto a = get("queue");
  auto b = get("uplink");
  EXPECT_EQ(a->name(), "queue");
  EXPECT_EQ(a->level(), spdlog::level::warn);
  setLevel(spdlog::level::debug);
  EXPECT_EQ(b->level(), spdlog::level::debug);
  EXPECT_EQ(get("queue").get(), a.get());
  EXPECT_EQ(parseLevel("warning").value(), spdlog::level::warn);
  EXPECT_FALSE(parseLevel("loud").has_value());
}

}  // namespace
}  // namespace tgw::log
