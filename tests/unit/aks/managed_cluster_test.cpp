// The AKS resource provider through ARM JSON: LROs, 409, credentials, list, delete, the merge
// of fields an api-version does not know (aks.md §3, §7).
#include <gtest/gtest.h>

#include "emulator/core/base64url.hpp"
#include "tests/unit/aks/aks_world.hpp"

namespace kmslab::testing {
namespace {

using core::http::verb;

TEST(ManagedCluster, CreateIsALongRunningOperationThatEndsWhenTheControlPlaneReports) {
  AksWorld a;
  auto r = a.put(a.body());
  ASSERT_EQ(r.result_int(), 201) << r.body();
  EXPECT_EQ(json::parse(r.body())["properties"]["provisioningState"], "Creating");
  EXPECT_NE(std::string(r["Azure-AsyncOperation"])
                .find("/providers/Microsoft.ContainerService/locations/eastus/operations/"),
            std::string::npos);
  EXPECT_EQ(r["Retry-After"], "1");
  EXPECT_EQ(a.poll(r)["status"], "InProgress");
  EXPECT_EQ(a.get()["properties"]["provisioningState"], "Creating");
  ASSERT_EQ(a.planes.complete(), 1);
  auto op = a.poll(r);
  EXPECT_EQ(op["status"], "Succeeded");
  EXPECT_TRUE(op.contains("endTime"));
  auto c = a.get();
  EXPECT_EQ(c["properties"]["provisioningState"], "Succeeded");
  // §1.7: what az 2.45 reads.
  EXPECT_EQ(c["properties"]["servicePrincipalProfile"]["clientId"], "msi");
  EXPECT_TRUE(c["properties"]["identityProfile"]["kubeletidentity"].contains("clientId"));
  EXPECT_TRUE(c["properties"]["networkProfile"].is_object());
  EXPECT_EQ(c["properties"]["maxAgentPools"], 100);
  EXPECT_EQ(c["properties"]["agentPoolProfiles"][0]["type"], "VirtualMachineScaleSets");
  EXPECT_EQ(c["properties"]["currentKubernetesVersion"], "1.26.6");
  EXPECT_EQ(c["properties"]["securityProfile"], json::object());
  EXPECT_EQ(c["properties"]["nodeResourceGroup"], "MC_rg1_c1_eastus");
  const std::string fqdn = c["properties"]["fqdn"];
  EXPECT_EQ(fqdn.rfind("c1-rg1-", 0), 0u);
  EXPECT_NE(fqdn.find(".hcp.eastus.azmk8s.io"), std::string::npos);
  EXPECT_FALSE(c["identity"]["userAssignedIdentities"][a.identity_id]["principalId"].empty());
  ASSERT_EQ(a.planes.specs.size(), 1u);
  EXPECT_EQ(a.planes.specs[0].fqdn, fqdn);
  EXPECT_EQ(a.planes.specs[0].egress_address, "127.64.0.1");
  EXPECT_TRUE(a.planes.specs[0].kms.empty());
}

// az polls an operation at each answer's Retry-After (30 s without one): a running operation's
// status carries it as the PUT does, a finished one needs none.
TEST(ManagedCluster, RunningOperationStatusCarriesRetryAfter) {
  AksWorld a;
  auto r = a.put(a.body());
  std::string url(r["Azure-AsyncOperation"]);
  const std::string path = url.substr(url.find("/subscriptions/"));
  auto running = a.w.send(verb::get, path);
  EXPECT_EQ(json::parse(running.body())["status"], "InProgress");
  EXPECT_EQ(running["Retry-After"], "1");
  a.planes.complete();
  auto done = a.w.send(verb::get, path);
  EXPECT_EQ(json::parse(done.body())["status"], "Succeeded");
  EXPECT_EQ(done.count("Retry-After"), 0u);
}

TEST(ManagedCluster, OpStatusNameIsTheGuidInDotNetByteOrder) {
  AksWorld a;
  auto r = a.put(a.body());
  std::string url(r["Azure-AsyncOperation"]);
  const std::string guid = url.substr(url.find("/operations/") + 12, 36);
  const std::string name = a.poll(r)["name"];
  EXPECT_EQ(name.substr(0, 2), guid.substr(6, 2));
  EXPECT_EQ(name.substr(19), guid.substr(19));
}

TEST(ManagedCluster, PutWhileAnOperationRunsIs409) {
  AksWorld a;
  ASSERT_EQ(a.put(a.body()).result_int(), 201);
  auto r = a.put(a.body());
  EXPECT_EQ(r.result_int(), 409);
  EXPECT_EQ(AksWorld::code(r), "OperationNotAllowed");
  EXPECT_NE(AksWorld::message(r).find("Another operation (Creating) is in progress"),
            std::string::npos);
  a.planes.complete();
  EXPECT_EQ(a.put(a.body()).result_int(), 200);
}

TEST(ManagedCluster, AFailedControlPlaneFailsTheOperationWithItsMessage) {
  AksWorld a;
  auto r = a.put(a.body());
  a.planes.complete("kmslab-apiserver exited with status 1");
  auto op = a.poll(r);
  EXPECT_EQ(op["status"], "Failed");
  EXPECT_EQ(op["error"]["message"], "kmslab-apiserver exited with status 1");
  EXPECT_EQ(a.get()["properties"]["provisioningState"], "Failed");
}

TEST(ManagedCluster, UpdateIs200UpdatingAndUpgradeIsUpgrading) {
  AksWorld a;
  a.put_done(a.body());
  auto r = a.put(a.body());
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(json::parse(r.body())["properties"]["provisioningState"], "Updating");
  a.planes.complete();
  r = a.put(a.body(nullptr, "1.27.3"));
  EXPECT_EQ(json::parse(r.body())["properties"]["provisioningState"], "Upgrading");
  a.planes.complete();
  EXPECT_EQ(a.get()["properties"]["currentKubernetesVersion"], "1.27.3");
  EXPECT_EQ(a.planes.specs.back().kubernetes_version, "1.27.3");
}

TEST(ManagedCluster, FieldsTheRequestApiVersionDoesNotKnowSurviveAnOlderPut) {
  AksWorld a;
  auto b = a.body();
  b["properties"]["apiServerAccessProfile"] = {{"enableVnetIntegration", true}};
  a.put_done(b, AksWorld::kNew);
  a.put_done(a.body(), AksWorld::kOld);  // az 2.45 drops the field on re-PUT
  EXPECT_EQ(a.get()["properties"]["apiServerAccessProfile"]["enableVnetIntegration"], true);
  auto c = a.body();
  c["properties"]["apiServerAccessProfile"] = {{"enableVnetIntegration", false}};
  a.put_done(c, AksWorld::kNew);  // a version that knows it may clear it
  EXPECT_EQ(a.get()["properties"]["apiServerAccessProfile"]["enableVnetIntegration"], false);
}

TEST(ManagedCluster, KonnectivityAgentPodExactlyWithoutVnetIntegration) {
  AksWorld a;
  a.put_done(a.body());
  ASSERT_EQ(a.planes.specs.back().pods.size(), 1u);
  EXPECT_EQ(a.planes.specs.back().pods[0], "kube-system/konnectivity-agent");
  auto b = a.body();
  b["properties"]["apiServerAccessProfile"] = {{"enableVnetIntegration", true}};
  a.put_done(b, AksWorld::kNew);
  EXPECT_TRUE(a.planes.specs.back().pods.empty());
  // N3 / R1: the egress address is in the API server subnet for the vault's rules.
  EXPECT_TRUE(a.subnets.subnet_of("127.64.0.1").has_value());
}

TEST(ManagedCluster, CredentialsNameTheFqdnAndALoopbackForm) {
  AksWorld a;
  a.put_done(a.body());
  auto r = a.call(verb::post, a.cluster() + "/listClusterUserCredential", AksWorld::kOld);
  ASSERT_EQ(r.result_int(), 200) << r.body();
  auto list = json::parse(r.body())["kubeconfigs"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "clusterUser");
  auto config = *core::base64_decode(list[0]["value"].get<std::string>());
  EXPECT_NE(
      config.find("server: https://" + a.get()["properties"]["fqdn"].get<std::string>() + ":443"),
      std::string::npos);
  EXPECT_NE(config.find("certificate-authority-data: "), std::string::npos);
  EXPECT_NE(config.find("token: admin-token"), std::string::npos);
  EXPECT_NE(config.find("user: clusterUser_rg1_c1"), std::string::npos);
  EXPECT_EQ(list[1]["name"], "kmslab-loopback");
  auto loop = *core::base64_decode(list[1]["value"].get<std::string>());
  EXPECT_NE(loop.find("server: https://127.0.0.1:6443"), std::string::npos);
  auto admin = a.call(verb::post, a.cluster() + "/listClusterAdminCredential", AksWorld::kOld);
  EXPECT_EQ(json::parse(admin.body())["kubeconfigs"][0]["name"], "clusterAdmin");
}

TEST(ManagedCluster, ListsByGroupAndSubscriptionAndDeletes) {
  AksWorld a;
  a.put_done(a.body());
  auto g = a.call(verb::get, a.group + "/providers/Microsoft.ContainerService/managedClusters",
                  AksWorld::kOld);
  EXPECT_EQ(json::parse(g.body())["value"].size(), 1u);
  auto s = a.call(verb::get, a.sub + "/providers/Microsoft.ContainerService/managedClusters",
                  AksWorld::kOld);
  EXPECT_EQ(json::parse(s.body())["value"][0]["name"], "c1");
  auto d = a.call(verb::delete_, a.cluster(), AksWorld::kOld);
  EXPECT_EQ(d.result_int(), 202);
  EXPECT_EQ(a.poll(d)["status"], "Succeeded");
  EXPECT_EQ(a.call(verb::get, a.cluster(), AksWorld::kOld).result_int(), 404);
  ASSERT_EQ(a.planes.removed.size(), 1u);
  EXPECT_EQ(a.call(verb::delete_, a.cluster(), AksWorld::kOld).result_int(), 204);
}

TEST(ManagedCluster, MalformedBodiesAreRefusedAndChangeNothing) {
  AksWorld a;
  for (const std::string& bad :
       {std::string("[]"), std::string("{\"location\":1}"),
        std::string("{\"location\":\"eastus\",\"properties\":{\"agentPoolProfiles\":{}}}"),
        std::string("{\"location\":\"eastus\",\"identity\":{\"type\":\"Weird\"}}"),
        std::string("{\"location\":\"eastus\",\"properties\":{\"securityProfile\":"
                    "{\"azureKeyVaultKms\":{\"enabled\":\"yes\"}}}}")}) {
    auto r = a.w.send(verb::put, a.cluster() + "?api-version=2022-11-01", bad);
    EXPECT_EQ(r.result_int(), 400) << bad << r.body();
  }
  EXPECT_EQ(a.call(verb::get, a.cluster(), AksWorld::kOld).result_int(), 404);
  EXPECT_TRUE(a.planes.specs.empty());
}

TEST(ManagedCluster, UnknownApiVersionIsRefused) {
  AksWorld a;
  auto r = a.put(a.body(), "2019-01-01");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(AksWorld::code(r), "NoRegisteredProviderFound");
}

}  // namespace
}  // namespace kmslab::testing
