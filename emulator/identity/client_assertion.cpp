#include "emulator/identity/client_assertion.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>

#include "emulator/core/base64url.hpp"
#include "emulator/identity/jwt.hpp"

namespace kmslab::identity {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr read_pem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr,
                 X509_free);
}

AadError make(unsigned status, std::string error, int code, std::string message) {
  return {status, std::move(error), code, std::move(message)};
}

bool has_string(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string();
}

}  // namespace

std::optional<std::string> certificate_thumbprint(std::string_view pem) {
  const X509Ptr cert = read_pem(pem);
  if (!cert) return std::nullopt;
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) return std::nullopt;
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  if (len <= 0) return std::nullopt;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  return core::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::variant<std::string, AadError> check_assertion_claims(
    std::string_view assertion, std::string_view client_id,
    const std::vector<std::string>& audiences, int64_t now) {
  if (assertion.size() > jwt::kMaxTokenBytes) return aad_errors::malformed_assertion();
  const auto decoded = jwt::decode_unverified(assertion);
  if (!decoded || !decoded->header.is_object() || !decoded->claims.is_object()) {
    return aad_errors::malformed_assertion();
  }
  const auto& h = decoded->header;
  const auto& c = decoded->claims;
  if (!has_string(h, "x5t") || !has_string(h, "alg")) return aad_errors::malformed_assertion();
  if (h["alg"] != "RS256") return aad_errors::assertion_bad_signature();
  if (!has_string(c, "iss") || !has_string(c, "sub") || c["iss"] != client_id ||
      c["sub"] != client_id) {
    return aad_errors::assertion_client_mismatch();
  }
  const bool aud_ok =
      has_string(c, "aud") &&
      std::find(audiences.begin(), audiences.end(), c["aud"].get<std::string>()) != audiences.end();
  if (!aud_ok) return aad_errors::assertion_audience();
  if (!c.contains("exp") || !c["exp"].is_number_integer()) return aad_errors::malformed_assertion();
  const int64_t nbf =
      c.contains("nbf") && c["nbf"].is_number_integer() ? c["nbf"].get<int64_t>() : INT64_MIN;
  if (now >= c["exp"].get<int64_t>() || now < nbf) return aad_errors::assertion_expired();
  return h["x5t"].get<std::string>();
}

bool assertion_signed_by(std::string_view assertion, std::string_view certificate_pem) {
  const size_t dot = assertion.rfind('.');
  const X509Ptr cert = read_pem(certificate_pem);
  if (dot == std::string_view::npos || !cert) return false;
  const auto sig = core::base64url_decode(assertion.substr(dot + 1));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (!sig || !key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()),
                          sig->size(), reinterpret_cast<const unsigned char*>(assertion.data()),
                          dot) == 1;
}

namespace aad_errors {

AadError malformed_assertion() {
  return make(400, "invalid_client", 50027, "JWT token is invalid or malformed.");
}
AadError assertion_key_not_found(std::string_view x5t) {
  return make(401, "invalid_client", 700027,
              "The certificate with identifier used to sign the client assertion is not "
              "registered on application. [Reason - The key was not found., Thumbprint of key "
              "used by client: '" +
                  std::string(x5t) + "']");
}
AadError assertion_bad_signature() {
  return make(401, "invalid_client", 700027, "Client assertion failed signature validation.");
}
AadError assertion_expired() {
  return make(400, "invalid_client", 700024,
              "Client assertion is not within its valid time range.");
}
AadError assertion_audience() {
  return make(401, "invalid_client", 50012,
              "Client assertion audience claim does not match Realm issuer.");
}
AadError assertion_client_mismatch() {
  return make(400, "invalid_client", 700021,
              "Client assertion application identifier doesn't match 'client_id' parameter.");
}

}  // namespace aad_errors
}  // namespace kmslab::identity
