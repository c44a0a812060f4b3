#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "decode/modbus/maps.hpp"
#include "decode/modbus/plan.hpp"
#include "decode/modbus/registers.hpp"
#include "decode/modbus/sunspec.hpp"

namespace tgw::decode::modbus {
namespace {

// libmodbus unit-test-server.c serves 123456.0 in these four layouts.
TEST(ModbusRegisters, Float123456InAllFourOrders) {
  const std::uint16_t abcd[] = {0x47F1, 0x2000};
  const std::uint16_t cdab[] = {0x2000, 0x47F1};
  const std::uint16_t badc[] = {0xF147, 0x0020};
  const std::uint16_t dcba[] = {0x0020, 0xF147};
  EXPECT_EQ(*decodeNumber(abcd, Type::kF32, Order::kABCD), 123456.0);
  EXPECT_EQ(*decodeNumber(cdab, Type::kF32, Order::kCDAB), 123456.0);
  EXPECT_EQ(*decodeNumber(badc, Type::kF32, Order::kBADC), 123456.0);
  EXPECT_EQ(*decodeNumber(dcba, Type::kF32, Order::kDCBA), 123456.0);
  // And the wrong order gives something else.
  EXPECT_NE(*decodeNumber(cdab, Type::kF32, Order::kABCD), 123456.0);
}

TEST(ModbusRegisters, IntegerTypes) {
  const std::uint16_t one[] = {0xFFFE};
  EXPECT_EQ(*decodeNumber(one, Type::kU16, Order::kABCD), 65534.0);
  EXPECT_EQ(*decodeNumber(one, Type::kS16, Order::kABCD), -2.0);
  EXPECT_EQ(*decodeNumber(one, Type::kS16, Order::kBADC), static_cast<std::int16_t>(0xFEFF));
  const std::uint16_t two[] = {0x0001, 0x0002};
  EXPECT_EQ(*decodeNumber(two, Type::kU32, Order::kABCD), 65538.0);
  EXPECT_EQ(*decodeNumber(two, Type::kU32, Order::kCDAB), 131073.0);
  const std::uint16_t neg[] = {0xFFFF, 0xFFFF};
  EXPECT_EQ(*decodeNumber(neg, Type::kS32, Order::kABCD), -1.0);
  const std::uint16_t four[] = {0x0000, 0x0000, 0x0001, 0x0000};
  EXPECT_EQ(*decodeNumber(four, Type::kU64, Order::kABCD), 65536.0);
  EXPECT_EQ(*decodeNumber(four, Type::kU64, Order::kCDAB), 4294967296.0);  // words reversed
  const std::uint16_t pi[] = {0x4009, 0x21FB, 0x5444, 0x2D18};  // 3.141592653589793 big-endian
  EXPECT_DOUBLE_EQ(*decodeNumber(pi, Type::kF64, Order::kABCD), 3.141592653589793);
  const std::uint16_t pi_dcba[] = {0x182D, 0x4454, 0xFB21, 0x0940};
  EXPECT_DOUBLE_EQ(*decodeNumber(pi_dcba, Type::kF64, Order::kDCBA), 3.141592653589793);
}

TEST(ModbusRegisters, EncodeIsTheInverseForEveryTypeAndOrder) {
  for (Type t : {Type::kU16, Type::kS16, Type::kU32, Type::kS32, Type::kU64, Type::kS64, Type::kF32, Type::kF64}) {
    for (Order o : {Order::kABCD, Order::kCDAB, Order::kBADC, Order::kDCBA}) {
      const double v = (t == Type::kU16 || t == Type::kU32 || t == Type::kU64) ? 12345 : -1234.5;
      const double want = (t == Type::kF32 || t == Type::kF64) ? v : std::trunc(v);
      auto regs = encodeNumber(v, t, o);
      EXPECT_EQ(*decodeNumber(regs, t, o), want) << typeName(t) << " " << orderName(o);
    }
  }
}

TEST(ModbusRegisters, BadInputIsAnError) {
  const std::uint16_t one[] = {1};
  EXPECT_FALSE(decodeNumber(one, Type::kF32, Order::kABCD).has_value());  // wrong count
  const std::uint16_t nan[] = {0x7FC0, 0x0000};
  EXPECT_FALSE(decodeNumber(nan, Type::kF32, Order::kABCD).has_value());
  EXPECT_FALSE(parseType("u17").has_value());
  EXPECT_FALSE(parseOrder("ABDC").has_value());
  EXPECT_EQ(parseOrder("cdab"), Order::kCDAB);
}

TEST(ModbusPlan, ContiguousRegistersAreReadInOneRequest) {
  auto map = builtinMap("pzem004t");
  ASSERT_TRUE(map.has_value());
  auto blocks = planReads(map->fields, map->max_gap);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0], (ReadBlock{Table::kInput, 0, 10}));  // one read of 10 input registers
  std::vector<Field> f(3);
  f[0].address = 0;
  f[0].type = Type::kU32;
  f[1].address = 2;
  f[1].type = Type::kU16;
  f[2].address = 10;
  f[2].type = Type::kU16;
  EXPECT_EQ(planReads(f, 0).size(), 2u);
  EXPECT_EQ(planReads(f, 7).size(), 1u);
  f[2].table = Table::kInput;
  EXPECT_EQ(planReads(f, 100).size(), 2u);  // tables never merge
  // Never more than 125 registers per request.
  std::vector<Field> many(200);
  for (std::size_t i = 0; i < many.size(); ++i) many[i].address = static_cast<std::uint16_t>(i);
  auto big = planReads(many, 0);
  ASSERT_EQ(big.size(), 2u);
  EXPECT_EQ(big[0].count, 125);
  EXPECT_EQ(big[1].count, 75);
}

