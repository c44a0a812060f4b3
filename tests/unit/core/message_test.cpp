#include <gtest/gtest.h>

#include "tgw/core/error.hpp"
#include "tgw/model/message.hpp"

namespace tgw {
namespace {

TEST(MessageClass, NamesRoundTrip) {
  for (auto cls : {MessageClass::kTelemetry, MessageClass::kLog, MessageClass::kStatus, MessageClass::kEvent,
                   MessageClass::kInference, MessageClass::kAlert, MessageClass::kAlarm, MessageClass::kResponse}) {
    auto parsed = parseClass(className(cls));
    ASSERT_TRUE(parsed.has_value()) << className(cls);
    EXPECT_EQ(*parsed, cls);
  }
  EXPECT_FALSE(parseClass("telemetryx").has_value());
}

TEST(MessageClass, DropPriorityTelemetryFirstResponsesLast) {
  EXPECT_LT(dropPriority(MessageClass::kTelemetry), dropPriority(MessageClass::kStatus));
  EXPECT_LT(dropPriority(MessageClass::kEvent), dropPriority(MessageClass::kAlert));
  EXPECT_EQ(dropPriority(MessageClass::kAlarm), dropPriority(MessageClass::kResponse));
}

TEST(Error, ErrnoMapping) {
  EXPECT_EQ(errnoError(ENOENT, "open x").code, Errc::kNotFound);
  EXPECT_EQ(errnoError(EACCES, "open x").code, Errc::kPermission);
  EXPECT_EQ(errnoError(ENOSPC, "write").code, Errc::kFull);
  EXPECT_EQ(errnoError(ENOENT, "open /x").message, "open /x: No such file or directory");
}

}  // namespace
}  // namespace tgw
