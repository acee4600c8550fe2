#pragma once
// IMDS and a vault in one process, on the project's HTTP server (plain HTTP, as IMDS is), for the
// plugin's unit tests: token requests get a token that expires an hour from the clock's now;
// vault requests get the scripted statuses (with a 401 body), then `vault_answer`'s reply, or by
// default 200 with a kid.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "emulator/core/server.hpp"
#include "plugin/auth/token_source.hpp"
#include "plugin/keyvault/keyvault_client.hpp"

namespace kmslab::plugin {

class FakeAzure final : public core::RequestSink {
 public:
  /// A vault's answer to one encrypt or decrypt: `target` is the URL's path and query, `request`
  /// the JSON body ({"alg","value"}). Returns the status and sets the body.
  using VaultAnswer = std::function<unsigned(const std::string& target,
                                             const nlohmann::json& request, std::string& body)>;

  explicit FakeAzure(const core::Clock& clock) : clock_(clock) {}
  core::HttpResponse handle(core::HttpRequest&& req, const core::ConnectionInfo&) override {
    namespace http = core::http;
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
      } else if (vault_answer) {
        res.result(
            vault_answer(target, nlohmann::json::parse(req.body(), nullptr, false), res.body()));
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
    return core::HttpResponse{core::http::status::bad_request, v};
  }

  std::mutex mu_;
  int token_requests = 0;
  std::string last_token_target, metadata_header;
  std::vector<std::string> authorizations;
  std::deque<unsigned> vault_script;
  VaultAnswer vault_answer;

 private:
  const core::Clock& clock_;
};

/// The fake on a loopback port (0: any free one), an HTTP client and a user-assigned managed
/// identity's token source pointed at it.
class FakeAzureTest : public ::testing::Test {
 protected:
  FakeAzureTest() : server_(ioc_, azure_, nullptr, {}, metrics_) {
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
  ~FakeAzureTest() override {
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

}  // namespace kmslab::plugin