TEST(ModbusMaps, PzemDecodesReadmeExample) {
  auto map = builtinMap("pzem004t");
  RegisterImage img;
  // 230.1 V, 1.234 A (low word first), 284.0 W, 5000 Wh, 50.0 Hz, PF 0.98
  const std::uint16_t regs[] = {2301, 1234, 0, 2840, 0, 5000, 0, 500, 98, 0};
  img.put(Table::kInput, 0, regs);
  std::map<std::string, double> got;
  for (const auto& f : map->fields) got[f.name] = std::get<double>(*decodeField(f, img));
  EXPECT_NEAR(got["voltage"], 230.1, 1e-9);
  EXPECT_NEAR(got["current"], 1.234, 1e-9);
  EXPECT_NEAR(got["power"], 284.0, 1e-9);
  EXPECT_NEAR(got["energy"], 5.0, 1e-9);  // kWh
  EXPECT_NEAR(got["frequency"], 50.0, 1e-9);
  EXPECT_NEAR(got["power_factor"], 0.98, 1e-9);
}

TEST(ModbusMaps, EastronAddresses) {
  auto sdm = builtinMap("sdm120");
  ASSERT_TRUE(sdm.has_value());
  std::map<std::string, std::uint16_t> at;
  for (const auto& f : sdm->fields) at[f.name] = f.address;
  EXPECT_EQ(at["voltage"], 0x0000);
  EXPECT_EQ(at["current"], 0x0006);
  EXPECT_EQ(at["power"], 0x000C);
  EXPECT_EQ(at["frequency"], 0x0046);
  EXPECT_EQ(at["energy_import"], 0x0048);
  EXPECT_EQ(at["energy"], 0x0156);
  EXPECT_FALSE(builtinMap("nope").has_value());
}

TEST(ModbusDecode, MissingRegistersAndRandomImages) {
  Field f;
  f.name = "x";
  f.type = Type::kF32;
  f.address = 10;
  RegisterImage img;
  const std::uint16_t only[] = {1};
  img.put(Table::kHolding, 10, only);
  EXPECT_FALSE(decodeField(f, img).has_value());  // second register not read
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint16_t> r(4);
    for (auto& w : r) w = static_cast<std::uint16_t>(rng());
    for (Type t : {Type::kF32, Type::kF64, Type::kS64}) {
      auto v = decodeNumber(std::span(r).first(static_cast<std::size_t>(registerCount(t))), t, Order::kDCBA);
      if (v) {
        EXPECT_TRUE(std::isfinite(*v));
      }
    }
  }
}

// A SunSpec device as a register image: marker, models 1, 103, 124, 802, end.
struct FakeSunSpec {
  std::map<std::uint16_t, std::uint16_t> regs;
  int reads = 0;
  void set(std::uint16_t a, std::uint16_t v) { regs[a] = v; }
  void str(std::uint16_t a, const std::string& s, int n) {
    for (int i = 0; i < n; ++i) {
      const char hi = 2 * i < static_cast<int>(s.size()) ? s[2 * i] : 0;
      const char lo = 2 * i + 1 < static_cast<int>(s.size()) ? s[2 * i + 1] : 0;
      set(static_cast<std::uint16_t>(a + i), static_cast<std::uint16_t>((hi << 8) | static_cast<std::uint8_t>(lo)));
    }
  }
  Expected<std::vector<std::uint16_t>> read(std::uint16_t a, std::uint16_t n) {
    ++reads;
    std::vector<std::uint16_t> out;
    for (std::uint16_t i = 0; i < n; ++i) {
      auto it = regs.find(static_cast<std::uint16_t>(a + i));
      if (it == regs.end()) return makeError(Errc::kIo, "illegal data address");
      out.push_back(it->second);
    }
    return out;
  }
};

