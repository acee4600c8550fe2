// az aks stop / start (POST .../stop|start: 202, op-status, Location 202 then 204, powerState,
// the processes stopped and started), their refusals (a second stop or start, Azure/AKS#1871; a
// private vault without API Server VNet Integration, I10), the minor-version skip refusal
// (aks.md §3.4) and Retry-After on a running op-status (az's poller waits 30 s without it).
#include <gtest/gtest.h>

#include "tests/unit/aks/aks_world.hpp"

namespace kmslab::testing {
namespace {

using core::http::verb;

std::string path_of(const std::string& url) {
  return url.substr(url.find("/subscriptions/"));
}

TEST(ClusterPower, StopThenStartRunAsOperationsThatEndWithTheProcesses) {
  AksWorld a;
  a.put_done(a.body(AksWorld::kms(a.key_id)));
  auto r = a.call(verb::post, a.cluster() + "/stop", AksWorld::kOld);
  ASSERT_EQ(r.result_int(), 202) << r.body();
  EXPECT_EQ(r["Retry-After"], "1");
  const std::string location = path_of(std::string(r["Location"]));
  EXPECT_NE(location.find("/locations/eastus/operationresults/"), std::string::npos);
  ASSERT_FALSE(a.planes.specs.back().running);
  EXPECT_EQ(a.get()["properties"]["provisioningState"], "Stopping");
  EXPECT_EQ(a.get()["properties"]["powerState"]["code"], "Stopped");
  auto running = a.w.send(verb::get, path_of(std::string(r["Azure-AsyncOperation"])));
  EXPECT_EQ(json::parse(running.body())["status"], "InProgress");
  EXPECT_EQ(running["Retry-After"], "1");  // else az polls every 30 s
  EXPECT_EQ(a.w.send(verb::get, location).result_int(), 202);
  // Another operation meanwhile gets the RP's 409.
  EXPECT_EQ(a.call(verb::post, a.cluster() + "/start", AksWorld::kOld).result_int(), 409);
  ASSERT_EQ(a.planes.complete(), 1);
  EXPECT_EQ(a.poll(r)["status"], "Succeeded");
  EXPECT_EQ(a.w.send(verb::get, location).result_int(), 204);
  EXPECT_EQ(a.get()["properties"]["provisioningState"], "Succeeded");

  auto again = a.call(verb::post, a.cluster() + "/stop", AksWorld::kOld);
  EXPECT_EQ(again.result_int(), 400);
  EXPECT_EQ(AksWorld::message(again),
            "Managed cluster is in (Succeeded,Stopped) state, stopping cannot be performed");

  r = a.call(verb::post, a.cluster() + "/start", AksWorld::kOld);
  ASSERT_EQ(r.result_int(), 202) << r.body();
  EXPECT_EQ(a.get()["properties"]["provisioningState"], "Starting");
  const auto& spec = a.planes.specs.back();
  EXPECT_TRUE(spec.running);
  EXPECT_EQ(spec.kms.size(), 1u);  // the same keys as before the stop
  a.planes.complete();
  EXPECT_EQ(a.get()["properties"]["powerState"]["code"], "Running");
  auto started = a.call(verb::post, a.cluster() + "/start", AksWorld::kOld);
  EXPECT_EQ(AksWorld::message(started),
            "Managed cluster is in (Succeeded,Running) state, starting cannot be performed");
  EXPECT_EQ(a.call(verb::post, a.cluster("nope") + "/stop", AksWorld::kOld).result_int(), 404);
}

TEST(ClusterPower, APrivateVaultWithoutVnetIntegrationCannotStop) {  // I10
  AksWorld a;
  // N2's grandfathering is the way such a cluster exists: its admin route's record.
  a.w.store->put(std::string("/aks/konnectivity-private/") + kArmSubscription, "true");
  auto made = a.put(a.body(AksWorld::kms(a.key_id, "Private", a.vault_id), "1.29"));
  ASSERT_LT(made.result_int(), 300) << made.body();
  a.planes.complete();
  const size_t applies = a.planes.specs.size();
  auto r = a.call(verb::post, a.cluster() + "/stop", AksWorld::kOld);
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(AksWorld::code(r), "OperationNotAllowed");
  EXPECT_NE(AksWorld::message(r).find("does not use API Server VNet Integration"),
            std::string::npos);
  EXPECT_EQ(a.planes.specs.size(), applies);  // nothing stopped
  EXPECT_EQ(a.get()["properties"]["powerState"]["code"], "Running");
}

TEST(ClusterUpgrade, SkippingAMinorVersionIsRefusedWithTheAvailableUpgrades) {
  AksWorld a;
  a.put_done(a.body(nullptr, "1.26.6"));
  json b = a.body(nullptr, "1.28.5");
  auto r = a.put(b);
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(AksWorld::code(r), "OperationNotAllowed");
  EXPECT_EQ(AksWorld::message(r),
            "Upgrading Kubernetes version 1.26.6 to 1.28.5 is not allowed. Available upgrades: "
            "[1.27.3 1.27.2 1.27.1 1.27.0]. Please see https://aka.ms/aks-supported-k8s-ver for "
            "version details.");
  EXPECT_EQ(a.get()["properties"]["currentKubernetesVersion"], "1.26.6");
  EXPECT_EQ(a.put_done(a.body(nullptr, "1.27.3"))["properties"]["currentKubernetesVersion"],
            "1.27.3");
  EXPECT_EQ(a.planes.specs.back().kubernetes_version, "1.27.3");
}

}  // namespace
}  // namespace kmslab::testing
