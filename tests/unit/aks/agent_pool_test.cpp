// Agent pools through the AKS API, and the node resource group's scale sets (L8).
#include <gtest/gtest.h>

#include "tests/unit/aks/aks_world.hpp"

namespace kmslab::testing {
namespace {

using core::http::verb;

std::string pools(AksWorld& a) {
  return a.cluster() + "/agentPools";
}

TEST(AgentPools, ListGetPutDelete) {
  AksWorld a;
  a.put_done(a.body());
  auto list = json::parse(a.call(verb::get, pools(a), AksWorld::kOld).body());
  ASSERT_EQ(list["value"].size(), 1u);
  EXPECT_EQ(list["value"][0]["name"], "nodepool1");
  EXPECT_EQ(list["value"][0]["properties"]["count"], 3);
  auto r = a.call(verb::put, pools(a) + "/user1", AksWorld::kOld,
                  {{"properties", {{"count", 0}, {"mode", "User"}}}});
  ASSERT_EQ(r.result_int(), 201) << r.body();
  EXPECT_EQ(json::parse(r.body())["properties"]["provisioningState"], "Updating");
  a.planes.complete();
  EXPECT_EQ(a.poll(r)["status"], "Succeeded");
  auto one = a.call(verb::get, pools(a) + "/user1", AksWorld::kOld);
  EXPECT_EQ(json::parse(one.body())["properties"]["count"], 0);
  auto d = a.call(verb::delete_, pools(a) + "/user1", AksWorld::kOld);
  EXPECT_EQ(d.result_int(), 202);
  a.planes.complete();
  EXPECT_EQ(a.call(verb::get, pools(a) + "/user1", AksWorld::kOld).result_int(), 404);
}

TEST(AgentPools, ASystemPoolKeepsAtLeastOneNode) {
  AksWorld a;
  a.put_done(a.body());
  auto r = a.call(verb::put, pools(a) + "/nodepool1", AksWorld::kOld,
                  {{"properties", {{"count", 0}, {"mode", "System"}}}});
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(AksWorld::code(r), "InvalidParameter");
  auto d = a.call(verb::delete_, pools(a) + "/nodepool1", AksWorld::kOld);
  EXPECT_EQ(d.result_int(), 400);
  auto scaled = a.call(verb::put, pools(a) + "/nodepool1", AksWorld::kOld,
                       {{"properties", {{"count", 1}, {"mode", "System"}}}});
  EXPECT_EQ(scaled.result_int(), 200);
}

std::string scale_set_path(AksWorld& a) {
  auto list = a.call(verb::get,
                     a.sub +
                         "/resourceGroups/MC_rg1_c1_eastus/providers/"
                         "Microsoft.Compute/virtualMachineScaleSets",
                     "2022-11-01");
  auto j = json::parse(list.body());
  EXPECT_EQ(j["value"].size(), 1u) << list.body();
  std::string id = j["value"][0]["id"];
  EXPECT_EQ(j["value"][0]["sku"]["capacity"], 3);
  EXPECT_EQ(j["value"][0]["tags"]["aks-managed-poolName"], "nodepool1");
  return id;
}

TEST(ScaleSets, ScalingAKmsClusterToZeroThroughVmssBreaksItForGood) {  // L8
  AksWorld a;
  a.put_done(a.body(AksWorld::kms(a.key_id)));
  const std::string vmss = scale_set_path(a);
  auto r = a.call(verb::patch, vmss, "2022-11-01", {{"sku", {{"capacity", 0}}}});
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(json::parse(r.body())["sku"]["capacity"], 0);
  EXPECT_FALSE(a.planes.specs.back().running);
  auto c = a.get();
  EXPECT_EQ(c["properties"]["powerState"]["code"], "Stopped");
  auto put = a.put(a.body(AksWorld::kms(a.key_id)));
  EXPECT_EQ(put.result_int(), 400);
  EXPECT_EQ(AksWorld::code(put), "ClusterUnrecoverable");
  EXPECT_EQ(AksWorld::code(
                a.call(verb::post, a.cluster() + "/listClusterUserCredential", AksWorld::kOld)),
            "ClusterUnrecoverable");
  // Scaling back up through VMSS does not bring it back either.
  a.call(verb::patch, vmss, "2022-11-01", {{"sku", {{"capacity", 3}}}});
  EXPECT_EQ(a.put(a.body()).result_int(), 400);
  EXPECT_EQ(a.call(verb::delete_, a.cluster(), AksWorld::kOld).result_int(), 202);
}

TEST(ScaleSets, WithoutKmsAVmssScaleOnlyChangesTheCount) {
  AksWorld a;
  a.put_done(a.body());
  const std::string vmss = scale_set_path(a);
  auto got = json::parse(a.call(verb::get, vmss, "2022-11-01").body());
  got["sku"]["capacity"] = 0;  // az vmss scale: GET, change, PUT
  EXPECT_EQ(a.call(verb::put, vmss, "2022-11-01", got).result_int(), 200);
  EXPECT_EQ(a.get()["properties"]["agentPoolProfiles"][0]["count"], 0);
  EXPECT_EQ(a.put(a.body()).result_int(), 200);
  EXPECT_EQ(AksWorld::code(a.call(verb::patch, vmss, "2022-11-01", {{"sku", {{"capacity", -1}}}})),
            "BadRequest");
}

}  // namespace
}  // namespace kmslab::testing
