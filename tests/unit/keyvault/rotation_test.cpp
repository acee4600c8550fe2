// Rotation policies and automatic rotation (issue #9 defect 1; reference/keyvault.md §2.4;
// recorded-keyvault.md §3 and §6).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "emulator/keyvault/key_repository.hpp"
#include "emulator/store/local_store.hpp"
#include "tests/support/keyvault_harness.hpp"

namespace kmslab::keyvault {
namespace {

using core::http::verb;
using nlohmann::json;

json policy(const std::string& expiry, const std::string& trigger, const std::string& when,
            const std::string& type = "Rotate") {
  return {{"lifetimeActions", {{{"trigger", {{trigger, when}}}, {"action", {{"type", type}}}}}},
          {"attributes", {{"expiryTime", expiry}}}};
}

class RotationTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> store_ = store::open_store("memory");
  testing::KeyVaultHarness kv_{*store_};

  void SetUp() override {
    ASSERT_EQ(kv_.send(verb::post, "/keys/k1/create", {{"kty", "EC"}}).status, 200u);
  }
  size_t versions() { return kv_.send(verb::get, "/keys/k1/versions").body["value"].size(); }
};

// The policy of defect 1: a Rotate 30 days before an expiry 28 days after creation would make
// every new version due before it exists. Refused with BadParameter, nothing stored.
TEST_F(RotationTest, RotateBeforeExpiryLongerThanTheExpiryIsRefused) {
  const auto before = kv_.send(verb::get, "/keys/k1/rotationpolicy");
  const auto r =
      kv_.send(verb::put, "/keys/k1/rotationpolicy", policy("P28D", "timeBeforeExpiry", "P30D"));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body["error"]["code"], "BadParameter") << r.body;
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("7 days"), std::string::npos);
  EXPECT_EQ(kv_.send(verb::get, "/keys/k1/rotationpolicy").body, before.body);
  EXPECT_EQ(kv_.send(verb::post, "/keys/k1/rotate").status, 200u);
  EXPECT_EQ(versions(), 2u);
}

// keyvault.md §2.4: the rotation time leaves at least 7 days after creation and 7 before expiry.
TEST_F(RotationTest, RotationTimeBoundariesAreSevenDaysFromCreationAndExpiry) {
  struct Case {
    const char* trigger;
    const char* when;
    unsigned status;
  };
  for (const Case& c :
       {Case{"timeBeforeExpiry", "P21D", 200u}, Case{"timeBeforeExpiry", "P22D", 400u},
        Case{"timeAfterCreate", "P21D", 200u}, Case{"timeAfterCreate", "P22D", 400u},
        Case{"timeAfterCreate", "P6D", 400u}, Case{"timeBeforeExpiry", "P6D", 400u}}) {
    SCOPED_TRACE(std::string(c.trigger) + " " + c.when);
    EXPECT_EQ(
        kv_.send(verb::put, "/keys/k1/rotationpolicy", policy("P28D", c.trigger, c.when)).status,
        c.status);
  }
  EXPECT_EQ(kv_.send(verb::put, "/keys/k1/rotationpolicy", policy("P27D", "timeAfterCreate", "P7D"))
                .status,
            400u);
  // SPEC75: timeAfterCreate "only applies to rotate".
  EXPECT_EQ(kv_.send(verb::put, "/keys/k1/rotationpolicy",
                     policy("P90D", "timeAfterCreate", "P30D", "Notify"))
                .status,
            400u);
}

