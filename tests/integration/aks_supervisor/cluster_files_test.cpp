// The files and command lines of a cluster, as AKS lays them out (issue #12 item 3, aks.md §5).
#include "emulator/aks/supervisor/cluster_files.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kmslab::aks {
namespace {

ControlPlaneSpec two_keys() {
  ControlPlaneSpec s;
  s.cluster_id =
      "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/"
      "Prod.One";
  s.kubernetes_version = "1.26.3";
  s.fqdn = "prod-1a2b.hcp.eastus.azmk8s.io";
  s.tenant_id = "t";
  s.identity_client_id = "client-1";
  s.egress_address = "127.0.3.4";
  KmsKey current;
  current.vault_name = "v";
  current.key_name = "k";
  current.key_version = "2";
  current.kms_api_version = 1;
  KmsKey previous = current;
  previous.provider_name = "azurekmsprovider-previous";
  previous.key_version = "1";
  s.kms = {current, previous};
  return s;
}

TEST(ClusterFiles, SpecProblems) {
  EXPECT_EQ(spec_problem(two_keys()), "");
  for (const char* bad : {"", ".", "..", "../x", "a/b", "a b", "a:b", "azure\nkms"}) {
    auto s = two_keys();
    s.kms[0].provider_name = bad;
    EXPECT_NE(spec_problem(s).find("is not of"), std::string::npos) << bad;
  }
  auto twice = two_keys();
  twice.kms[1].provider_name = twice.kms[0].provider_name;
  EXPECT_NE(spec_problem(twice).find("used twice"), std::string::npos);
  auto no_version = two_keys();
  no_version.kms[1].key_version.clear();
  EXPECT_NE(spec_problem(no_version).find("needs a vault"), std::string::npos);
  auto v3 = two_keys();
  v3.kms[0].kms_api_version = 3;
  EXPECT_NE(spec_problem(v3).find("v1 or v2"), std::string::npos);
  auto no_id = two_keys();
  no_id.cluster_id.clear();
  EXPECT_NE(spec_problem(no_id), "");
}

TEST(ClusterFiles, DirectoryNameIsShortSafeAndDistinct) {
  const auto a = cluster_dir_name(two_keys().cluster_id);
  EXPECT_EQ(a.rfind("prod_one-", 0), 0u) << a;
  EXPECT_EQ(a.size(), 9u + 12u);
  EXPECT_NE(a, cluster_dir_name(two_keys().cluster_id + "x"));
  EXPECT_EQ(cluster_dir_name("/../..").find('/'), std::string::npos);
  EXPECT_EQ(cluster_dir_name("").rfind("cluster-", 0), 0u);
  EXPECT_LE(cluster_dir_name(std::string(300, 'a')).size(), 24u + 13u);
}

TEST(ClusterFiles, EncryptionConfigurationOrderAndV1Fields) {
  auto s = two_keys();
  const std::string text = encryption_configuration(s, "/d", "3s");
  EXPECT_NE(text.find("apiVersion: apiserver.config.k8s.io/v1"), std::string::npos);
  EXPECT_NE(text.find("endpoint: \"unix:///d/azurekmsprovider.socket\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("cachesize: 1000"), std::string::npos);
  EXPECT_LT(text.find("\"azurekmsprovider\""), text.find("\"azurekmsprovider-previous\""));
  EXPECT_LT(text.find("azurekmsprovider-previous"), text.find("identity: {}"));
  s.identity_first = true;
  s.kms.resize(1);
  s.kms[0].kms_api_version = 2;
  const std::string disabled = encryption_configuration(s, "/d", "3s");
  EXPECT_LT(disabled.find("identity: {}"), disabled.find("kms:"));
  EXPECT_NE(disabled.find("apiVersion: v2"), std::string::npos);
  EXPECT_EQ(disabled.find("cachesize"), std::string::npos);  // v2 refuses it
  s.kms.clear();
  EXPECT_EQ(encryption_configuration(s, "/d", "3s").find("kms"), std::string::npos);
}

TEST(ClusterFiles, LongSocketPathsBecomeAbstract) {
  EXPECT_EQ(plugin_endpoint("/short", "p"), "unix:///short/p.socket");
  const std::string e = plugin_endpoint("/" + std::string(120, 'd'), "p");
  EXPECT_EQ(e.rfind("unix:///@kmslab-", 0), 0u) << e;
  EXPECT_EQ(e.substr(e.size() - 2), "-p");
  // A cluster of the same id under another emulator's data directory gets another name.
  EXPECT_NE(plugin_endpoint("/" + std::string(120, 'e'), "p"), e);
  EXPECT_EQ(plugin_endpoint("/" + std::string(120, 'd'), "p"), e);  // stable across restarts
}

TEST(ClusterFiles, AzureJsonAndCloud) {
  const auto j = nlohmann::json::parse(azure_json(two_keys(), "vault.azure.net"));
  EXPECT_EQ(j["cloud"], "AzurePublicCloud");
  EXPECT_EQ(j["tenantId"], "t");
  EXPECT_EQ(j["useManagedIdentityExtension"], true);
  EXPECT_EQ(j["userAssignedIdentityID"], "client-1");
  EXPECT_EQ(cloud_environment_json("vault.azure.net"), "");
  const auto stack = nlohmann::json::parse(cloud_environment_json("vault.localhost"));
  EXPECT_EQ(stack["keyVaultDNSSuffix"], "vault.localhost");
  EXPECT_EQ(nlohmann::json::parse(azure_json(two_keys(), "vault.localhost"))["cloud"],
            "AzureStackCloud");
}

std::string after(const std::vector<std::string>& args, const std::string& flag) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == flag) return args[i + 1];
  return "<absent>";
}

TEST(ClusterFiles, PluginArgs) {
  const auto s = two_keys();
  const auto args =
      plugin_args(s, s.kms[1], "/d", {"https://m", "http://p", "http://imds", "/ca.pem"});
  EXPECT_EQ(after(args, "--listen-addr"), "unix:///d/azurekmsprovider-previous.socket");
  EXPECT_EQ(after(args, "--keyvault-name"), "v");
  EXPECT_EQ(after(args, "--key-version"), "1");
  EXPECT_EQ(after(args, "--config-file-path"), "/d/azurekmsprovider-previous.azure.json");
  EXPECT_EQ(after(args, "--healthz-port"), "0");
  EXPECT_EQ(after(args, "--imds-endpoint"), "http://imds");
  EXPECT_EQ(after(args, "--ca-bundle"), "/ca.pem");
  EXPECT_EQ(after(args, "--source-address"), "127.0.3.4");
  EXPECT_EQ(after(args, "-v"), "2");
  EXPECT_EQ(after(plugin_args(s, s.kms[1], "/d", {}, true), "-v"), "10");  // debug_logs
  auto none = s;
  none.egress_address.clear();
  EXPECT_EQ(after(plugin_args(none, s.kms[0], "/d", {}), "--source-address"), "<absent>");
}

TEST(ClusterFiles, ApiserverArgsAndClockOnlyWhenFollowing) {
  auto s = two_keys();
  s.pods = {"kube-system/konnectivity-agent-1"};
  SupervisorOptions o;
  const SupervisorEndpoints e{"https://m", "http://p", "http://imds", "/ca.pem"};
  auto args = apiserver_args(s, "/d", o, e);
  EXPECT_EQ(after(args, "--data-dir"), "/d/apiserver");
  EXPECT_EQ(after(args, "--secure-port"), "0");
  EXPECT_EQ(after(args, "--encryption-provider-config"), "/d/encryption-config.yaml");
  EXPECT_NE(std::find(args.begin(), args.end(), "--encryption-provider-config-automatic-reload"),
            args.end());
  EXPECT_EQ(after(args, "--kubernetes-version"), "1.26.3");
  EXPECT_EQ(after(args, "--external-hostname"), s.fqdn);
  EXPECT_EQ(after(args, "--pod"), "kube-system/konnectivity-agent-1");
  EXPECT_EQ(after(args, "--virtual-clock-url"), "<absent>");
  EXPECT_EQ(after(args, "--etcd-servers"), "<absent>");  // the embedded store
  EXPECT_EQ(after(args, "--log-level"), "<absent>");
  o.debug_logs = true;
  EXPECT_EQ(after(apiserver_args(s, "/d", o, e), "--log-level"), "debug");
  o.debug_logs = false;
  EXPECT_EQ(after(apiserver_args(s, "/d", o, e, "http://127.0.0.1:4001"), "--etcd-servers"),
            "http://127.0.0.1:4001");
  o.follow_clock = true;
  o.clock_token_file = "/tok";
  args = apiserver_args(s, "/d", o, e);
  EXPECT_EQ(after(args, "--virtual-clock-url"), "https://m");
  EXPECT_EQ(after(args, "--virtual-clock-ca-file"), "/ca.pem");
  EXPECT_EQ(after(args, "--virtual-clock-token-file"), "/tok");
}

}  // namespace
}  // namespace kmslab::aks
