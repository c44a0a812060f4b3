// Disk full on a small real tmpfs: clear errors and counted drops, the file
// stays intact, and the queue works again once there is space.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "queue/sqlite/sqlite_queue.hpp"
#include "support/support.hpp"

namespace tgw::queue {
namespace {

namespace fs = std::filesystem;

std::string quickCheck(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return "cannot open";
  sqlite3_stmt* st = nullptr;
  std::string out = "no result";
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

class TmpfsMount {
 public:
  TmpfsMount(const std::string& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir_);
    ok_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    if (!ok_) error_ = std::strerror(errno);
  }
  ~TmpfsMount() {
    if (ok_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool resize(const std::string& size) {
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::string dir_;
  bool ok_ = false;
  std::string error_;
};

TEST(QueueDiskFull, DropsAreCountedTheFileStaysIntactAndTheQueueRecovers) {
  test::TempDir dir;
  const std::string mnt = dir.file("small");
  TmpfsMount fsys(mnt, "160k");
  if (!fsys.ok()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << fsys.error();
  config::QueueConfig cfg;
  cfg.path = mnt + "/queue.db";
  const auto& clock = SystemClock::instance();
  auto q = SqliteQueue::open(cfg, clock);
  ASSERT_TRUE(q.has_value()) << q.error().message;

  const std::string pad(1000, 'x');
  std::uint64_t accepted = 0;
  std::optional<Error> first_error;
  for (int batch = 0; batch < 100 && !first_error; ++batch) {
    for (int i = 0; i < 10; ++i) {
      auto seq = (*q)->push(Message{MessageClass::kEvent, "ev", R"({"pad":")" + pad + "\"}", 1});
      if (!seq) {
        first_error = seq.error();
        break;
      }
    }
    if (auto c = (*q)->commit(); !c && !first_error) first_error = c.error();
    if (!first_error) accepted = (*q)->size();
  }
  ASSERT_TRUE(first_error.has_value()) << "160 KiB never filled up";
  EXPECT_EQ(first_error->code, Errc::kFull);
  EXPECT_NE(first_error->message.find(cfg.path), std::string::npos) << first_error->message;
  EXPECT_NE(first_error->message.find("full"), std::string::npos) << first_error->message;
  const auto s = (*q)->stats();
  EXPECT_GT(s.drops[static_cast<std::size_t>(DropReason::kDiskFull)], 0U);
  EXPECT_EQ(s.messages, accepted);  // what was committed before is all there
  EXPECT_GT(accepted, 0U);

  // More pushes while full: errors, never a crash; the committed data stays.
  for (int i = 0; i < 20; ++i) {
    (void)(*q)->push(Message{MessageClass::kEvent, "ev", R"({"pad":")" + pad + "\"}", 1});
  }
  (void)(*q)->commit();
  EXPECT_EQ((*q)->size(), accepted);
  const std::uint64_t drops_while_full = (*q)->stats().drops[static_cast<std::size_t>(DropReason::kDiskFull)];
  q->reset();
  EXPECT_EQ(quickCheck(cfg.path), "ok");

  // Space comes back: the same file opens with everything, accepts and
  // commits again, and the disk-full drops were not forgotten.
  ASSERT_TRUE(fsys.resize("8m"));
  auto again = SqliteQueue::open(cfg, clock);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ((*again)->size(), accepted);
  ASSERT_TRUE((*again)->push(Message{MessageClass::kEvent, "ev", R"({"after":1})", 1}));
  ASSERT_TRUE((*again)->commit());
  EXPECT_EQ((*again)->size(), accepted + 1);
  EXPECT_EQ((*again)->stats().drops[static_cast<std::size_t>(DropReason::kDiskFull)], drops_while_full);
  again->reset();
  EXPECT_EQ(quickCheck(cfg.path), "ok");
}

TEST(QueueDiskFull, RecoversInPlaceWithoutReopening) {
  test::TempDir dir;
  const std::string mnt = dir.file("small");
  TmpfsMount fsys(mnt, "160k");
  if (!fsys.ok()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << fsys.error();
  config::QueueConfig cfg;
  cfg.path = mnt + "/queue.db";
  auto q = SqliteQueue::open(cfg, SystemClock::instance());
  ASSERT_TRUE(q.has_value()) << q.error().message;
  const std::string pad(1000, 'y');
  bool full = false;
  for (int i = 0; i < 1000 && !full; ++i) {
    full = !(*q)->push(Message{MessageClass::kEvent, "ev", R"({"pad":")" + pad + "\"}", 1}) ||
           (i % 10 == 9 && !(*q)->commit());
  }
  ASSERT_TRUE(full);
  const std::uint64_t before = (*q)->size();
  ASSERT_TRUE(fsys.resize("8m"));
  ASSERT_TRUE((*q)->push(Message{MessageClass::kEvent, "ev", "{}", 1}));
  ASSERT_TRUE((*q)->commit());
  EXPECT_EQ((*q)->size(), before + 1);
  auto got = (*q)->fetch(100000);
  EXPECT_EQ(got.size(), before + 1);
}

}  // namespace
}  // namespace tgw::queue
