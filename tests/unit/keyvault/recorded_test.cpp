// What real Key Vault answered in the SDKs' recorded live sessions
// (/work/shared/reference/recorded-keyvault.md, cited as "§n" with the recording).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "emulator/core/base64url.hpp"
#include "emulator/store/local_store.hpp"
#include "tests/support/keyvault_harness.hpp"

namespace kmslab::keyvault {
namespace {

using core::http::verb;
using nlohmann::json;
using testing::KvResponse;

const std::string kLongNotFound =
    " was not found in this key vault. If you recently deleted this key you may be able to "
    "recover it using the correct recovery command. For help resolving this issue, please see "
    "https://go.microsoft.com/fwlink/?linkid=2125182";

class RecordedTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> store_ = store::open_store("memory");
  std::atomic<int64_t> real_ms_{0};  // the injected real clock of the deletion window
  std::unique_ptr<testing::KeyVaultHarness> kv_ = make();

  std::unique_ptr<testing::KeyVaultHarness> make(bool allow_public_ops = false) {
    return std::make_unique<testing::KeyVaultHarness>(*store_, [&](KeyVaultOptions& o) {
      o.real_clock = [this] { return core::TimePoint(std::chrono::milliseconds(real_ms_.load())); };
      o.disabled_key_allows_public_ops = allow_public_ops;
    });
  }
  KvResponse send(verb m, const std::string& path, const json& body = nullptr,
                  const std::string& query = {}) {
    return kv_->send(m, path, body, query);
  }
  void premium() { kv_->vaults().put(vault_from_flag("myvault:premium", "t", "eastus")); }
};

// §1 (N:KC/GetKeyNonExisting.json): the challenge, 97-byte body, no RBAC headers.
TEST_F(RecordedTest, ChallengeIsTheRecorded401) {
  const auto r = kv_->send(verb::get, "/keys/k1", nullptr, {}, false);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(
      r.raw,
      R"({"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}})");
  EXPECT_EQ(r.raw.size(), 97u);
  EXPECT_EQ(
      r.headers.at("www-authenticate"),
      R"(Bearer authorization="https://login.windows.net/t", resource="https://vault.azure.net")");
  EXPECT_FALSE(r.has("x-ms-keyvault-rbac-assignment-id"));
  EXPECT_FALSE(r.has("x-ms-keyvault-rbac-cache"));
}

// §4: the headers of every status; no Content-Type on 204.
TEST_F(RecordedTest, HeadersOnEveryStatus) {
  ASSERT_EQ(send(verb::post, "/keys/k1/create", {{"kty", "EC"}}).status, 200u);
  ASSERT_EQ(send(verb::delete_, "/keys/k1").status, 200u);
  real_ms_ += 60'000;
  for (const auto& r : {send(verb::get, "/deletedkeys/k1"), send(verb::get, "/keys/nope"),
                        send(verb::delete_, "/deletedkeys/k1")}) {
    SCOPED_TRACE(r.status);
    EXPECT_EQ(r.headers.at("cache-control"), "no-cache");
    EXPECT_EQ(r.headers.at("pragma"), "no-cache");
    EXPECT_EQ(r.headers.at("expires"), "-1");
    EXPECT_EQ(r.headers.at("strict-transport-security"), "max-age=31536000;includeSubDomains");
    EXPECT_EQ(r.headers.at("x-content-type-options"), "nosniff");
    EXPECT_EQ(r.headers.at("x-ms-keyvault-region"), "eastus");
    // §4: gone from service 1.9.358.1 (C:K.GetKeyRotationPolicy.json).
    for (const char* h : {"server", "x-powered-by", "x-aspnet-version"})
      EXPECT_FALSE(r.has(h)) << h;
    for (const char* h : {"x-ms-keyvault-service-version", "x-ms-keyvault-network-info",
                          "x-ms-request-id", "date"}) {
      EXPECT_TRUE(r.has(h)) << h;
    }
    if (r.status == 204) {
      // §3 (C:K.BackupKey.json): purge is 204, empty, no Content-Type, no Content-Length.
      EXPECT_FALSE(r.has("content-type"));
      EXPECT_FALSE(r.has("content-length"));
      EXPECT_EQ(r.raw, "");
    } else {
      EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");
    }
  }
}

