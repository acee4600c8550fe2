// The plugin's contract pieces: key_id, annotations, go-autorest error text, addresses, azure.json,
// clouds and flags (reference/kms.md §7).
#include <gtest/gtest.h>

#include <fstream>

#include "plugin/auth/azure_config.hpp"
#include "plugin/grpc/kms_contract.hpp"
#include "plugin/grpc/listen_address.hpp"
#include "plugin/keyvault/autorest_error.hpp"
#include "plugin/keyvault/cloud.hpp"
#include "plugin/keyvault/key_id.hpp"
#include "plugin/options.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::plugin {
namespace {

TEST(KeyId, MatchesTheReferenceVector) {
  // reference/kms.md §7.3 (T): the hash upstream stamps on every v2 object.
  EXPECT_EQ(key_id_hash("https://example.vault.azure.net/", "mykey", "ABCD"),
            "567d783db3043fe298fe0d9eeedb0029a3815cdd4fe4b059d018c91e6acffe3b");
}

Annotations good() {
  return {{"algorithm.azure.akv.io", "RSA-OAEP-256"},
          {"version.azure.akv.io", "1"},
          {"date.azure.akv.io", "x"}};
}

TEST(Annotations, UpstreamChecksAndMessages) {
  EXPECT_EQ(validate_annotations(good(), "k", "k", "RSA-OAEP-256"), "");
  EXPECT_EQ(validate_annotations({}, "k", "k", "RSA-OAEP-256"),
            "invalid annotations, annotations cannot be empty");
  EXPECT_EQ(validate_annotations(good(), "old", "new", "RSA-OAEP-256"),
            "key id old does not match expected key id new used for encryption");
  auto a = good();
  a["algorithm.azure.akv.io"] = "RSA1_5";
  EXPECT_EQ(validate_annotations(a, "k", "k", "RSA-OAEP-256"),
            "algorithm RSA1_5 does not match expected algorithm RSA-OAEP-256 used for encryption");
  a = good();
  a.erase("version.azure.akv.io");
  EXPECT_EQ(validate_annotations(a, "k", "k", "RSA-OAEP-256"),
            "version  does not match expected version 1 used for encryption");
}

TEST(AutorestError, ServiceErrorWithInnerError) {
  const std::string body =
      R"({"error":{"code":"Forbidden","message":"Operation encrypt is not allowed on an expired key.","innererror":{"code":"KeyExpired"}}})";
  EXPECT_EQ(
      autorest_response_error("keyvault.BaseClient", "Encrypt", 403, body),
      "keyvault.BaseClient#Encrypt: Failure responding to request: StatusCode=403 -- Original "
      "Error: autorest/azure: Service returned an error. Status=403 Code=\"Forbidden\" "
      "Message=\"Operation encrypt is not allowed on an expired key.\" "
      "InnerError={\"code\":\"KeyExpired\"}");
  EXPECT_EQ(
      autorest_response_error("keyvault.BaseClient", "Decrypt", 404,
                              R"({"error":{"code":"KeyNotFound","message":"A \"q\""}})"),
      "keyvault.BaseClient#Decrypt: Failure responding to request: StatusCode=404 -- Original "
      "Error: autorest/azure: Service returned an error. Status=404 Code=\"KeyNotFound\" "
      "Message=\"A \\\"q\\\"\"");
  EXPECT_NE(autorest_response_error("c", "M", 502, "<html>").find("cannot be parsed"),
            std::string::npos);
  EXPECT_EQ(go_quote("a\nb\x01"), "\"a\\nb\\x01\"");
}

TEST(ListenAddress, UpstreamForms) {
  auto a = parse_listen_address("unix:///opt/azurekms.socket");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->grpc_target(), "unix:/opt/azurekms.socket");
  a = parse_listen_address("UNIX:///@kms-provider.sock");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->abstract);
  EXPECT_EQ(a->grpc_target(), "unix-abstract:kms-provider.sock");
  for (const char* bad : {"", "unix://", "tcp://x:1", "/opt/sock", "unix:///@"}) {
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
  }
  EXPECT_FALSE(parse_listen_address("unix:///" + std::string(120, 'x')));
}

TEST(ListenAddress, StaleSocketRemovedButNotARegularFile) {
  testing::TempDir dir;
  const std::string file = dir.file("plain");
  std::ofstream(file) << "data";
  EXPECT_NE(remove_stale_socket({file, false}), "");
  EXPECT_EQ(remove_stale_socket({dir.file("absent"), false}), "");
}

