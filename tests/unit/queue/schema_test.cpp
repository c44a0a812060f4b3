// Opening the queue file: bad paths, permissions, newer schema, migration,
// corrupt files moved aside.
#include "queue/sqlite/schema.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "queue/sqlite/sqlite_queue.hpp"
#include "support/support.hpp"
#include "test_loop.hpp"

namespace tgw::queue {
namespace {

namespace fs = std::filesystem;
using test::FakeClock;
using test::TempDir;

void sql(const std::string& path, const std::string& text) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err != nullptr ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

std::vector<std::string> corruptFiles(const TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().filename().string().find(".corrupt-") != std::string::npos) out.push_back(e.path().string());
  }
  return out;
}

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override { cfg_.path = dir_.file("queue.db"); }
  Expected<std::unique_ptr<SqliteQueue>> open() { return SqliteQueue::open(cfg_, clock_); }
  TempDir dir_;
  FakeClock clock_;
  config::QueueConfig cfg_;
};

TEST_F(SchemaTest, NewerSchemaIsRefusedAndLeftUntouched) {
  { ASSERT_TRUE(open().has_value()); }
  sql(cfg_.path, "UPDATE schema_version SET version = 99");
  const std::string before = test::readFile(cfg_.path);
  auto q = open();
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().code, Errc::kUnsupported);
  EXPECT_NE(q.error().message.find(cfg_.path), std::string::npos) << q.error().message;
  EXPECT_NE(q.error().message.find("schema version 99"), std::string::npos) << q.error().message;
  EXPECT_EQ(test::readFile(cfg_.path), before);
  EXPECT_TRUE(corruptFiles(dir_).empty());
}

TEST_F(SchemaTest, VersionOneFileIsMigratedForwardKeepingMessages) {
  sql(cfg_.path, std::string(schemaSql(1)) +
                     "INSERT INTO schema_version VALUES(1);"
                     "INSERT INTO meta VALUES('last_seq', 41);"
                     "INSERT INTO messages VALUES(1, 41, 3, 1, 0, 5, 5, 0, 'ev', '{\"seq\":41}');");
  auto q = open();
  ASSERT_TRUE(q.has_value()) << q.error().message;
  EXPECT_EQ((*q)->size(), 1U);
  auto seq = (*q)->push(Message{MessageClass::kEvent, "ev", "{}", 1});
  ASSERT_TRUE(seq.has_value());
  EXPECT_EQ(*seq, 42U);
  (*q)->recordDrop(DropReason::kExpired, Message{});
  ASSERT_TRUE((*q)->commit());  // the v2 drops table exists
  q->reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(cfg_.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), kSchemaVersion);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(SchemaTest, NonSqliteFileIsMovedAsideAndAFreshQueueStarts) {
  const std::string junk = "this is not a database, but it is someone's data\n";
  dir_.write("queue.db", junk);
  auto q = open();
  ASSERT_TRUE(q.has_value()) << q.error().message;
  EXPECT_EQ((*q)->size(), 0U);
  const auto moved = corruptFiles(dir_);
  ASSERT_EQ(moved.size(), 1U);
  EXPECT_EQ(test::readFile(moved[0]), junk);
  EXPECT_NE(moved[0].find("queue.db.corrupt-"), std::string::npos);
  ASSERT_TRUE((*q)->push(Message{MessageClass::kEvent, "ev", "{}", 1}));
  ASSERT_TRUE((*q)->commit());
}

TEST_F(SchemaTest, DamagedPagesAreDetectedAndMovedAside) {
  {
    auto q = open();
    ASSERT_TRUE(q.has_value());
    const std::string pad(3000, 'p');
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE((*q)->push(Message{MessageClass::kEvent, "ev", "{\"p\":\"" + pad + "\"}", 1}));
    ASSERT_TRUE((*q)->commit());
  }  // closed: WAL checkpointed into the main file
  const auto size = fs::file_size(cfg_.path);
  ASSERT_GT(size, 8 * 4096U);
  {
    std::fstream f(cfg_.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3 * 4096);
    const std::string garbage(4096, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto q = open();
  ASSERT_TRUE(q.has_value()) << q.error().message;
  EXPECT_EQ((*q)->size(), 0U);
  ASSERT_EQ(corruptFiles(dir_).size(), 1U);
  EXPECT_EQ(fs::file_size(corruptFiles(dir_)[0]), size);
}

TEST_F(SchemaTest, PathThatIsADirectoryIsAClearError) {
  fs::create_directory(cfg_.path);
  auto q = open();
  ASSERT_FALSE(q.has_value());
  EXPECT_NE(q.error().message.find("is a directory"), std::string::npos) << q.error().message;
  EXPECT_NE(q.error().message.find(cfg_.path), std::string::npos);
  EXPECT_TRUE(fs::is_directory(cfg_.path));
}

TEST_F(SchemaTest, MissingDirectoryIsAClearError) {
  cfg_.path = dir_.file("nope/queue.db");
  auto q = open();
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().code, Errc::kNotFound);
  EXPECT_NE(q.error().message.find(dir_.file("nope")), std::string::npos) << q.error().message;
}

TEST_F(SchemaTest, ReadOnlyStateDirectoryIsAClearError) {
  // A read-only file system: root ignores permission bits, not a ro mount.
  const std::string mnt = dir_.file("ro");
  fs::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", MS_RDONLY, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a read-only tmpfs here (needs root): " << std::strerror(errno);
  }
  cfg_.path = mnt + "/queue.db";
  auto q = open();
  ::umount(mnt.c_str());
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().code, Errc::kPermission);
  EXPECT_NE(q.error().message.find(mnt), std::string::npos) << q.error().message;
  EXPECT_NE(q.error().message.find("not writable"), std::string::npos) << q.error().message;
}

TEST_F(SchemaTest, QueueFileOfAnotherUserIsAClearErrorAndKept) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to act as another user (uid 65534) on the test's file";
  { ASSERT_TRUE(open().has_value()); }
  ASSERT_EQ(::chmod(cfg_.path.c_str(), 0600), 0);
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0777), 0);
  const std::string before = test::readFile(cfg_.path);
  // The child runs as nobody; the file belongs to the test's user.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    auto q = SqliteQueue::open(cfg_, clock_);
    if (q.has_value()) ::_exit(1);
    const bool good = q.error().code == Errc::kPermission && q.error().message.find(cfg_.path) != std::string::npos;
    ::_exit(good ? 0 : 2);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(test::readFile(cfg_.path), before);
  EXPECT_TRUE(corruptFiles(dir_).empty());
}

TEST(CorruptName, UsesUtcTimestampAndNeverOverwrites) {
  TempDir dir;
  const std::string path = dir.file("queue.db");
  const WallTime t = fromUnixMs(1'790'000'000'000);
  const std::string first = corruptName(path, t);
  EXPECT_EQ(first, path + ".corrupt-20260921T141320Z");
  dir.write("queue.db.corrupt-20260921T141320Z", "x");
  EXPECT_NE(corruptName(path, t), first);
}

}  // namespace
}  // namespace tgw::queue