// §2 accepted [V]: "crv":"" is P-256 (N:KC/CreateEcWithCurveKey(Other).json); "attributes":
// null (C:K.CreateDeletedKeyBeforePollComplete.json); §5 defaults.
TEST_F(RecordedTest, AcceptedInputsAndDefaults) {
  const auto ec = send(verb::post, "/keys/e1/create", {{"kty", "EC"}, {"crv", ""}});
  ASSERT_EQ(ec.status, 200u) << ec.raw;
  EXPECT_EQ(ec.body["key"]["crv"], "P-256");
  EXPECT_EQ(ec.body["key"]["key_ops"], json({"sign", "verify"}));
  EXPECT_EQ(send(verb::post, "/keys/e2/create", {{"kty", "EC"}, {"attributes", nullptr}}).status,
            200u);
  const auto rsa = send(verb::post, "/keys/r1/create", {{"kty", "RSA"}});
  ASSERT_EQ(rsa.status, 200u);
  EXPECT_EQ(rsa.body["key"]["key_ops"],
            json({"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}));
  EXPECT_EQ(rsa.body["key"]["n"].get<std::string>().size(), 342u);
  EXPECT_EQ(rsa.body["key"]["e"], "AQAB");
  const std::string version = rsa.body["key"]["kid"].get<std::string>().substr(
      std::string("https://myvault.vault.azure.net/keys/r1/").size());
  EXPECT_EQ(version.size(), 32u);
  EXPECT_EQ(version.find_first_not_of("0123456789abcdef"), std::string::npos);
}

// §5: exportable false present from api 7.3 (C:K.RotateKey.json at 7.3), absent before unless
// true; no recoverableDays at api 7.0.
TEST_F(RecordedTest, AttributesFollowTheApiVersion) {
  ASSERT_EQ(send(verb::post, "/keys/k1/create", {{"kty", "EC"}}).status, 200u);
  const auto v73 = send(verb::get, "/keys/k1", nullptr, "?api-version=7.3");
  EXPECT_EQ(v73.body["attributes"]["exportable"], false);
  EXPECT_EQ(v73.body["attributes"]["recoverableDays"], 90);
  EXPECT_EQ(
      send(verb::get, "/keys/k1", nullptr, "?api-version=7.4").body["attributes"]["exportable"],
      false);
  EXPECT_FALSE(send(verb::get, "/keys/k1", nullptr, "?api-version=7.2")
                   .body["attributes"]
                   .contains("exportable"));
  const auto v70 = send(verb::get, "/keys/k1", nullptr, "?api-version=7.0");
  EXPECT_FALSE(v70.body["attributes"].contains("recoverableDays"));
  EXPECT_EQ(v70.body["attributes"]["recoveryLevel"], "Recoverable+Purgeable");
  // The order of §5: enabled, created, updated, recoveryLevel, recoverableDays, exportable.
  EXPECT_NE(
      v73.raw.find(
          R"("recoveryLevel":"Recoverable+Purgeable","recoverableDays":90,"exportable":false})"),
      std::string::npos)
      << v73.raw;
}

// §2: never-deleted names under /deletedkeys get the long KeyNotFound text.
TEST_F(RecordedTest, DeletedKeyOperationsOnANeverDeletedName) {
  for (const auto& r :
       {send(verb::get, "/deletedkeys/ghost"), send(verb::post, "/deletedkeys/ghost/recover"),
        send(verb::delete_, "/keys/ghost")}) {
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.body["error"]["code"], "KeyNotFound");
    EXPECT_EQ(r.body["error"]["message"], "A key with (name/id) ghost" + kLongNotFound);
  }
}

// §2 and §3 (C:K.CreateDeletedKeyBeforePollComplete.json, K.DoubleDeleteBeforePollComplete.json,
// K.CreateDeletedKey.json): the deletion in progress, in real time, then the deleted state.
TEST_F(RecordedTest, DeletionInProgressThenDeleted) {
  ASSERT_EQ(send(verb::post, "/keys/k1/create", {{"kty", "EC"}}).status, 200u);
  const auto deleted = send(verb::delete_, "/keys/k1");
  ASSERT_EQ(deleted.status, 200u);
  const auto polling = send(verb::get, "/deletedkeys/k1");
  EXPECT_EQ(polling.status, 404u);
  EXPECT_EQ(polling.body["error"]["message"], "Deleted Key not found: k1");
  const auto create = send(verb::post, "/keys/k1/create", {{"kty", "EC"}});
  EXPECT_EQ(create.status, 409u);
  EXPECT_EQ(create.body["error"]["innererror"]["code"], "ObjectIsBeingDeleted");
  EXPECT_EQ(create.body["error"]["message"],
            "Key k1 is currently being deleted and cannot be re-created; retry later.");
  const auto again = send(verb::delete_, "/keys/k1");
  EXPECT_EQ(again.status, 404u);
  EXPECT_EQ(again.body["error"]["message"], "A key with (name/id) k1" + kLongNotFound);

  real_ms_ += 1000;  // the default window, in real time: the virtual clock has not moved
  const auto got = send(verb::get, "/deletedkeys/k1");
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.raw, deleted.raw);  // §3: DELETE's body is GET /deletedkeys/<name>'s
  EXPECT_EQ(got.body["recoveryId"], "https://myvault.vault.azure.net/deletedkeys/k1");
  EXPECT_EQ(got.body["scheduledPurgeDate"].get<int64_t>() - got.body["deletedDate"].get<int64_t>(),
            90 * 86400);
  const auto recreate = send(verb::post, "/keys/k1/create", {{"kty", "EC"}});
  EXPECT_EQ(recreate.status, 409u);
  EXPECT_EQ(recreate.body["error"]["innererror"]["code"], "ObjectIsDeletedButRecoverable");
  // §3 (N:KC/RecoverDeletedKey.json): recover answers the plain KeyBundle.
  const auto recovered = send(verb::post, "/deletedkeys/k1/recover");
  EXPECT_EQ(recovered.status, 200u);
  EXPECT_FALSE(recovered.body.contains("recoveryId"));
  EXPECT_TRUE(recovered.body.contains("key"));
}

// §8 (C:K.GetPropertiesOfKeysAllPages.json): nextLink with an explicit :443, no maxresults; the
// last page's nextLink is null; items sorted by name.
TEST_F(RecordedTest, NextLinkForm) {
  for (const char* name : {"k10", "k1", "k0"}) {
    ASSERT_EQ(send(verb::post, std::string("/keys/") + name + "/create", {{"kty", "EC"}}).status,
              200u);
  }
  const auto first = send(verb::get, "/keys", nullptr, "?api-version=7.3&maxresults=2");
  ASSERT_EQ(first.status, 200u);
  const std::string next = first.body["nextLink"];
  const std::string prefix = "https://myvault.vault.azure.net:443/keys?api-version=7.3&$skiptoken=";
  ASSERT_EQ(next.substr(0, prefix.size()), prefix) << next;
  EXPECT_EQ(next.find("maxresults"), std::string::npos);
  EXPECT_EQ(first.body["value"][0]["kid"], "https://myvault.vault.azure.net/keys/k0");
  EXPECT_EQ(first.body["value"][1]["kid"], "https://myvault.vault.azure.net/keys/k1");
  const auto second = send(verb::get, "/keys", nullptr, next.substr(next.find('?')));
  ASSERT_EQ(second.status, 200u) << second.raw;
  EXPECT_EQ(second.body["value"].size(), 1u);
  EXPECT_EQ(second.body["value"][0]["kid"], "https://myvault.vault.azure.net/keys/k10");
  EXPECT_TRUE(second.body["nextLink"].is_null());
  EXPECT_EQ(send(verb::get, "/keys", nullptr, "?api-version=7.3&$skiptoken=azEw").status, 400u);
}

json release_policy(bool immutable, const std::string& claim_value = "true") {
  // Sent anyOf-first, as the JS SDK's recording "immutablerelease" did.
  const json policy = {{"anyOf",
                        {{{"allOf", {{{"claim", "sdk-test"}, {"equals", claim_value}}}},
                          {"authority", "https://skr_attestation.azure.net/"}}}},
                       {"version", "1.0.0"}};
  return {{"immutable", immutable}, {"data", core::base64url_encode(policy.dump())}};
}

// §7: POST /keys/{name}/{version}/release takes {target, nonce, enc}; without an attestation
// service the emulator answers what Key Vault answered when it could not reach the policy's
// authority (AKV.SKR.1012, azure-sdk-for-js#21596); a key that is not exportable is refused.
TEST_F(RecordedTest, ReleaseAnswersTheUnreachableAttestationAuthority) {
  premium();
  const json create = {{"kty", "RSA-HSM"},
                       {"attributes", {{"exportable", true}}},
                       {"release_policy", release_policy(false)}};
  const auto key = send(verb::post, "/keys/rk/create", create, "?api-version=7.3");
  ASSERT_EQ(key.status, 200u) << key.raw;
  const std::string kid = key.body["key"]["kid"];
  const std::string version = kid.substr(kid.rfind('/') + 1);
  const json target = {{"target", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"},
                       {"enc", "RSA_AES_KEY_WRAP_256"}};
  for (const std::string& path :
       std::vector<std::string>{"/keys/rk/" + version + "/release", "/keys/rk//release"}) {
    const auto r = send(verb::post, path, target, "?api-version=7.4");
    EXPECT_EQ(r.status, 400u) << path;
    EXPECT_EQ(
        r.raw,
        R"({"error":{"code":"BadParameter","message":"AKV.SKR.1012: The specified attestation service https://skr_attestation.azure.net/ cannot be reached."}})");
  }
  EXPECT_NE(send(verb::post, "/keys/rk/" + version + "/release", json::object())
                .raw.find("Property 'target' is required."),
            std::string::npos);
  EXPECT_EQ(send(verb::post, "/keys/rk/release", {{"target", 5}}).status, 400u);
  EXPECT_NE(send(verb::post, "/keys/rk/release", {{"target", "t"}, {"enc", "A256KW"}})
                .raw.find("Invalid enc value"),
            std::string::npos);
  EXPECT_EQ(send(verb::post, "/keys/nothere/release", target).body["error"]["code"], "KeyNotFound");
  ASSERT_EQ(send(verb::post, "/keys/plain/create", {{"kty", "EC"}}).status, 200u);
  const auto plain = send(verb::post, "/keys/plain/release", target);
  EXPECT_EQ(plain.status, 400u);
  EXPECT_NE(plain.raw.find("is not exportable"), std::string::npos) << plain.raw;
}

// §5 (C:K.ReleaseKey2.json) and the JS SDK recordings of Secure Key Release: the policy is
// stored and returned version-first with its contentType; the AKV.SKR rules.
TEST_F(RecordedTest, ReleasePolicyIsStoredReturnedAndValidated) {
  premium();
  const json create = {{"kty", "RSA-HSM"},
                       {"key_ops", {"encrypt", "decrypt"}},
                       {"attributes", {{"exportable", true}}},
                       {"release_policy", release_policy(true)}};
  const auto r = send(verb::post, "/keys/rk/create", create, "?api-version=7.3");
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body["attributes"]["exportable"], true);
  const std::string expected_data =
      "eyJ2ZXJzaW9uIjoiMS4wLjAiLCJhbnlPZiI6W3siYXV0aG9yaXR5IjoiaHR0cHM6Ly9za3JfYXR0ZXN0YXRpb24uYXp1"
      "cmUubmV0LyIsImFsbE9mIjpbeyJjbGFpbSI6InNkay10ZXN0IiwiZXF1YWxzIjoidHJ1ZSJ9XX1dfQ";
  EXPECT_EQ(r.body["release_policy"], json({{"contentType", "application/json; charset=utf-8"},
                                            {"data", expected_data},
                                            {"immutable", true}}));
  EXPECT_NE(r.raw.find(R"("release_policy":{"contentType")"), std::string::npos);
  EXPECT_EQ(send(verb::get, "/keys/rk").body["release_policy"], r.body["release_policy"]);

  const auto immutable =
      send(verb::patch, "/keys/rk",
           {{"attributes", json::object()}, {"release_policy", release_policy(true, "false")}});
  EXPECT_EQ(immutable.status, 400u);
  EXPECT_EQ(
      immutable.raw,
      R"({"error":{"code":"BadParameter","message":"AKV.SKR.1020: Immutable Key Release Policy cannot be modified."}})");
  EXPECT_EQ(immutable.raw.size(), 108u);

  const auto no_policy = send(verb::post, "/keys/np/create",
                              {{"kty", "RSA-HSM"}, {"attributes", {{"exportable", true}}}});
  EXPECT_EQ(
      no_policy.raw,
      R"({"error":{"code":"BadParameter","message":"AKV.SKR.1004: Exportable keys must have release policy."}})");
  EXPECT_EQ(no_policy.raw.size(), 101u);
  const auto not_exportable = send(verb::post, "/keys/ne/create",
                                   {{"kty", "EC-HSM"}, {"release_policy", release_policy(false)}});
  EXPECT_EQ(not_exportable.raw.size(), 109u) << not_exportable.raw;
  EXPECT_NE(not_exportable.raw.find("AKV.SKR.1005"), std::string::npos);
  const auto software = send(verb::post, "/keys/sw/create",
                             {{"kty", "RSA"},
                              {"attributes", {{"exportable", true}}},
                              {"release_policy", release_policy(false)}});
  EXPECT_NE(software.raw.find("AKV.SKR.1006"), std::string::npos) << software.raw;
  json bad = create;
  bad["release_policy"]["data"] = core::base64url_encode("not json");
  EXPECT_EQ(send(verb::post, "/keys/bad/create", bad).status, 400u);
  EXPECT_EQ(send(verb::patch, "/keys/rk", {{"attributes", {{"exportable", false}}}}).status, 400u);
  EXPECT_TRUE(send(verb::get, "/keys/rk").body["attributes"]["exportable"]);
}

// AKV.SKR.1001: exportable needs a Premium vault and api-version 7.3 or later.
TEST_F(RecordedTest, ExportableNeedsApi73) {
  premium();
  const auto r = send(verb::post, "/keys/rk/create",
                      {{"kty", "RSA-HSM"},
                       {"attributes", {{"exportable", true}}},
                       {"release_policy", release_policy(false)}},
                      "?api-version=7.2");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.raw.find("AKV.SKR.1001"), std::string::npos) << r.raw;
}

// §2 [R] vs the docs: encrypt, wrapKey and verify on a disabled key follow the flag; decrypt,
// sign and unwrapKey always answer 403 KeyDisabled.
TEST_F(RecordedTest, DisabledKeyPublicOperationsFollowTheFlag) {
  for (const bool allow : {false, true}) {
    SCOPED_TRACE(allow);
    kv_ = make(allow);
    const std::string name = allow ? "a" : "r";
    ASSERT_EQ(send(verb::post, "/keys/" + name + "/create",
                   {{"kty", "RSA"}, {"attributes", {{"enabled", false}}}})
                  .status,
              200u);
    EXPECT_EQ(send(verb::get, "/keys/" + name).status, 200u);  // N:KC/UpdateEnabled.json
    const json body = {{"alg", "RSA-OAEP"}, {"value", core::base64url_encode("hello")}};
    EXPECT_EQ(send(verb::post, "/keys/" + name + "//encrypt", body).status, allow ? 200u : 403u);
    const auto decrypt = send(verb::post, "/keys/" + name + "//decrypt", body);
    EXPECT_EQ(decrypt.status, 403u);
    EXPECT_EQ(decrypt.body["error"]["message"],
              "Operation decrypt is not allowed on a disabled key.");
    EXPECT_EQ(decrypt.body["error"]["innererror"]["code"], "KeyDisabled");
  }
}

// §7 (N:CC/WrapUnwrapRoundTrip(RSA-OAEP).json, C:K.RemoteSignVerifyES256.json, K.BackupKey.json)
TEST_F(RecordedTest, CryptographyAndBackupShapes) {
  const auto rsa = send(verb::post, "/keys/r/create", {{"kty", "RSA"}});
  const std::string kid = rsa.body["key"]["kid"];
  const auto wrapped =
      send(verb::post, "/keys/r//wrapkey",
           {{"alg", "RSA-OAEP"}, {"value", core::base64url_encode(std::string(32, 'k'))}});
  ASSERT_EQ(wrapped.status, 200u);
  EXPECT_EQ(wrapped.raw, R"({"kid":")" + kid + R"(","value":")" +
                             wrapped.body["value"].get<std::string>() + R"("})");
  EXPECT_EQ(wrapped.body["value"].get<std::string>().size(), 342u);
  const auto ec = send(verb::post, "/keys/e/create", {{"kty", "EC"}});
  const std::string digest = core::base64url_encode(std::string(32, 'd'));
  const auto sig = send(verb::post, "/keys/e//sign", {{"alg", "ES256"}, {"value", digest}});
  ASSERT_EQ(sig.status, 200u);
  EXPECT_EQ(sig.body["value"].get<std::string>().size(), 86u);
  const auto verified = send(verb::post, "/keys/e//verify",
                             {{"alg", "ES256"}, {"digest", digest}, {"value", sig.body["value"]}});
  EXPECT_EQ(verified.raw, R"({"value":true})");
  const auto backup = send(verb::post, "/keys/e/backup");
  ASSERT_EQ(backup.status, 200u);
  const auto blob = core::base64url_decode(backup.body["value"].get<std::string>());
  ASSERT_TRUE(blob);
  EXPECT_TRUE(blob->starts_with("&AzureKeyVaultKeyBackupV1.microsoft.com"));
  // §3 (C:K.BackupKey.json): restore after purge gives back the original kid and version.
  ASSERT_EQ(send(verb::delete_, "/keys/e").status, 200u);
  real_ms_ += 60'000;
  ASSERT_EQ(send(verb::delete_, "/deletedkeys/e").status, 204u);
  const auto restored = send(verb::post, "/keys/restore", {{"value", backup.body["value"]}});
  ASSERT_EQ(restored.status, 200u) << restored.raw;
  EXPECT_EQ(restored.body["key"]["kid"], ec.body["key"]["kid"]);
  // The JS SDK's recording of a restore onto a name in use: 409 Conflict, the kid quoted.
  const auto conflict = send(verb::post, "/keys/restore", {{"value", backup.body["value"]}});
  EXPECT_EQ(conflict.status, 409u);
  const std::string message = conflict.body["error"]["message"];
  EXPECT_EQ(message.find("There was a conflict restoring the key '" +
                         ec.body["key"]["kid"].get<std::string>() + "'. This can happen if either"),
            0u)
      << message;
  EXPECT_TRUE(message.ends_with("perform operations against a key in a sequential manner."));
  EXPECT_FALSE(conflict.body["error"].contains("innererror"));
}

