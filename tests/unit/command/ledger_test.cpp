// The exactly-once ledger on a real SQLite file.
#include "command/ledger.hpp"

#include <gtest/gtest.h>

#include "support/support.hpp"

namespace tgw::command {
namespace {

LedgerEntry entry(std::string id, std::string state = "received") {
  LedgerEntry e;
  e.scope = "bess/control/commands";
  e.request_id = std::move(id);
  e.state = std::move(state);
  e.action = "set_limit";
  e.response_topic = "bess/control/response";
  e.format = "staged";
  e.rid_json = "\"" + e.request_id + "\"";
  e.rid_key = "request_id";
  e.received_ms = 1000;
  return e;
}

TEST(Ledger, InsertFindCompleteAndReopen) {
  tgw::test::TempDir dir;
  const std::string path = dir.file("state/commands.db");
  {
    auto l = CommandLedger::open(path, true);
    ASSERT_TRUE(l) << l.error().message;
    ASSERT_TRUE((*l)->insert(entry("a")));
    auto dup = (*l)->insert(entry("a"));
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, Errc::kBusy);
    ASSERT_TRUE((*l)->insert(entry("b")));
    ASSERT_TRUE((*l)->setState("bess/control/commands", "b", "in_progress", 1500));
    ASSERT_TRUE((*l)->insert(entry("c")));
    ASSERT_TRUE((*l)->complete("bess/control/commands", "c", R"({"ok":true})", 2000));
    auto none = (*l)->find("other/topic", "a");
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
  }
  auto l = CommandLedger::open(path, false);
  ASSERT_TRUE(l);
  auto c = (*l)->find("bess/control/commands", "c");
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->state, "done");
  EXPECT_EQ((*c)->response, R"({"ok":true})");
  EXPECT_EQ((*c)->updated_ms, 2000);
  auto open = (*l)->unfinished();
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].request_id, "a");
  EXPECT_EQ((*open)[1].state, "in_progress");
  auto pruned = (*l)->prune(1999);
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 0u);
  pruned = (*l)->prune(2001);
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 1u);  // only finished entries go
  EXPECT_EQ(*(*l)->count(), 2);
}

TEST(Ledger, NotALedgerFileIsAClearError) {
  tgw::test::TempDir dir;
  const std::string path = dir.write("commands.db", std::string(4096, 'x'));
  auto l = CommandLedger::open(path, true);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("commands.db"), std::string::npos) << l.error().message;
}

}  // namespace
}  // namespace tgw::command
