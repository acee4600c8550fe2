// What the plugin makes of a vault that answers oddly, against the fake in process: a 200 without
// "value" or "kid", an Encrypt whose kid is another key's (upstream's words, pkg/plugin/
// keyvault.go), and /healthz when Status passes but the probe's own round trips fail
// (pkg/plugin/healthz.go: 500 with the error's text, or "plain text mismatch ...").
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "emulator/core/base64url.hpp"
#include "plugin/grpc/services.hpp"
#include "plugin/health/healthz.hpp"
#include "plugin/keyvault/key_id.hpp"
#include "tests/unit/plugin/fake_azure.hpp"

namespace kmslab::plugin {
namespace {

constexpr const char* kForbidden =
    R"({"error":{"code":"Forbidden","message":"Operation \"encrypt\" is not allowed","innererror":{"code":"KeyExpired"}}})";

class VaultAnswerTest : public FakeAzureTest {
 protected:
  VaultAnswerTest()
      : vault_({base_ + "/", "k", "1", base_ + "/", false}, *tokens_, *http_),
        kms_(vault_, "v0.0.0-test") {}
  std::string kid() const { return base_ + "/keys/k/1"; }
  /// Answers every vault call with `status` and `body`.
  void answer(unsigned status, std::string body) {
    azure_.vault_answer = [status, body](const std::string&, const nlohmann::json&,
                                         std::string& out) {
      out = body;
      return status;
    };
  }

  KeyVaultClient vault_;
  KmsContract kms_;
};

TEST_F(VaultAnswerTest, Encrypt200WithoutValueOrKid) {
  KmsError e;
  answer(200, R"({"value":"Y2lwaGVy"})");
  EXPECT_EQ(kms_.v2_encrypt("dek", soon(), e).ciphertext, "");
  EXPECT_EQ(e.message,
            "failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure responding to request: "
            "StatusCode=200 -- Original Error: the response has no \"kid\"");
  e = {};
  answer(200, nlohmann::json{{"kid", kid()}}.dump());
  EXPECT_EQ(kms_.v1_encrypt("dek", soon(), e), "");
  EXPECT_EQ(e.message,
            "failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure responding to request: "
            "StatusCode=200 -- Original Error: the response has no \"value\"");
  for (const char* body : {"not json", "[]", R"({"kid":7,"value":"Y2lwaGVy"})"}) {
    e = {};
    answer(200, body);
    kms_.v1_encrypt("dek", soon(), e);
    EXPECT_TRUE(
        e.message.starts_with("failed to encrypt, error: keyvault.BaseClient#Encrypt: "
                              "Failure responding to request: StatusCode=200"))
        << body << ": " << e.message;
  }
}

TEST_F(VaultAnswerTest, Decrypt200WithoutValueOrWithBadBase64) {
  KmsError e;
  answer(200, nlohmann::json{{"kid", kid()}}.dump());
  EXPECT_EQ(kms_.v1_decrypt("Y2lwaGVy", soon(), e), "");
  EXPECT_EQ(e.message,
            "failed to decrypt, error: keyvault.BaseClient#Decrypt: Failure responding to request: "
            "StatusCode=200 -- Original Error: the response has no \"value\"");
  e = {};
  answer(200, R"({"value":"not base64!"})");
  EXPECT_EQ(kms_.v1_decrypt("Y2lwaGVy", soon(), e), "");
  EXPECT_EQ(e.message,
            "failed to decrypt, error: failed to base64 decode result, error: illegal "
            "base64 data");
}

TEST_F(VaultAnswerTest, EncryptWithAnotherKeysKidIsRefused) {
  const std::string other = base_ + "/keys/k/2";
  answer(200, nlohmann::json{{"kid", other}, {"value", "Y2lwaGVy"}}.dump());
  const std::string expected =
      "key id initialized does not match with the key id from encryption result, expected: " +
      key_id_hash(base_ + "/", "k", "1") + ", got: " + other;
  KmsError e;
  EXPECT_EQ(kms_.v1_encrypt("dek", soon(), e), "");
  EXPECT_EQ(e.message, expected);
  e = {};
  const V2Encrypted v2 = kms_.v2_encrypt("dek", soon(), e);
  EXPECT_EQ(e.message, expected);
  EXPECT_EQ(v2.ciphertext, "");
  EXPECT_EQ(v2.key_id, "");
  // The right kid passes (the check compares, rather than refusing everything).
  e = {};
  answer(200, nlohmann::json{{"kid", kid()}, {"value", "Y2lwaGVy"}}.dump());
  EXPECT_EQ(kms_.v2_encrypt("dek", soon(), e).ciphertext, "Y2lwaGVy");
  EXPECT_EQ(e.message, "");
}

// The plugin's two services on an abstract socket, and the health check over it. The fake vault
// echoes (ciphertext = the base64url plaintext) unless `fail` says otherwise for a call.
class HealthProbeTest : public VaultAnswerTest {
 protected:
  struct Call {
    std::string op, alg;  // "encrypt" | "decrypt", "RSA1_5" | "RSA-OAEP-256"
    int nth;              // the how-manieth call of this op and alg (1-based)
  };
  /// Returns {status, body} for a call the test breaks, or status 0 to echo.
  using Fail = std::function<std::pair<unsigned, std::string>(const Call&)>;

  HealthProbeTest()
      : v1_(kms_, nullptr),
        v2_(kms_, nullptr),
        socket_{"kmslab-healthz-test-" + std::to_string(::getpid()), true} {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(socket_.grpc_target(), grpc::InsecureServerCredentials());
    builder.RegisterService(&v1_);
    builder.RegisterService(&v2_);
    grpc_ = builder.BuildAndStart();
    health_ = std::make_unique<HealthCheck>(socket_, kms_, std::chrono::seconds(20));
  }
  ~HealthProbeTest() override { grpc_->Shutdown(); }