// A policy stored before validation existed (or written by anything else) that makes a new
// version due at once rotates once, and the scheduler drops the timer it would re-arm instead of
// looping: the defect measured 29,000 store revisions in 20 s.
TEST(RotationSpinTest, APolicyDueAtOnceRotatesOnceAndIsNotReArmed) {
  auto store = store::open_store("memory");
  // Without the audit log, whose records would count among the revisions.
  testing::KeyVaultHarness kv(*store, [](KeyVaultOptions& o) { o.audit_retention = 0; });
  ASSERT_EQ(kv.send(verb::post, "/keys/k1/create", {{"kty", "EC"}}).status, 200u);
  KeyRepository keys(*store);
  auto meta = keys.meta("myvault", "k1");
  ASSERT_TRUE(meta);
  meta->rotation_policy =
      json{{"lifetimeActions",
            {{{"trigger", {{"timeBeforeExpiry", "P30D"}}}, {"action", {{"type", "Rotate"}}}}}},
           {"attributes", {{"expiryTime", "P28D"}, {"created", 0}, {"updated", 0}}}};
  keys.save("myvault", *meta);
  const int64_t revision = store->revision();
  ASSERT_EQ(kv.send(verb::post, "/keys/k1/rotate").status, 200u);  // arms a timer already due
  kv.clock().advance(std::chrono::hours(24));
  EXPECT_EQ(kv.send(verb::get, "/keys/k1/versions").body["value"].size(), 3u);
  EXPECT_LE(store->revision() - revision, 2);
  EXPECT_NE(kv.log().find("dropped"), std::string::npos) << kv.log();
}

// recorded-keyvault.md §6 (N:KC/GetKeyRotationPolicyReturnsDefault.json): never set -> the
// default Notify action, attributes null, no id, 106 bytes.
TEST_F(RotationTest, NeverSetPolicyIsTheRecordedDefault) {
  const auto r = kv_.send(verb::get, "/keys/k1/rotationpolicy");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(
      r.raw,
      R"({"lifetimeActions":[{"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Notify"}}],"attributes":null})");
  EXPECT_EQ(r.raw.size(), 106u);
}

// recorded-keyvault.md §6 and §3 (C:K.RotateKey.json, C:K.GetKeyRotationPolicy.json): the
// policy as PUT with lower-case types comes back capitalised with id and times; the rotated
// version's exp is created + P48M = 126230400 s, and the first version is left without exp.
TEST_F(RotationTest, RecordedPolicyRoundTripAndRotatedExpiry) {
  kv_.clock().set(core::TimePoint(std::chrono::seconds(1668715258)));
  const json body = {
      {"attributes", {{"expiryTime", "P48M"}}},
      {"lifetimeActions",
       {{{"action", {{"type", "rotate"}}}, {"trigger", {{"timeAfterCreate", "P18M"}}}},
        {{"action", {{"type", "notify"}}}, {"trigger", {{"timeBeforeExpiry", "P30D"}}}}}}};
  const auto put = kv_.send(verb::put, "/keys/k1/rotationpolicy", body, "?api-version=7.3");
  ASSERT_EQ(put.status, 200u) << put.raw;
  EXPECT_EQ(
      put.raw,
      R"({"id":"https://myvault.vault.azure.net/keys/k1/rotationpolicy","lifetimeActions":[{"trigger":{"timeAfterCreate":"P18M"},"action":{"type":"Rotate"}},{"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Notify"}}],"attributes":{"expiryTime":"P48M","created":1668715258,"updated":1668715258}})");
  EXPECT_EQ(kv_.send(verb::get, "/keys/k1/rotationpolicy", nullptr, "?api-version=7.3").raw,
            put.raw);
  EXPECT_FALSE(kv_.send(verb::get, "/keys/k1").body["attributes"].contains("exp"));
  const auto rotated = kv_.send(verb::post, "/keys/k1/rotate");
  ASSERT_EQ(rotated.status, 200u);
  EXPECT_EQ(rotated.body["attributes"]["exp"], 1668715258 + 126230400);
  EXPECT_EQ(rotated.body["attributes"]["created"], 1668715258);
}

// Automatic rotation at timeAfterCreate, once per period: 400 days under P90D rotate 4 times.
TEST_F(RotationTest, AutomaticRotationFiresOncePerPeriod) {
  ASSERT_EQ(kv_.send(verb::put, "/keys/k1/rotationpolicy", policy("P1Y", "timeAfterCreate", "P90D"))
                .status,
            200u);
  kv_.clock().advance(std::chrono::hours(24 * 400));
  EXPECT_EQ(versions(), 5u);
}

}  // namespace
}  // namespace kmslab::keyvault
