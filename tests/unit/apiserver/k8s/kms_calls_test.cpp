// GET /_kmslab/kms-calls' ring: bounded, ordered by seq, `since` filters, bad `since` refused.
#include "emulator/apiserver/health/kms_calls.hpp"

#include <gtest/gtest.h>

namespace kmslab::apiserver::health {
namespace {

core::TimePoint at(int64_t s) {
  return core::TimePoint(std::chrono::seconds(s));
}

TEST(KmsCallRing, KeepsTheNewestCallsWithTheirSeqTimeAndError) {
  int64_t now = 1'700'000'000;
  KmsCallRing ring([&] { return at(now); }, 3);
  for (int i = 0; i < 5; ++i) {
    ++now;
    ring.record({"azurekmsprovider", "/v2.KeyManagementService/Status", 0.25,
                 i == 4 ? "Internal" : "OK", i == 4 ? "failed to encrypt, error: boom" : ""});
  }
  const auto all = ring.since(0)["calls"];
  ASSERT_EQ(all.size(), 3u);  // the two oldest fell off
  EXPECT_EQ(all[0]["seq"], 3);
  EXPECT_EQ(all[2]["seq"], 5);
  EXPECT_EQ(all[2]["code"], "Internal");
  EXPECT_EQ(all[2]["error"], "failed to encrypt, error: boom");
  EXPECT_EQ(all[2]["time"], core::format_rfc3339(at(1'700'000'005)));
  EXPECT_EQ(all[2]["provider"], "azurekmsprovider");
  EXPECT_EQ(all[2]["seconds"], 0.25);
  EXPECT_EQ(ring.since(4)["calls"].size(), 1u);
  EXPECT_TRUE(ring.since(5)["calls"].empty());
  EXPECT_EQ(ring.last_seq(), 5u);
}

TEST(KmsCallRing, SinceParsing) {
  EXPECT_EQ(parse_since(std::nullopt), 0u);
  EXPECT_EQ(parse_since(std::string("42")), 42u);
  for (const char* bad : {"", "-1", "1x", " 1", "0x10", "99999999999999999999999"})
    EXPECT_FALSE(parse_since(std::string(bad))) << bad;
}

}  // namespace
}  // namespace kmslab::apiserver::health
