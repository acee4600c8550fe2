#include "emulator/identity/signing_key.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <vector>

#include "emulator/core/base64url.hpp"
#include "emulator/core/tls/openssl.hpp"

namespace kmslab::identity {

namespace {

using core::tls::BignumPtr;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, core::tls::OpenSslDeleter<EVP_MD_CTX_free>>;

std::shared_ptr<EVP_PKEY> share(core::tls::EvpPkeyPtr key) {
  return {key.release(), [](EVP_PKEY* p) { EVP_PKEY_free(p); }};
}

std::string public_key_der(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) throw core::tls::openssl_error("i2d_PUBKEY");
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string make_kid(EVP_PKEY* key) {
  const std::string der = public_key_der(key);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(der.data()), der.size(), digest);
  return core::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// A big-endian unsigned integer parameter of the key, base64url-encoded as JWK wants it.
std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) throw core::tls::openssl_error(name);
  BignumPtr bn(raw);
  std::vector<unsigned char> bytes(static_cast<size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), bytes.data());
  return core::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool is_rsa_2048(EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "RSA") == 1 && EVP_PKEY_get_bits(key) == 2048;
}

}  // namespace

SigningKey::SigningKey(std::shared_ptr<EVP_PKEY> key)
    : key_(std::move(key)), kid_(make_kid(key_.get())) {}

SigningKey SigningKey::generate() {
  core::tls::EvpPkeyPtr key(EVP_RSA_gen(2048));
  if (!key) throw core::tls::openssl_error("EVP_RSA_gen");
  return SigningKey(share(std::move(key)));
}

std::optional<SigningKey> SigningKey::from_record(std::string_view record) {
  const auto j = nlohmann::json::parse(record, nullptr, false);
  if (!j.is_object() || !j.contains("pkcs8_pem") || !j["pkcs8_pem"].is_string()) {
    return std::nullopt;
  }
  auto key = core::tls::parse_key_pem(j["pkcs8_pem"].get<std::string>());
  if (!key || !is_rsa_2048(key.get())) return std::nullopt;
  return SigningKey(share(std::move(key)));
}

std::string SigningKey::to_record() const {
  // kid is derived from the key; it is stored only so the record is readable by a human.
  return nlohmann::json{{"kid", kid_}, {"pkcs8_pem", core::tls::to_pem(key_.get())}}.dump();
}

SigningKey SigningKey::load_or_create(store::Store& store) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (auto kv = store.get(kStoreKey)) {
      auto key = from_record(kv->value);
      if (!key) throw std::runtime_error(std::string("corrupt token-signing key at ") + kStoreKey);
      return *key;
    }
    SigningKey fresh = generate();
    // Write only if still absent: a concurrent creator's key must not be overwritten, or tokens
    // it already signed would stop verifying.
    store::Txn txn{{store::Compare::create_revision(kStoreKey, store::Compare::Op::kEqual, 0)},
                   {store::Op::put(kStoreKey, fresh.to_record())},
                   {}};
    if (store.txn(txn).succeeded) return fresh;
  }
  throw std::runtime_error(std::string("cannot create the token-signing key at ") + kStoreKey);
}

nlohmann::json SigningKey::jwk() const {
  return {{"kty", "RSA"},
          {"use", "sig"},
          {"kid", kid_},
          {"n", bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N)},
          {"e", bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E)}};
}

nlohmann::json SigningKey::jwks() const {
  return {{"keys", nlohmann::json::array({jwk()})}};
}

std::string SigningKey::sign_rs256(std::string_view data) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    throw core::tls::openssl_error("RS256 sign");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw core::tls::openssl_error("RS256 sign");
  }
  sig.resize(len);
  return sig;
}

bool SigningKey::verify_rs256(std::string_view data, std::string_view signature) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) == 1;
  // A failed verification leaves errors queued; drop them so they do not surface elsewhere.
  if (!ok) core::tls::drain_openssl_errors();
  return ok;
}

}  // namespace kmslab::identity
