// Reading command messages, timestamps, HMAC canonical form and signatures.
#include "command/request.hpp"

#include <gtest/gtest.h>

#include "command/hmac.hpp"

namespace tgw::command {
namespace {

TEST(Envelope, ReadsRequestIdOrId) {
  auto a = readEnvelope(R"({"request_id":"req-1","command":"x"})", 65536);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->request_id, "req-1");
  EXPECT_EQ(a->rid_key, "request_id");
  auto b = readEnvelope(R"({"id":12,"action":"vehicle.startCharging"})", 65536);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->request_id, "12");
  EXPECT_EQ(b->rid_key, "id");
  EXPECT_TRUE(b->rid.is_number_integer());
}

TEST(Envelope, EachKindOfBadInputIsNamed) {
  struct Case {
    std::string payload;
    Unreadable why;
  };
  const std::vector<Case> cases = {
      {std::string(70000, ' '), Unreadable::kTooLarge},
      {"{\"request_id\":\"a\xff\"}", Unreadable::kInvalidUtf8},
      {"{\"request_id\":\"\xc0\xaf\"}", Unreadable::kInvalidUtf8},      // overlong '/'
      {"{\"request_id\":\"\xed\xa0\x80\"}", Unreadable::kInvalidUtf8},  // surrogate
      {"{not json", Unreadable::kInvalidJson},
      {"", Unreadable::kInvalidJson},
      {std::string(100, '[') + std::string(100, ']'), Unreadable::kInvalidJson},  // too deep
      {"[1,2]", Unreadable::kNotObject},
      {"\"text\"", Unreadable::kNotObject},
      {R"({"command":"x"})", Unreadable::kMissingRequestId},
      {R"({"request_id":""})", Unreadable::kMissingRequestId},
      {R"({"request_id":1.5})", Unreadable::kMissingRequestId},
      {R"({"request_id":{"a":1}})", Unreadable::kMissingRequestId},
      {"{\"request_id\":\"" + std::string(129, 'x') + "\"}", Unreadable::kMissingRequestId},
      {R"({"request_id":"a\u0001b"})", Unreadable::kMissingRequestId},
  };
  for (const auto& c : cases) {
    auto r = readEnvelope(c.payload, 65536);
    ASSERT_FALSE(r) << c.payload.substr(0, 40);
    EXPECT_EQ(r.error().why, c.why) << c.payload.substr(0, 40) << " -> " << r.error().detail;
  }
}

TEST(Envelope, ValidUtf8Accepted) {
  auto r = readEnvelope("{\"request_id\":\"r\xc3\xa9q \xe2\x82\xac \xf0\x9f\x98\x80\"}", 65536);
  ASSERT_TRUE(r);
}

TEST(Timestamps, IsoAndEpoch) {
  const std::int64_t t = 1738852200000;  // 2025-02-06T14:30:00Z
  EXPECT_EQ(parseTimestampMs("2025-02-06T14:30:00Z"), t);
  EXPECT_EQ(parseTimestampMs("2025-02-06T14:30:00.250Z"), t + 250);
  EXPECT_EQ(parseTimestampMs("2025-02-06T16:30:00+02:00"), t);
  EXPECT_EQ(parseTimestampMs("2025-02-06T13:30:00-0100"), t);
  EXPECT_EQ(parseTimestampMs(1738852200), t);
  EXPECT_EQ(parseTimestampMs(1738852200.5), t + 500);
  EXPECT_EQ(parseTimestampMs(t), t);
  EXPECT_FALSE(parseTimestampMs("yesterday"));
  EXPECT_FALSE(parseTimestampMs("2025-02-30T00:00:00Z"));
  EXPECT_FALSE(parseTimestampMs(true));
  EXPECT_FALSE(parseTimestampMs(-5));
  EXPECT_EQ(isoUtc(t + 7), "2025-02-06T14:30:00.007Z");
}

TEST(Hmac, Rfc4231Case2) {
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hmac, CanonicalFormSortsKeysAndDropsSignature) {
  auto body = nlohmann::json::parse(R"({"z": 1, "a": {"y": true, "b": "é"}, "signature": "00", "n": 2.5})");
  EXPECT_EQ(canonicalForm("bess/control/commands", body),
            "bess/control/commands\n{\"a\":{\"b\":\"é\",\"y\":true},\"n\":2.5,\"z\":1}");
  const std::string sig = hmacSha256Hex("k", canonicalForm("t", body));
  EXPECT_TRUE(signatureMatches("k", "t", body, sig));
  std::string upper = sig;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(signatureMatches("k", "t", body, upper));
  EXPECT_FALSE(signatureMatches("k", "other/topic", body, sig));  // bound to the topic
  EXPECT_FALSE(signatureMatches("wrong", "t", body, sig));
  EXPECT_FALSE(signatureMatches("k", "t", body, sig.substr(1)));
  body["z"] = 2;
  EXPECT_FALSE(signatureMatches("k", "t", body, sig));
}

}  // namespace
}  // namespace tgw::command