TEST(SunSpec, DiscoversKnownModelsFromMarker) {
  FakeSunSpec d;
  std::uint16_t a = 40000;
  d.set(a, sunspec::kMarkerHi);
  d.set(a + 1, sunspec::kMarkerLo);
  a += 2;
  const std::uint16_t m1 = a;  // common model, length 66
  d.set(a, 1);
  d.set(a + 1, 66);
  for (int i = 0; i < 66; ++i) d.set(static_cast<std::uint16_t>(a + 2 + i), 0);
  d.str(a + 2, "ACME Solar", 16);
  d.str(a + 2 + 48, "SN-42", 16);
  a += 2 + 66;
  const std::uint16_t m103 = a;
  d.set(a, 103);
  d.set(a + 1, 50);
  for (int i = 0; i < 50; ++i) d.set(static_cast<std::uint16_t>(a + 2 + i), 0x8000);
  d.set(a + 2 + 12, 1234);    // W
  d.set(a + 2 + 13, 0xFFFF);  // W_SF = -1 -> 123.4 W
  d.set(a + 2 + 14, 5001);    // Hz
  d.set(a + 2 + 15, 0xFFFE);  // Hz_SF = -2 -> 50.01
  a += 2 + 50;
  d.set(a, 64001);  // an unknown vendor model is skipped
  d.set(a + 1, 3);
  for (int i = 0; i < 3; ++i) d.set(static_cast<std::uint16_t>(a + 2 + i), 7);
  a += 2 + 3;
  const std::uint16_t m802 = a;
  d.set(a, 802);
  d.set(a + 1, 62);
  for (int i = 0; i < 62; ++i) d.set(static_cast<std::uint16_t>(a + 2 + i), 0);
  d.set(a + 2 + 9, 875);    // SoC
  d.set(a + 2 + 54, 0xFFFF);  // SoC_SF -1 -> 87.5 %
  d.set(a + 2 + 32, 512);   // V
  d.set(a + 2 + 57, 0xFFFF);  // V_SF -> 51.2 V
  a += 2 + 62;
  d.set(a, 0xFFFF);
  d.set(a + 1, 0);
  auto found = sunspec::discover([&](std::uint16_t addr, std::uint16_t n) { return d.read(addr, n); });
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->base, 40000);
  ASSERT_EQ(found->models.size(), 4u);
  EXPECT_EQ(found->models[0].start, m1);
  EXPECT_EQ(found->models[1].start, m103);
  EXPECT_EQ(found->models[3].start, m802);
  RegisterImage img;
  for (const auto& [addr, v] : d.regs) img.put(Table::kHolding, addr, std::span(&v, 1));
  std::map<std::string, SignalValue> got;
  for (const auto& f : found->fields) {
    auto v = decodeField(f, img);
    if (v) got[f.name] = *v;
  }
  EXPECT_EQ(std::get<std::string>(got["manufacturer"]), "ACME Solar");
  EXPECT_EQ(std::get<std::string>(got["serial"]), "SN-42");
  EXPECT_NEAR(std::get<double>(got["power"]), 123.4, 1e-9);
  EXPECT_NEAR(std::get<double>(got["frequency"]), 50.01, 1e-9);
  EXPECT_NEAR(std::get<double>(got["battery_soc"]), 87.5, 1e-9);
  EXPECT_NEAR(std::get<double>(got["battery_voltage"]), 51.2, 1e-9);
  EXPECT_EQ(got.count("ac_current"), 0u);  // 0x8000 = not implemented: no reading
}

TEST(SunSpec, HeaderNameListMatchesModels) {
  std::vector<std::string> header(std::begin(sunspec::kFieldNames), std::end(sunspec::kFieldNames));
  EXPECT_EQ(header, sunspec::allFieldNames());
}

TEST(SunSpec, NoMarkerIsAnError) {
  FakeSunSpec d;
  auto found = sunspec::discover([&](std::uint16_t a, std::uint16_t n) { return d.read(a, n); });
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, Errc::kNotFound);
  EXPECT_EQ(d.reads, 3);  // 40000, 0, 50000
}

}  // namespace
}  // namespace tgw::decode::modbus