// §8: /keys items unversioned, /versions versioned, /deletedkeys items in the recorded order.
TEST_F(RecordedTest, ListItemShapes) {
  ASSERT_EQ(
      send(verb::post, "/keys/k/create", {{"kty", "EC"}, {"tags", {{"one", "value=1"}}}}).status,
      200u);
  const auto keys = send(verb::get, "/keys");
  EXPECT_EQ(keys.body["value"][0]["kid"], "https://myvault.vault.azure.net/keys/k");
  EXPECT_EQ(keys.body["value"][0]["tags"], json({{"one", "value=1"}}));
  EXPECT_TRUE(keys.body["nextLink"].is_null());
  const auto versions = send(verb::get, "/keys/k/versions");
  EXPECT_EQ(versions.body["value"][0]["kid"].get<std::string>().size(),
            std::string("https://myvault.vault.azure.net/keys/k/").size() + 32);
  ASSERT_EQ(send(verb::delete_, "/keys/k").status, 200u);
  real_ms_ += 60'000;
  const auto deleted = send(verb::get, "/deletedkeys");
  ASSERT_EQ(deleted.body["value"].size(), 1u);
  EXPECT_EQ(
      deleted.raw.find(
          R"({"value":[{"recoveryId":"https://myvault.vault.azure.net/deletedkeys/k","deletedDate":)"),
      0u)
      << deleted.raw;
  EXPECT_NE(deleted.raw.find(R"("kid":"https://myvault.vault.azure.net/keys/k","attributes":)"),
            std::string::npos);
}

}  // namespace
}  // namespace kmslab::keyvault
