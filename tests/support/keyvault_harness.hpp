#pragma once
// The Key Vault service over a store, with one vault ("myvault"), behind the real router and
// dispatcher, as the transport hands requests over. The log goes to a memory buffer so tests can
// see why a request failed; the clock is manual.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "emulator/core/dispatcher.hpp"
#include "emulator/keyvault/service.hpp"

namespace kmslab::testing {

struct KvResponse {
  unsigned status = 0;
  nlohmann::json body;
  std::string request_id;
  std::string raw;                             // the body as sent
  std::map<std::string, std::string> headers;  // lower-case names
  bool has(const std::string& name) const { return headers.count(name) != 0; }
};

class KeyVaultHarness {
 public:
  using Tune = std::function<void(keyvault::KeyVaultOptions&)>;
  explicit KeyVaultHarness(store::Store& store, const Tune& tune = {})
      : log_(open_memstream(&log_text_, &log_size_)), vaults_(store) {
    vaults_.put(keyvault::vault_from_flag("myvault", "t", "eastus"));
    keyvault::KeyVaultOptions options;
    options.default_tenant = "t";
    options.throttle.enabled = false;  // tests create more keys than a window allows
    if (tune) tune(options);
    service_ = std::make_unique<keyvault::KeyVaultService>(store, clock_, rng_, vaults_, options);
    const auto admin = router_.add_group("admin", {"*"});  // first: /_kmslab/ on every host
    service_->register_routes(router_);
    service_->register_admin_routes(router_, admin);
    dispatcher_ = std::make_unique<core::Dispatcher>(router_, clock_, rng_, logger_, metrics_);
    clock_.set_timer_error_handler([this](const std::string& what) {
      logger_.error("clock", "timer failed", {{"what", what}});
    });
  }
  ~KeyVaultHarness() {
    service_.reset();
    std::fclose(log_);
    std::free(log_text_);
  }

  /// `query` is appended to the path as given ("?api-version=7.4" when empty).
  KvResponse send(core::http::verb method, const std::string& path,
                  const nlohmann::json& body = nullptr, const std::string& query = {},
                  bool authorised = true) {
    core::HttpRequest req{method, path + (query.empty() ? "?api-version=7.4" : query), 11};
    req.set(core::http::field::host, host_);
    if (authorised) req.set(core::http::field::authorization, "Bearer " + bearer_);
    for (const auto& [name, value] : headers_) req.set(name, value);
    if (!body.is_null()) {
      req.set(core::http::field::content_type, "application/json");
      req.body() = body.dump();
    }
    req.prepare_payload();
    const core::ConnectionInfo conn{"127.0.0.1", 50000, 443, true, host_, ""};
    auto res = dispatcher_->handle(std::move(req), conn);
    KvResponse out{res.result_int(),
                   nlohmann::json::parse(res.body(), nullptr, false),
                   std::string(res["x-ms-request-id"]),
                   res.body(),
                   {}};
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    return out;
  }

  std::string log() {
    std::fflush(log_);
    return std::string(log_text_, log_size_);
  }
  core::VirtualClock& clock() { return clock_; }
  /// The Host (and TLS server name) of later requests; "myvault.vault.azure.net" at first.
  void set_host(std::string host) { host_ = std::move(host); }
  keyvault::VaultRegistry& vaults() { return vaults_; }
  /// The bearer token of later requests ("any" at first) and headers they all carry.
  void set_bearer(std::string token) { bearer_ = std::move(token); }
  void set_header(const std::string& name, std::string value) { headers_[name] = std::move(value); }

 private:
  std::string host_ = "myvault.vault.azure.net";
  std::string bearer_ = "any";
  std::map<std::string, std::string> headers_;
  char* log_text_ = nullptr;  // open_memstream's buffer, read through log()
  size_t log_size_ = 0;
  std::FILE* log_;
  core::VirtualClock clock_{core::VirtualClock::Mode::kManual,
                            *core::parse_rfc3339("2026-01-01T00:00:00Z")};
  core::SeededRng rng_{7};
  core::Logger logger_{log_, core::LogLevel::kError};
  core::MetricsRegistry metrics_;
  keyvault::VaultRegistry vaults_;
  core::Router router_;
  std::unique_ptr<keyvault::KeyVaultService> service_;
  std::unique_ptr<core::Dispatcher> dispatcher_;
};

}  // namespace kmslab::testing
