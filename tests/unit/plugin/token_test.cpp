// Token caching and refresh (adal's 5-minute window), and the Key Vault client's one refresh on a
// 401, against the project's HTTP server in process (plain HTTP, as IMDS is).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <thread>

#include "emulator/core/server.hpp"
#include "plugin/auth/token_source.hpp"
#include "plugin/keyvault/keyvault_client.hpp"

namespace kmslab::plugin {
namespace {

namespace http = core::http;

// IMDS and a vault in one: token requests get a token that expires `lifetime` from the clock's
// now; vault requests get the scripted statuses, then 200 with a kid.
class FakeAzure final : public core::RequestSink {
 public:
  explicit FakeAzure(const core::Clock& clock) : clock_(clock) {}
  core::HttpResponse handle(core::HttpRequest&& req, const core::ConnectionInfo&) override {
    std::lock_guard lock(mu_);
    core::HttpResponse res{http::status::ok, req.version()};
    const std::string target(req.target());
    if (target.starts_with("/metadata/identity/oauth2/token")) {
      ++token_requests;
      last_token_target = target;
      metadata_header = std::string(req["Metadata"]);
      res.body() = nlohmann::json{
          {"access_token", "tok" + std::to_string(token_requests)},
          {"expires_on", std::to_string(clock_.now_unix_seconds() + 3600)},
          {"token_type",
           "Bearer"}}.dump();
    } else {
      authorizations.push_back(std::string(req[http::field::authorization]));
      if (!vault_script.empty()) {
        res.result(vault_script.front());
        vault_script.pop_front();
        res.body() =
            R"({"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}})";
      } else {
        res.body() = R"({"kid":"https://v.vault.azure.net/keys/k/1","value":"Y2lwaGVy"})";
      }
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }
  core::HttpResponse reject(const core::ApiError&, unsigned v,
                            const core::ConnectionInfo&) override {
    return core::HttpResponse{http::status::bad_request, v};
  }

  std::mutex mu_;
  int token_requests = 0;
  std::string last_token_target, metadata_header;
  std::vector<std::string> authorizations;
  std::deque<unsigned> vault_script;

 private:
  const core::Clock& clock_;
};

class TokenTest : public ::testing::Test {
 protected:
  TokenTest() : server_(ioc_, azure_, nullptr, {}, metrics_) {
    port_ = server_.listen("127.0.0.1", 0, core::HttpServer::Kind::kHttp);
    thread_ = std::thread([this] { ioc_.run(); });
    base_ = "http://127.0.0.1:" + std::to_string(port_);
    core::client::ClientOptions options;
    http_ = std::make_unique<core::client::HttpClient>(options, clock_, rng_, [](auto) {});
    AzureConfig config;
    config.use_managed_identity_extension = true;
    config.user_assigned_identity_id = "client-id-1";
    tokens_ =
        make_token_source(config, "https://vault.azure.net", {base_, "", false}, *http_, clock_);
  }
  ~TokenTest() override {
    server_.shutdown();
    ioc_.stop();
    thread_.join();
  }
  core::client::Deadline soon() const {
    return std::chrono::steady_clock::now() + std::chrono::seconds(20);
  }

  core::VirtualClock clock_{core::VirtualClock::Mode::kManual,
                            std::chrono::system_clock::from_time_t(1'800'000'000)};
  core::SeededRng rng_{3};
  boost::asio::io_context ioc_;
  FakeAzure azure_{clock_};
  core::MetricsRegistry metrics_;
  core::HttpServer server_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string base_;
  std::unique_ptr<core::client::HttpClient> http_;
  std::unique_ptr<TokenSource> tokens_;
};

TEST_F(TokenTest, ImdsRequestShapeAndCaching) {
  EXPECT_EQ(tokens_->token(soon()), "tok1");
  EXPECT_EQ(azure_.last_token_target,
            "/metadata/identity/oauth2/"
            "token?api-version=2018-02-01&client_id=client-id-1"
            "&resource=https%3A%2F%2Fvault.azure.net");
  EXPECT_EQ(azure_.metadata_header, "true");
  EXPECT_EQ(tokens_->token(soon()), "tok1");
  clock_.advance(std::chrono::minutes(54));  // 6 minutes left: still outside the refresh window
  EXPECT_EQ(tokens_->token(soon()), "tok1");
  clock_.advance(std::chrono::minutes(2));  // 4 minutes left: refreshed before it expires
  EXPECT_EQ(tokens_->token(soon()), "tok2");
  EXPECT_EQ(azure_.token_requests, 2);
}

TEST_F(TokenTest, VaultRefusal401RefreshesOnceAndRetries) {
  KeyVaultClient vault({base_ + "/", "k", "1", base_ + "/", false}, *tokens_, *http_);
  azure_.vault_script = {401};
  const auto r = vault.encrypt("dek", "RSA-OAEP-256", soon());
  EXPECT_EQ(r.ciphertext, "Y2lwaGVy");
  ASSERT_EQ(azure_.authorizations.size(), 2u);
  EXPECT_EQ(azure_.authorizations[0], "Bearer tok1");
  EXPECT_EQ(azure_.authorizations[1], "Bearer tok2");
  // A second 401 in a row is final, with go-autorest's text.
  azure_.vault_script = {401, 401};
  try {
    vault.encrypt("dek", "RSA-OAEP-256", soon());
    FAIL();
  } catch (const KeyVaultError& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind("keyvault.BaseClient#Encrypt: Failure responding to request: "
                                    "StatusCode=401 -- Original Error: autorest/azure: Service "
                                    "returned an error. Status=401 Code=\"Unauthorized\"",
                                    0),
        0u)
        << e.what();
  }
}

TEST(TokenSourceChoice, UpstreamPrecedenceAndNoCredentials) {
  core::VirtualClock clock(core::VirtualClock::Mode::kManual);
  core::SeededRng rng(1);
  core::client::HttpClient http({}, clock, rng, [](auto) {});
  AzureConfig c;
  c.client_id = "id";
  c.client_secret = "secret";
  c.use_managed_identity_extension = true;
  EXPECT_EQ(make_token_source(c, "r", {}, http, clock)->describe(),
            "system-assigned managed identity");
  c.use_managed_identity_extension = false;
  EXPECT_EQ(make_token_source(c, "r", {}, http, clock)->describe(), "client secret");
  c.client_secret.clear();
  try {
    make_token_source(c, "r", {}, http, clock);
    FAIL();
  } catch (const AuthError& e) {
    EXPECT_STREQ(e.what(), "no credentials provided for accessing keyvault");
  }
}

}  // namespace
}  // namespace kmslab::plugin
