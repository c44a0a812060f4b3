#include "queue/payload_seq.hpp"

#include <gtest/gtest.h>

namespace tgw::queue {
namespace {

TEST(SpliceSeq, AddsSeqAsTheLastField) {
  struct Case {
    std::string in;
    std::string out;
    bool ok;
  };
  const Case cases[] = {
      {R"({"a":1})", R"({"a":1,"seq":7})", true},
      {"{}", R"({"seq":7})", true},
      {"{ }", R"({ "seq":7})", true},
      {"{\"a\":{\"b\":2}}\n", "{\"a\":{\"b\":2},\"seq\":7}", true},
      {"[1,2]", "[1,2]", false},
      {"", "", false},
      {"plain", "plain", false},
  };
  for (const auto& c : cases) {
    std::string p = c.in;
    EXPECT_EQ(spliceSeq(p, 7), c.ok) << c.in;
    EXPECT_EQ(p, c.out) << c.in;
  }
}

}  // namespace
}  // namespace tgw::queue
