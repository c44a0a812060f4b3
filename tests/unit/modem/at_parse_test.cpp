#include <gtest/gtest.h>

#include <random>

#include "decode/at/at.hpp"
#include "sources/modem/at_channel.hpp"

namespace tgw::decode::at {
namespace {

TEST(AtParse, CsqToDbm) {
  EXPECT_EQ(csqToDbm(0), -113);
  EXPECT_EQ(csqToDbm(1), -111);
  EXPECT_EQ(csqToDbm(2), -109);
  EXPECT_EQ(csqToDbm(30), -53);
  EXPECT_EQ(csqToDbm(31), -51);
  EXPECT_FALSE(csqToDbm(99).has_value());
  auto c = parseCsq("+CSQ: 20,99");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->rssi_dbm, -73);
  EXPECT_FALSE(c->ber.has_value());
  EXPECT_FALSE(parseCsq("+CSQ: 99,99")->rssi_dbm.has_value());
  EXPECT_FALSE(parseCsq("+CSQ: 45,0").has_value());
  EXPECT_FALSE(parseCsq("+CSQ: x,0").has_value());
  EXPECT_FALSE(parseCsq("+CREG: 0,1").has_value());
}

TEST(AtParse, Registration) {
  auto q = parseRegistration("+CEREG: 2,5,\"1A2B\",\"01A2B3C4\",9");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->kind, "CEREG");
  EXPECT_EQ(q->stat, 5);
  EXPECT_TRUE(q->registered());
  EXPECT_EQ(q->lac, "1A2B");
  EXPECT_EQ(q->ci, "01A2B3C4");
  EXPECT_EQ(q->act, 9);
  auto urc = parseRegistration("+CREG: 2", true);
  ASSERT_TRUE(urc.has_value());
  EXPECT_EQ(urc->stat, 2);
  EXPECT_FALSE(urc->registered());
  EXPECT_EQ(registrationText(3), "denied");
  EXPECT_FALSE(parseRegistration("+CEREG: 0").has_value());  // query form needs n and stat
  EXPECT_FALSE(parseRegistration("+CEREG: 0,77").has_value());
}

TEST(AtParse, OperatorIccidCpsiGnss) {
  auto o = parseCops("+COPS: 0,0,\"CHINA MOBILE CMCC\",9");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->name, "CHINA MOBILE CMCC");
  EXPECT_EQ(o->act, 9);
  EXPECT_EQ(parseCops("+COPS: 0")->name, "");
  EXPECT_EQ(parseIccid("89860318760227512345"), "89860318760227512345");
  EXPECT_EQ(parseIccid("+CCID: 8944500102198304826F"), "8944500102198304826");
  EXPECT_FALSE(parseIccid("OK").has_value());
  EXPECT_FALSE(parseIccid("8986031876022751234X").has_value());
  auto c = parseCpsi("+CPSI: LTE CAT-M1,Online,460-00,0x1816,31489,11,EUTRAN-BAND3,1300,5,5,-12,-89,-60,15");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->system, "LTE CAT-M1");
  EXPECT_EQ(c->mcc_mnc, "460-00");
  EXPECT_EQ(c->rsrq_db, -12);
  EXPECT_EQ(c->rsrp_dbm, -89);
  EXPECT_EQ(c->rssi_dbm, -60);
  EXPECT_EQ(c->snr_db, 15);
  EXPECT_EQ(parseCpsi("+CPSI: NO SERVICE,Online")->system, "NO SERVICE");
  EXPECT_EQ(parseCgnspwr("+CGNSPWR: 1"), true);
  EXPECT_FALSE(parseCgnspwr("+CGNSPWR: 7").has_value());
  auto g = parseCgnsinf(
      "+CGNSINF: 1,1,20200316052322.000,31.221783,121.354528,31.700,0.00,0.0,1,,0.8,1.1,0.8,,11,,9.1,13.1");
  ASSERT_TRUE(g.has_value());
  EXPECT_TRUE(g->fix);
  EXPECT_EQ(*g->utc_ms, 1584336202000LL);  // 2020-03-16T05:23:22Z
  EXPECT_DOUBLE_EQ(*g->lat, 31.221783);
  EXPECT_DOUBLE_EQ(*g->alt_m, 31.7);
  EXPECT_EQ(g->satellites_in_view, 11);
  auto nofix = parseCgnsinf("+CGNSINF: 1,0,,,,,,,,,,,,,,,,,,,");
  ASSERT_TRUE(nofix.has_value());
  EXPECT_FALSE(nofix->fix);
  EXPECT_FALSE(nofix->lat.has_value());
  EXPECT_FALSE(parseCgnsinf("+CGNSINF: 1,1,20200316052322.000,99.5,0,0").has_value());  // latitude out of range
}

TEST(AtParse, FinalResults) {
  std::string code;
  EXPECT_EQ(classifyFinal("OK"), Final::kOk);
  EXPECT_EQ(classifyFinal("ERROR"), Final::kError);
  EXPECT_EQ(classifyFinal("+CME ERROR: 10", &code), Final::kCmeError);
  EXPECT_EQ(code, "10");
  EXPECT_EQ(classifyFinal("+CMS ERROR: 500", &code), Final::kCmsError);
  EXPECT_EQ(classifyFinal("+CSQ: 1,2"), Final::kNone);
  EXPECT_EQ(tgw::sources::modem::replyPrefix("AT+CEREG?"), "+CEREG");
  EXPECT_EQ(tgw::sources::modem::replyPrefix("AT+CGNSPWR=1"), "+CGNSPWR");
  EXPECT_EQ(tgw::sources::modem::replyPrefix("AT+CSQ"), "+CSQ");
  EXPECT_EQ(tgw::sources::modem::replyPrefix("ATI"), "");
}

TEST(AtParse, RandomLinesNeverCrash) {
  std::mt19937 rng(11);
  const char* prefixes[] = {"+CSQ: ", "+CEREG: ", "+CREG: ", "+COPS: ", "+CPSI: ", "+CGNSINF: ", "+CGNSPWR: ", ""};
  for (int i = 0; i < 20000; ++i) {
    std::string s = prefixes[i % 8];
    const int n = static_cast<int>(rng() % 120);
    for (int k = 0; k < n; ++k) s.push_back(static_cast<char>(i % 2 ? "0123456789,.-\"AB "[rng() % 17] : rng() % 256));
    (void)parseCsq(s);
    (void)parseRegistration(s, i % 3 == 0);
    (void)parseCops(s);
    (void)parseCpsi(s);
    (void)parseIccid(s);
    (void)parseCgnspwr(s);
    auto g = parseCgnsinf(s);
    if (g && g->lat) {
      EXPECT_LE(std::abs(*g->lat), 90.0);
    }
  }
}

}  // namespace
}  // namespace tgw::decode::at
