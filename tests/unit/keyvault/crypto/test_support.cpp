#include "test_support.hpp"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "emulator/core/base64url.hpp"

namespace kmslab::keyvault::crypto::support {
namespace {

const KeyMaterial& cached(const std::string& id, const KeyParams& params) {
  static std::mutex mu;
  static std::map<std::string, KeyMaterial> keys;
  std::lock_guard lock(mu);
  auto it = keys.find(id);
  if (it == keys.end()) {
    auto made = KeyMaterial::generate(params, false);
    if (!made) throw std::runtime_error("generate " + id + ": " + made.error().message);
    it = keys.emplace(id, std::move(made.value())).first;
  }
  return it->second;
}

using BioPtr = std::unique_ptr<BIO, ossl::Deleter<&BIO_free_all>>;

std::string bn_b64(const EVP_PKEY* key, const char* name, size_t pad = 0) {
  ossl::BnPtr bn = ossl::bn_param(key, name);
  return core::base64url_encode(pad ? ossl::bn_to_padded_bytes(bn.get(), pad)
                                    : ossl::bn_to_bytes(bn.get()));
}

}  // namespace

const KeyMaterial& rsa_key(int64_t bits) {
  return cached("RSA-" + std::to_string(bits), KeyParams{"RSA", bits, std::nullopt, std::nullopt});
}

const KeyMaterial& ec_key(const std::string& crv) {
  return cached("EC-" + crv, KeyParams{"EC", std::nullopt, std::nullopt, crv});
}

std::string digest(std::string_view md_name, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len,
                 EVP_get_digestbyname(std::string(md_name).c_str()), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hash_for(std::string_view alg) {
  if (alg.ends_with("256") || alg == "ES256K") return "SHA256";
  if (alg.ends_with("384")) return "SHA384";
  return "SHA512";
}

std::string b64url_decode(std::string_view text) {
  auto bytes = core::base64url_decode(text);
  if (!bytes) throw std::runtime_error("not base64url: " + std::string(text));
  return *bytes;
}

ossl::PkeyPtr public_key_from_jwk(const nlohmann::json& jwk) {
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  std::vector<ossl::BnPtr> keep;
  std::string point, group;
  const bool rsa = jwk.at("kty").get<std::string>().starts_with("RSA");
  if (rsa) {
    for (const char* m : {"n", "e"}) {
      keep.push_back(ossl::bn_from_bytes(b64url_decode(jwk.at(m).get<std::string>())));
      OSSL_PARAM_BLD_push_BN(bld.get(), m, keep.back().get());
    }
  } else {
    static const std::map<std::string, std::string> kGroups{
        {"P-256", "P-256"}, {"P-384", "P-384"}, {"P-521", "P-521"}, {"P-256K", "secp256k1"}};
    group = kGroups.at(jwk.at("crv").get<std::string>());
    point = "\x04" + b64url_decode(jwk.at("x").get<std::string>()) +
            b64url_decode(jwk.at("y").get<std::string>());
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
  }
  ossl::ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, rsa ? "RSA" : "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    throw std::runtime_error("public key from JWK: " + jwk.dump());
  }
  return ossl::PkeyPtr(raw);
}

std::string public_pem(const nlohmann::json& jwk) {
  ossl::PkeyPtr key = public_key_from_jwk(jwk);
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) throw std::runtime_error("PEM_write");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

ossl::PkeyPtr read_private_pem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw std::runtime_error("PEM_read_bio_PrivateKey");
  return key;
}

nlohmann::json private_jwk_of(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    nlohmann::json jwk{{"kty", "RSA"}};
    const std::pair<const char*, const char*> members[] = {
        {"n", OSSL_PKEY_PARAM_RSA_N},          {"e", OSSL_PKEY_PARAM_RSA_E},
        {"d", OSSL_PKEY_PARAM_RSA_D},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
        {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
        {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
    for (auto [member, param] : members) jwk[member] = bn_b64(key, param);
    return jwk;
  }
  char group[64];
  size_t len = 0;
  EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len);
  static const std::map<std::string, std::pair<std::string, size_t>> kCurves{
      {"prime256v1", {"P-256", 32}},
      {"secp384r1", {"P-384", 48}},
      {"secp521r1", {"P-521", 66}},
      {"secp256k1", {"P-256K", 32}}};
  const auto& [crv, width] = kCurves.at(std::string(group, len));
  return {{"kty", "EC"},
          {"crv", crv},
          {"x", bn_b64(key, OSSL_PKEY_PARAM_EC_PUB_X, width)},
          {"y", bn_b64(key, OSSL_PKEY_PARAM_EC_PUB_Y, width)},
          {"d", bn_b64(key, OSSL_PKEY_PARAM_PRIV_KEY, width)}};
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kvcrypto-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
  dir_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TempDir::write(const std::string& name, std::string_view bytes) const {
  std::ofstream(path(name), std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path(name);
}

std::string TempDir::read(const std::string& name) const {
  std::ifstream in(path(name), std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool run(const std::string& command) {
  return std::system((command + " 2>&1").c_str()) == 0;
}

bool have_openssl_cli() {
  return run("openssl version >/dev/null");
}

}  // namespace kmslab::keyvault::crypto::support
