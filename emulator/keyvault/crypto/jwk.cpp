#include "emulator/keyvault/crypto/jwk.hpp"

#include <openssl/core_names.h>

#include <array>
#include <vector>

#include "emulator/core/base64url.hpp"
#include "emulator/keyvault/crypto/crypto_errors.hpp"

namespace kmslab::keyvault::crypto::jwk {
namespace {

using core::Result;
using nlohmann::json;

// The largest modulus a vault holds is 4096 bits; anything longer is refused before OpenSSL
// spends time checking it.
constexpr size_t kMaxRsaBytes = 512;

/// Decodes a required base64url member. `max_bytes` = 0 means no limit.
Result<std::string> member_bytes(const json& jwk, const char* name, size_t max_bytes) {
  auto it = jwk.find(name);
  if (it == jwk.end() || it->is_null()) return errors::jwk_member_required(name);
  if (!it->is_string()) return errors::jwk_member_not_base64url(name);
  std::optional<std::string> bytes = core::base64url_decode(it->get_ref<const std::string&>());
  if (!bytes) return errors::jwk_member_not_base64url(name);
  if (bytes->empty()) return errors::jwk_member_required(name);
  if (max_bytes != 0 && bytes->size() > max_bytes) {
    return errors::jwk_invalid("'" + std::string(name) + "' is too long for the key.");
  }
  return std::move(*bytes);
}

Result<ossl::PkeyPtr> from_params(const char* type, const OSSL_PARAM* params) {
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) ossl::fail("EVP_PKEY_fromdata_init");
  EVP_PKEY* raw = nullptr;
  // Rejects structurally impossible keys (e.g. an EC point off the curve).
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, const_cast<OSSL_PARAM*>(params)) != 1) {
    ossl::clear_errors();
    return errors::jwk_invalid(std::string("the members do not form a valid ") + type + " key.");
  }
  return ossl::PkeyPtr(raw);
}

/// Full key-pair check: the private half must produce the public half.
Result<ossl::PkeyPtr> checked(ossl::PkeyPtr key) {
  ossl::PkeyCtxPtr ctx = ossl::context_for(key.get());
  if (EVP_PKEY_check(ctx.get()) != 1) {
    ossl::clear_errors();
    return errors::jwk_key_mismatch();
  }
  return key;
}

ossl::ParamsPtr to_params(OSSL_PARAM_BLD* bld) {
  ossl::ParamsPtr params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) ossl::fail("OSSL_PARAM_BLD_to_param");
  return params;
}

}  // namespace

json rsa_public_members(const EVP_PKEY* key) {
  return {{"n", core::base64url_encode(
                    ossl::bn_to_bytes(ossl::bn_param(key, OSSL_PKEY_PARAM_RSA_N).get()))},
          {"e", core::base64url_encode(
                    ossl::bn_to_bytes(ossl::bn_param(key, OSSL_PKEY_PARAM_RSA_E).get()))}};
}

json ec_public_members(const EVP_PKEY* key, const Curve& curve) {
  auto coordinate = [&](const char* name) {
    return core::base64url_encode(
        ossl::bn_to_padded_bytes(ossl::bn_param(key, name).get(), curve.coordinate_bytes));
  };
  return {{"crv", curve.crv},
          {"x", coordinate(OSSL_PKEY_PARAM_EC_PUB_X)},
          {"y", coordinate(OSSL_PKEY_PARAM_EC_PUB_Y)}};
}

Result<ossl::PkeyPtr> rsa_from_jwk(const json& jwk) {
  // JWK member -> OpenSSL parameter, in the order RFC 7518 lists them.
  static constexpr std::array<std::pair<const char*, const char*>, 8> kMembers{{
      {"n", OSSL_PKEY_PARAM_RSA_N},
      {"e", OSSL_PKEY_PARAM_RSA_E},
      {"d", OSSL_PKEY_PARAM_RSA_D},
      {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
      {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
  }};
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) ossl::fail("OSSL_PARAM_BLD_new");
  std::vector<ossl::BnPtr> numbers;  // must outlive to_params()
  for (auto [member, param] : kMembers) {
    Result<std::string> bytes = member_bytes(jwk, member, kMaxRsaBytes);
    if (!bytes) return bytes.error();
    numbers.push_back(ossl::bn_from_bytes(*bytes));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), param, numbers.back().get()) != 1) {
      ossl::fail("OSSL_PARAM_BLD_push_BN");
    }
  }
  Result<ossl::PkeyPtr> key = from_params("RSA", to_params(bld.get()).get());
  if (!key) return key;
  return checked(std::move(*key));
}

Result<ossl::PkeyPtr> ec_from_jwk(const json& jwk) {
  auto crv = jwk.find("crv");
  if (crv == jwk.end() || crv->is_null()) return errors::jwk_member_required("crv");
  const Curve* curve = crv->is_string() ? find_curve(crv->get_ref<const std::string&>()) : nullptr;
  if (!curve)
    return errors::invalid_curve(crv->is_string() ? crv->get<std::string>() : crv->dump());
  const size_t width = curve->coordinate_bytes;
  Result<std::string> x = member_bytes(jwk, "x", width);
  if (!x) return x.error();
  Result<std::string> y = member_bytes(jwk, "y", width);
  if (!y) return y.error();
  Result<std::string> d = member_bytes(jwk, "d", width);
  if (!d) return d.error();

  // Uncompressed SEC1 point: 0x04 || X || Y, each left-padded to the field width.
  std::string point(1, '\x04');
  point += std::string(width - x->size(), '\0') + *x;
  point += std::string(width - y->size(), '\0') + *y;
  ossl::BnPtr private_scalar = ossl::bn_from_bytes(*d);
  // The builder keeps pointers until to_params(): `group` names a string literal, `point` and
  // `private_scalar` live to the end of this function.
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->group.data(),
                                      curve->group.size()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, private_scalar.get()) != 1) {
    ossl::fail("OSSL_PARAM_BLD push (EC)");
  }
  Result<ossl::PkeyPtr> key = from_params("EC", to_params(bld.get()).get());
  if (!key) return key;
  return checked(std::move(*key));
}

}  // namespace kmslab::keyvault::crypto::jwk
