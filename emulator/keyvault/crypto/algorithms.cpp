#include "emulator/keyvault/crypto/algorithms.hpp"

namespace kmslab::keyvault::crypto {
namespace {

constexpr Usage kEnc = Usage::kEncryption;
constexpr Usage kSig = Usage::kSignature;

// OAEP overhead is 2 * hash + 2 (RFC 8017 §7.1.1); PKCS#1 v1.5 needs 11 bytes.
const Algorithm kAlgorithms[] = {
    {"RSA1_5", kEnc, Scheme::kRsaPkcs1Encryption, nullptr, 0, 11, {}},
    {"RSA-OAEP", kEnc, Scheme::kRsaOaep, &EVP_sha1, 0, 42, {}},
    {"RSA-OAEP-256", kEnc, Scheme::kRsaOaep, &EVP_sha256, 0, 66, {}},
    {"A128GCM", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A192GCM", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A256GCM", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A128KW", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A192KW", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A256KW", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A128CBC", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A192CBC", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A256CBC", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A128CBCPAD", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A192CBCPAD", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"A256CBCPAD", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"CKM_AES_KEY_WRAP", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"CKM_AES_KEY_WRAP_PAD", kEnc, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"RS256", kSig, Scheme::kRsaPkcs1Signature, &EVP_sha256, 32, 11, {}},
    {"RS384", kSig, Scheme::kRsaPkcs1Signature, &EVP_sha384, 48, 11, {}},
    {"RS512", kSig, Scheme::kRsaPkcs1Signature, &EVP_sha512, 64, 11, {}},
    {"PS256", kSig, Scheme::kRsaPss, &EVP_sha256, 32, 0, {}},
    {"PS384", kSig, Scheme::kRsaPss, &EVP_sha384, 48, 0, {}},
    {"PS512", kSig, Scheme::kRsaPss, &EVP_sha512, 64, 0, {}},
    {"RSNULL", kSig, Scheme::kRsaRaw, nullptr, 0, 11, {}},
    {"ES256", kSig, Scheme::kEcdsa, nullptr, 32, 0, "P-256"},
    {"ES256K", kSig, Scheme::kEcdsa, nullptr, 32, 0, "P-256K"},
    {"ES384", kSig, Scheme::kEcdsa, nullptr, 48, 0, "P-384"},
    {"ES512", kSig, Scheme::kEcdsa, nullptr, 64, 0, "P-521"},
    {"HS256", kSig, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"HS384", kSig, Scheme::kSymmetric, nullptr, 0, 0, {}},
    {"HS512", kSig, Scheme::kSymmetric, nullptr, 0, 0, {}},
    // ECDSA256 (an old SDK-side alias) is not an API value: the service treats it as unknown.
};

}  // namespace

const Algorithm* find_algorithm(std::string_view name, Usage usage) {
  for (const Algorithm& alg : kAlgorithms) {
    if (alg.name == name && alg.usage == usage) return &alg;
  }
  return nullptr;
}

std::string_view required_key_family(const Algorithm& alg) {
  switch (alg.scheme) {
    case Scheme::kEcdsa:
      return "EC";
    case Scheme::kSymmetric:
      return "oct";
    default:
      return "RSA";
  }
}

}  // namespace kmslab::keyvault::crypto
