#pragma once
// Access tokens for the vault, in upstream's precedence (pkg/auth/auth.go, reference §7.2):
// managed identity through IMDS (user-assigned by userAssignedIdentityID), then client secret
// (adal: v1 token endpoint with "resource"), else "no credentials provided for accessing
// keyvault". Tokens are cached and refreshed 5 minutes before they expire, as adal does.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "emulator/core/client/http_client.hpp"
#include "plugin/auth/azure_config.hpp"
#include "plugin/keyvault/cloud.hpp"

namespace kmslab::plugin {

/// A token request that failed, worded for the operator (never containing a secret or token).
/// Token refresh failures are worded as adal's (TokenRefreshError), with the HTTP status of the
/// token endpoint's answer (0 when there was none), which go-autorest reports beside them.
class AuthError : public std::runtime_error {
 public:
  explicit AuthError(const std::string& what, unsigned http_status = 0)
      : std::runtime_error(what), status(http_status) {}
  unsigned status;
};

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  /// A valid token (cached, or fetched within `deadline`). Throws AuthError.
  std::string token(core::client::Deadline deadline);
  /// Drops the cached token (after a 401 from the vault).
  void invalidate();
  virtual std::string describe() const = 0;

 protected:
  TokenSource(core::client::HttpClient& http, const core::Clock& clock)
      : http_(http), clock_(clock) {}
  /// One token request; returns the response body.
  virtual core::client::Request request() const = 0;
  core::client::HttpClient& http_;

 private:
  const core::Clock& clock_;
  std::mutex mu_;
  std::string token_;
  int64_t expires_on_ = 0;
};

struct ParsedToken {
  std::string access_token;
  int64_t expires_on = 0;  // unix seconds
};

/// adal's reading of a token endpoint's answer (behind TokenSource::token, fuzzed on its own):
/// a non-200 or a body without a string access_token throws AuthError in adal's words; a missing
/// expires_on is now + expires_in.
ParsedToken parse_token_response(const core::client::Response& r, const std::string& url,
                                 int64_t now_unix);

struct AuthEndpoints {
  std::string imds = "http://169.254.169.254";  // ours: --imds-endpoint
  std::string active_directory;                 // the cloud's, or the proxy's in proxy mode
  bool proxy_mode = false;                      // adds x-azure-proxy-target
};

std::unique_ptr<TokenSource> make_token_source(const AzureConfig& config,
                                               const std::string& resource,
                                               const AuthEndpoints& endpoints,
                                               core::client::HttpClient& http,
                                               const core::Clock& clock);

}  // namespace kmslab::plugin
