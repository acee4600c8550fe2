#include "plugin/auth/token_source.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "emulator/core/client/url.hpp"
#include "emulator/core/rng.hpp"
#include "plugin/auth/client_certificate.hpp"

namespace kmslab::plugin {
namespace {

using core::client::Request;

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// adal.NewOAuthConfig: <AAD endpoint><tenant>/oauth2/token?api-version=1.0; a client assertion
// names this same URL as its aud (adal's SignJwt uses TokenEndpoint.String()).
std::string v1_token_url(const std::string& active_directory, const std::string& tenant) {
  return trim_slash(active_directory) + "/" + tenant + "/oauth2/token?api-version=1.0";
}

int64_t number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return 0;
  if (j[key].is_number_integer()) return j[key].get<int64_t>();
  if (j[key].is_string()) {
    try {
      return std::stoll(j[key].get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

class ImdsSource final : public TokenSource {
 public:
  ImdsSource(std::string endpoint, std::string resource, std::string client_id,
             core::client::HttpClient& http, const core::Clock& clock)
      : TokenSource(http, clock),
        endpoint_(trim_slash(std::move(endpoint))),
        resource_(std::move(resource)),
        client_id_(std::move(client_id)) {}
  std::string describe() const override {
    return client_id_.empty() ? "system-assigned managed identity"
                              : "user-assigned managed identity";
  }

 protected:
  Request request() const override {
    // adal's MSI request: url.Values.Encode, so the parameters in key order.
    std::string url = endpoint_ + "/metadata/identity/oauth2/token?api-version=2018-02-01";
    if (!client_id_.empty()) url += "&client_id=" + core::client::percent_encode(client_id_);
    url += "&resource=" + core::client::percent_encode(resource_);
    return {"GET", url, {{"Metadata", "true"}}, ""};
  }

 private:
  std::string endpoint_, resource_, client_id_;
};

class ClientSecretSource final : public TokenSource {
 public:
  ClientSecretSource(const AzureConfig& c, std::string resource, const AuthEndpoints& e,
                     core::client::HttpClient& http, const core::Clock& clock)
      : TokenSource(http, clock),
        url_(v1_token_url(e.active_directory, c.tenant_id)),
        body_(
            "grant_type=client_credentials&client_id=" + core::client::percent_encode(c.client_id) +
            "&client_secret=" + core::client::percent_encode(c.client_secret) +
            "&resource=" + core::client::percent_encode(resource)),
        proxy_mode_(e.proxy_mode) {}
  std::string describe() const override { return "client secret"; }

 protected:
  Request request() const override {
    Request r{"POST", url_, {{"Content-Type", "application/x-www-form-urlencoded"}}, body_};
    if (proxy_mode_) r.headers.emplace_back("x-azure-proxy-target", "AzureActiveDirectory");
    return r;
  }

 private:
  std::string url_, body_;
  bool proxy_mode_;
};

// adal's ServicePrincipalCertificateSecret: a fresh client assertion for every token request.
class ClientCertificateSource final : public TokenSource {
 public:
  ClientCertificateSource(const AzureConfig& c, std::string resource, const AuthEndpoints& e,
                          core::client::HttpClient& http, const core::Clock& clock)
      : TokenSource(http, clock),
        clock_(clock),
        cert_(load_pkcs12(c.client_cert_path, c.client_cert_password)),
        client_id_(c.client_id),
        url_(v1_token_url(e.active_directory, c.tenant_id)),
        resource_(std::move(resource)),
        proxy_mode_(e.proxy_mode) {}
  std::string describe() const override { return "client certificate"; }

 protected:
  Request request() const override {
    const std::string body =
        "grant_type=client_credentials&client_id=" + core::client::percent_encode(client_id_) +
        "&resource=" + core::client::percent_encode(resource_) + "&client_assertion_type=" +
        core::client::percent_encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
        "&client_assertion=" +
        core::client::percent_encode(
            client_assertion(cert_, client_id_, url_, clock_.now_unix_seconds(), jti()));
    Request r{"POST", url_, {{"Content-Type", "application/x-www-form-urlencoded"}}, body};
    if (proxy_mode_) r.headers.emplace_back("x-azure-proxy-target", "AzureActiveDirectory");
    return r;
  }

 private:
  std::string jti() const { return rng_.uuid(); }  // adal: a random UUID
  mutable core::SystemRng rng_;
  const core::Clock& clock_;
  ClientCertificate cert_;
  std::string client_id_, url_, resource_;
  bool proxy_mode_;
};

}  // namespace

std::string TokenSource::token(core::client::Deadline deadline) {
  std::lock_guard lock(mu_);
  constexpr int64_t kRefreshMargin = 300;  // adal's default refresh window
  if (!token_.empty() && clock_.now_unix_seconds() + kRefreshMargin < expires_on_) return token_;
  Request req = request();
  req.deadline = deadline;
  core::client::Response r;
  try {
    r = http_.send(req);
  } catch (const core::client::TransportError& e) {
    throw AuthError("adal: Failed to execute the refresh request. Error = '" +
                    std::string(e.what()) + "'");
  }
  auto parsed = parse_token_response(r, req.url, clock_.now_unix_seconds());
  token_ = std::move(parsed.access_token);
  expires_on_ = parsed.expires_on;
  return token_;
}

ParsedToken parse_token_response(const core::client::Response& r, const std::string& url,
                                 int64_t now_unix) {
  if (r.status != 200) {
    // adal's refreshInternal (go-autorest/autorest/adal v0.9.23, token.go).
    throw AuthError("adal: Refresh request failed. Status Code = '" + std::to_string(r.status) +
                        "'. Response body: " + r.body + " Endpoint " + url,
                    r.status);
  }
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string()) {
    throw AuthError(
        "adal: Failed to unmarshal the service principal token during refresh. "
        "Error = 'no access_token' JSON = '" +
        r.body.substr(0, 512) + "'");
  }
  ParsedToken out{j["access_token"].get<std::string>(), number(j, "expires_on")};
  // Bounded so that a hostile expires_in cannot overflow the sum (about 35,000 years).
  constexpr int64_t kMaxExpiresIn = int64_t{1} << 40;
  if (out.expires_on == 0)
    out.expires_on = now_unix + std::clamp<int64_t>(number(j, "expires_in"), 0, kMaxExpiresIn);
  return out;
}

void TokenSource::invalidate() {
  std::lock_guard lock(mu_);
  token_.clear();
  expires_on_ = 0;
}

std::unique_ptr<TokenSource> make_token_source(const AzureConfig& c, const std::string& resource,
                                               const AuthEndpoints& e,
                                               core::client::HttpClient& http,
                                               const core::Clock& clock) {
  if (c.use_managed_identity_extension) {
    return std::make_unique<ImdsSource>(e.imds, resource, c.user_assigned_identity_id, http, clock);
  }
  if (!c.client_secret.empty() && !c.client_id.empty()) {
    return std::make_unique<ClientSecretSource>(c, resource, e, http, clock);
  }
  if (!c.client_cert_path.empty() && !c.client_cert_password.empty()) {
    return std::make_unique<ClientCertificateSource>(c, resource, e, http, clock);
  }
  throw AuthError("no credentials provided for accessing keyvault");
}

}  // namespace kmslab::plugin
