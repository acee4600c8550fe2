#include "plugin/keyvault/keyvault_client.hpp"

#include <nlohmann/json.hpp>

#include "emulator/core/base64url.hpp"
#include "plugin/keyvault/autorest_error.hpp"

namespace kmslab::plugin {
namespace {

constexpr const char* kClient = "keyvault.BaseClient";

// One parse of the answer body per call (encrypt reads two fields from it).
nlohmann::json result_body(const core::client::Response& r) {
  return nlohmann::json::parse(r.body, nullptr, false);
}

std::string result_field(const nlohmann::json& j, const core::client::Response& r,
                         const std::string& method, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
    throw KeyVaultError(std::string(kClient) + "#" + method +
                        ": Failure responding to request: StatusCode=" + std::to_string(r.status) +
                        " -- Original Error: the response has no \"" + key + "\"");
  }
  return j[key].get<std::string>();
}

}  // namespace

KeyVaultClient::KeyVaultClient(KeyVaultTarget target, TokenSource& tokens,
                               core::client::HttpClient& http)
    : target_(std::move(target)), tokens_(tokens), http_(http) {}

core::client::Response KeyVaultClient::call(const std::string& op, const std::string& method,
                                            const std::string& body,
                                            core::client::Deadline deadline) {
  core::client::Request req{"POST",
                            target_.request_base + "keys/" + target_.key_name + "/" +
                                target_.key_version + "/" + op + "?api-version=" + kApiVersion,
                            {{"Content-Type", "application/json; charset=utf-8"}},
                            body,
                            deadline};
  if (target_.proxy_mode) req.headers.emplace_back("x-azure-proxy-target", "KeyVault");
  for (int refreshed = 0;; ++refreshed) {
    std::string token;
    try {
      token = tokens_.token(deadline);
    } catch (const AuthError& e) {
      // go-autorest: BearerAuthorizer's DetailedError inside the client's "Failure preparing".
      throw KeyVaultError(std::string(kClient) + "#" + method +
                          ": Failure preparing request: StatusCode=0 -- Original Error: "
                          "azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token "
                          "for request to " +
                          req.url + ": StatusCode=" + std::to_string(e.status) +
                          " -- Original Error: " + e.what());
    }
    auto attempt = req;
    attempt.headers.emplace_back("Authorization", "Bearer " + token);
    core::client::Response r;
    try {
      r = http_.send(attempt);
    } catch (const core::client::TransportError& e) {
      throw KeyVaultError(autorest_sending_error(kClient, method, e.what()));
    }
    if (r.status == 401 && refreshed == 0) {
      tokens_.invalidate();
      continue;
    }
    if (r.status != 200)
      throw KeyVaultError(autorest_response_error(kClient, method, r.status, r.body));
    return r;
  }
}

EncryptResult parse_encrypt_response(const core::client::Response& r) {
  EncryptResult out;
  const auto j = result_body(r);
  out.ciphertext = result_field(j, r, "Encrypt", "value");
  out.kid = result_field(j, r, "Encrypt", "kid");
  out.date = r.header("date");
  out.request_id = r.header("x-ms-request-id");
  out.region = r.header("x-ms-keyvault-region");
  return out;
}

std::string parse_decrypt_response(const core::client::Response& r) {
  auto plain = core::base64url_decode(result_field(result_body(r), r, "Decrypt", "value"));
  if (!plain) throw KeyVaultError("failed to base64 decode result, error: illegal base64 data");
  return *plain;
}

EncryptResult KeyVaultClient::encrypt(const std::string& plaintext, const std::string& algorithm,
                                      core::client::Deadline deadline) {
  const nlohmann::json body = {{"alg", algorithm}, {"value", core::base64url_encode(plaintext)}};
  return parse_encrypt_response(call("encrypt", "Encrypt", body.dump(), deadline));
}

std::string KeyVaultClient::decrypt(const std::string& ciphertext, const std::string& algorithm,
                                    core::client::Deadline deadline) {
  const nlohmann::json body = {{"alg", algorithm}, {"value", ciphertext}};
  return parse_decrypt_response(
      call("decrypt", "Decrypt",
           body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), deadline));
}

}  // namespace kmslab::plugin
