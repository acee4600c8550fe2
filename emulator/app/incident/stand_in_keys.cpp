#include "emulator/app/incident/stand_in_keys.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "emulator/core/base64url.hpp"
#include "emulator/keyvault/crypto/key_material.hpp"

namespace kmslab::app::incident {

namespace {

keyvault::crypto::KeyParams params_of(const nlohmann::json& jwk) {
  keyvault::crypto::KeyParams p;
  p.kty = jwk.value("kty", "");
  if (p.kty.starts_with("RSA")) {
    const auto n = core::base64url_decode(jwk.value("n", ""));
    if (!n || n->empty()) throw std::invalid_argument("an RSA key without its modulus");
    p.key_size = static_cast<int64_t>(n->size()) * 8;
  } else if (p.kty.starts_with("EC")) {
    p.crv = jwk.value("crv", "P-256");
  }
  return p;
}

}  // namespace

size_t make_stand_in_keys(Snapshot& snapshot) {
  size_t made = 0;
  for (auto& [key, value] : snapshot.entries) {
    if (value.find("\"material_withheld\"") == std::string::npos) continue;
    auto j = nlohmann::json::parse(value, nullptr, false);
    if (!j.is_object() || !j.value("material_withheld", false) || !j.contains("jwk") ||
        !j["jwk"].is_object()) {
      continue;
    }
    auto material = keyvault::crypto::KeyMaterial::generate(params_of(j["jwk"]), true);
    if (!material) {
      throw std::invalid_argument(key +
                                  ": no stand-in key for this type: " + material.error().message);
    }
    j["material"] = material->serialize();
    j.erase("material_withheld");
    j["material_stand_in"] = true;
    value = j.dump();
    ++made;
  }
  return made;
}

}  // namespace kmslab::app::incident