TEST(AzureConfig, JsonAndYamlAndErrors) {
  auto c = parse_azure_config(R"({"cloud":"AzurePublicCloud","tenantId":"t","aadClientId":"id",
    "aadClientSecret":"s","useManagedIdentityExtension":true,"userAssignedIdentityID":"u"})");
  EXPECT_EQ(c.tenant_id, "t");
  EXPECT_EQ(c.client_secret, "s");
  EXPECT_TRUE(c.use_managed_identity_extension);
  EXPECT_EQ(c.user_assigned_identity_id, "u");
  c = parse_azure_config("tenantId: t2\naadClientCertPath: /p\n");
  EXPECT_EQ(c.tenant_id, "t2");
  EXPECT_EQ(c.client_cert_path, "/p");
  EXPECT_EQ(parse_azure_config("").tenant_id, "");
  for (const char* bad :
       {"{", "[1,2]", "tenantId: [1]", "useManagedIdentityExtension: maybe", "a: b: c"}) {
    try {
      parse_azure_config(bad);
      ADD_FAILURE() << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("failed to unmarshal azure.json, error: ", 0), 0u)
          << e.what();
    }
  }
  EXPECT_THROW(load_azure_config("/nonexistent/azure.json"), std::runtime_error);
}

TEST(Cloud, VaultUrlsPerCloud) {
  EXPECT_EQ(vault_url("kv1", false, parse_cloud("", "")), "https://kv1.vault.azure.net/");
  EXPECT_EQ(vault_url("kv1", false, parse_cloud("azurechinacloud", "")),
            "https://kv1.vault.azure.cn/");
  EXPECT_EQ(vault_url("kv1", false, parse_cloud("AzureUSGovernmentCloud", "")),
            "https://kv1.vault.usgovcloudapi.net/");
  EXPECT_EQ(vault_url("kv1", false, parse_cloud("AzureGermanCloud", "")),
            "https://kv1.vault.microsoftazure.de/");
  EXPECT_EQ(vault_url("kv1", true, parse_cloud("", "")), "https://kv1.managedhsm.azure.net/");
  EXPECT_EQ(vault_resource(true, parse_cloud("", "")), "https://managedhsm.azure.net");
  EXPECT_THROW(vault_resource(true, parse_cloud("AzureGermanCloud", "")), std::runtime_error);
  EXPECT_THROW(parse_cloud("Mars", ""), std::runtime_error);
  EXPECT_THROW(vault_url("k", false, parse_cloud("", "")), std::runtime_error);
  EXPECT_THROW(vault_url("bad_name", false, parse_cloud("", "")), std::runtime_error);
  testing::TempDir dir;
  std::ofstream(dir.file("env.json"))
      << R"({"name":"AzureStackCloud","activeDirectoryEndpoint":"https://login.stack/","keyVaultDNSSuffix":"vault.stack.local","resourceIdentifiers":{"keyVault":"https://vault.stack.local"}})";
  const auto stack = parse_cloud("AzureStackCloud", dir.file("env.json"));
  EXPECT_EQ(vault_url("kv1", false, stack), "https://kv1.vault.stack.local/");
  EXPECT_EQ(vault_resource(false, stack), "https://vault.stack.local");
  EXPECT_THROW(vault_url("kv1", true, stack), std::runtime_error);  // no HSM suffix in the file
  EXPECT_THROW(parse_cloud("AzureStackCloud", ""), std::runtime_error);
}

TEST(Options, UpstreamDefaultsAndValidation) {
  auto p = parse_options({}, nullptr);
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.options.listen_addr, "unix:///opt/azurekms.socket");
  EXPECT_EQ(p.options.healthz_port, 8787u);
  EXPECT_EQ(p.options.metrics_addr, "8095");
  EXPECT_EQ(p.options.proxy_port, 7788);
  EXPECT_EQ(p.options.healthz_timeout, std::chrono::seconds(20));
  EXPECT_EQ(p.options.imds_endpoint, "http://169.254.169.254");
  p = parse_options({"-v", "300"}, nullptr);
  EXPECT_EQ(p.error, "invalid log level: 300");
  p = parse_options({"--keyvault-name", " \"kv1\" ", "-key-name=k", "--configFilePath", "/x"},
                    "http://p:1");
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.options.keyvault_name, "kv1");
  EXPECT_EQ(p.options.key_name, "k");
  EXPECT_EQ(p.options.config_file_path,
            "/etc/kubernetes/azure.json");  // the deprecated flag is ignored
  EXPECT_EQ(p.options.https_proxy, "http://p:1");
  EXPECT_NE(parse_options({"--metrics-backend", "statsd"}, nullptr).error, "");
  EXPECT_NE(parse_options({"--healthz-timeout", "soon"}, nullptr).error, "");
  EXPECT_NE(parse_options({"--no-such-flag"}, nullptr).error, "");
  EXPECT_TRUE(parse_options({"--help"}, nullptr).help);
  EXPECT_NE(parse_options({}, nullptr).help_text.find("--source-address"), std::string::npos);
}

}  // namespace
}  // namespace kmslab::plugin