  void vault(Fail fail) {
    azure_.vault_answer = [this, fail](const std::string& target, const nlohmann::json& request,
                                       std::string& out) -> unsigned {
      const std::string op = target.find("/encrypt?") != std::string::npos ? "encrypt" : "decrypt";
      const std::string alg = request.value("alg", "");
      const Call call{op, alg, ++calls_[op + " " + alg]};
      auto [status, body] = fail(call);
      if (status != 0) {
        out = body;
        return status;
      }
      const std::string value = request.value("value", "");
      out = (op == "encrypt" ? nlohmann::json{{"kid", kid()}, {"value", value}}
                             : nlohmann::json{{"value", value}})
                .dump();
      return 200;
    };
  }
  static std::pair<unsigned, std::string> echo() { return {0, ""}; }
  static std::pair<unsigned, std::string> plaintext(const std::string& text) {
    return {200, nlohmann::json{{"value", core::base64url_encode(text)}}.dump()};
  }
  static std::string autorest_403(const char* method) {
    return std::string("keyvault.BaseClient#") + method +
           ": Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: "
           "Service returned an error. Status=403 Code=\"Forbidden\" Message=\"Operation "
           "\\\"encrypt\\\" is not allowed\" InnerError={\"code\":\"KeyExpired\"}";
  }

  ServiceV1 v1_;
  ServiceV2 v2_;
  ListenAddress socket_;
  std::unique_ptr<grpc::Server> grpc_;
  std::unique_ptr<HealthCheck> health_;
  std::map<std::string, int> calls_;
};

TEST_F(HealthProbeTest, HealthyVaultIsOk) {
  vault([](const Call&) { return echo(); });
  const HealthResult r = health_->check();
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "ok");
  // Status's round trip (RSA-OAEP-256), then the probe's v1 and v2 round trips.
  EXPECT_EQ(calls_, (std::map<std::string, int>{{"decrypt RSA-OAEP-256", 2},
                                                {"decrypt RSA1_5", 1},
                                                {"encrypt RSA-OAEP-256", 2},
                                                {"encrypt RSA1_5", 1}}));
}

TEST_F(HealthProbeTest, ProbeEncryptOrDecryptFailsAfterStatusPassed) {
  struct Case {
    Fail fail;
    std::string body;
  };
  const std::vector<Case> cases = {
      {[](const Call& c) {
         return c.alg == "RSA1_5" && c.op == "encrypt" ? std::pair{403u, std::string(kForbidden)}
                                                       : echo();
       },
       "failed to encrypt, error: " + autorest_403("Encrypt")},
      {[](const Call& c) {
         return c.alg == "RSA1_5" && c.op == "decrypt" ? std::pair{403u, std::string(kForbidden)}
                                                       : echo();
       },
       "failed to decrypt, error: " + autorest_403("Decrypt")},
      {[](const Call& c) {
         return c.alg == "RSA1_5" && c.op == "decrypt" ? plaintext("other") : echo();
       },
       "plain text mismatch after decryption"},
      // Status made the first RSA-OAEP-256 round trip; the probe's is the second.
      {[](const Call& c) {
         return c.alg == "RSA-OAEP-256" && c.op == "encrypt" && c.nth == 2
                    ? std::pair{403u, std::string(kForbidden)}
                    : echo();
       },
       "failed to encrypt, error: " + autorest_403("Encrypt")},
      {[](const Call& c) {
         return c.alg == "RSA-OAEP-256" && c.op == "decrypt" && c.nth == 2
                    ? std::pair{403u, std::string(kForbidden)}
                    : echo();
       },
       "failed to decrypt, error: " + autorest_403("Decrypt")},
      {[](const Call& c) {
         return c.alg == "RSA-OAEP-256" && c.op == "decrypt" && c.nth == 2 ? plaintext("other")
                                                                           : echo();
       },
       "plain text mismatch after decryption with KMSv2"},
  };
  for (const Case& c : cases) {
    calls_.clear();
    vault(c.fail);
    const HealthResult r = health_->check();
    EXPECT_EQ(r.status, 500u) << c.body;
    EXPECT_EQ(r.body, c.body);
  }
}

TEST_F(HealthProbeTest, StatusFailureIs503) {
  vault([](const Call& c) {
    return c.op == "encrypt" ? std::pair{403u, std::string(kForbidden)} : echo();
  });
  const HealthResult r = health_->check();
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.body, "rpc error: code = Unknown desc = failed to encrypt, error: " +
                        autorest_403("Encrypt"));
}

// The 500 as HTTP: Go's http.Error (the text, a newline, nosniff).
TEST_F(HealthProbeTest, HealthServerAnswers500InGosForm) {
  vault([](const Call& c) {
    return c.alg == "RSA1_5" && c.op == "decrypt" ? plaintext("other") : echo();
  });
  core::MetricsRegistry metrics;
  HealthServer server(*health_, "/healthz", metrics);
  const auto [healthz, metrics_port] = server.start("127.0.0.1", 0, 0);
  core::client::Request req{"GET", "http://127.0.0.1:" + std::to_string(healthz) + "/healthz"};
  req.deadline = soon();
  core::client::ClientOptions once;
  once.retry.max_attempts = 1;  // a 500 is the answer under test, not one to retry
  const auto r = core::client::HttpClient(once, clock_, rng_, [](auto) {}).send(req);
  server.stop();
  EXPECT_EQ(r.status, 500u);
  EXPECT_EQ(r.body, "plain text mismatch after decryption\n");
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_NE(metrics_port, 0);
}

}  // namespace
}  // namespace kmslab::plugin
