#include "emulator/core/tls/x509.hpp"

#include <array>
#include <ctime>

#include <openssl/rand.h>

#include "emulator/core/tls/names.hpp"

namespace kmslab::core::tls {
namespace {

// 128 random bits, positive and non-zero (RFC 5280 4.1.2.2); the DER encoding stays <= 20 octets.
Asn1IntegerPtr random_serial() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw openssl_error("RAND_bytes");
  }
  bytes.back() |= 1;  // never zero
  BignumPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw openssl_error("BN_bin2bn");
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) throw openssl_error("BN_to_ASN1_INTEGER");
  return serial;
}

GeneralNamePtr general_name(const std::string& name) {
  GeneralNamePtr gen(GENERAL_NAME_new());
  if (!gen) throw openssl_error("GENERAL_NAME_new");
  if (is_ip_literal(name)) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str());
    if (!ip) throw openssl_error("a2i_IPADDRESS " + name);
    GENERAL_NAME_set0_value(gen.get(), GEN_IPADD, ip);
    return gen;
  }
  ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
  if (!dns) throw openssl_error("ASN1_IA5STRING_new");
  GENERAL_NAME_set0_value(gen.get(), GEN_DNS, dns);
  if (ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
    throw openssl_error("ASN1_STRING_set " + name);
  }
  return gen;
}

}  // namespace

EvpPkeyPtr generate_ec_p256_key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw openssl_error("EC P-256 key generation");
  return key;
}

X509Ptr new_v3_certificate(EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  if (!cert) throw openssl_error("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) throw openssl_error("X509_set_version");
  Asn1IntegerPtr serial = random_serial();
  if (X509_set_serialNumber(cert.get(), serial.get()) != 1) {
    throw openssl_error("X509_set_serialNumber");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) throw openssl_error("X509_set_pubkey");
  return cert;
}

void set_validity(X509* cert, std::chrono::system_clock::time_point now, long days) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  const int before = -1;
  if (!X509_time_adj_ex(X509_getm_notBefore(cert), before, 0, &t) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert), static_cast<int>(days) + before, 0, &t)) {
    throw openssl_error("setting certificate validity");
  }
}

void set_subject(X509* cert, const std::vector<std::pair<std::string, std::string>>& entries) {
  X509_NAME* name = X509_get_subject_name(cert);
  for (const auto& [field, value] : entries) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(value.c_str());
    if (X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8, bytes, -1, -1, 0) != 1) {
      throw openssl_error("subject " + field + "=" + value);
    }
  }
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    throw openssl_error(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
}

void add_subject_alt_names(X509* cert, const std::vector<std::string>& names, bool critical) {
  GeneralNamesPtr gens(sk_GENERAL_NAME_new_null());
  if (!gens) throw openssl_error("sk_GENERAL_NAME_new_null");
  for (const std::string& name : names) {
    GeneralNamePtr gen = general_name(name);
    if (sk_GENERAL_NAME_push(gens.get(), gen.get()) == 0) throw openssl_error("SAN push");
    gen.release();  // now owned by the stack
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, gens.get(), critical ? 1 : 0,
                        X509V3_ADD_DEFAULT) != 1) {
    throw openssl_error("subjectAltName");
  }
}

void sign_sha256(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) throw openssl_error("X509_sign");
}

}  // namespace kmslab::core::tls
