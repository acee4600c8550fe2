#include "emulator/keyvault/key_body.hpp"

#include <algorithm>
#include <set>

#include "emulator/core/base64url.hpp"
#include "emulator/keyvault/errors.hpp"

namespace kmslab::keyvault {

namespace {

core::ApiError invalid_value(const std::string& property) {
  return errors::bad_parameter("Property '" + property + "' has an invalid value.\r\n");
}

}  // namespace

core::Result<crypto::KeyParams> read_key_params(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("kty") || body["kty"].is_null()) {
    return errors::property_required("kty");
  }
  if (!body["kty"].is_string()) return invalid_value("kty");
  crypto::KeyParams p;
  p.kty = body["kty"].get<std::string>();
  for (const char* member : {"key_size", "public_exponent"}) {
    if (!body.contains(member) || body[member].is_null()) continue;
    if (!body[member].is_number_integer()) return invalid_value(member);
    (std::string(member) == "key_size" ? p.key_size : p.public_exponent) =
        body[member].get<int64_t>();
  }
  if (body.contains("crv") && !body["crv"].is_null()) {
    if (!body["crv"].is_string()) return invalid_value("crv");
    p.crv = body["crv"].get<std::string>();
  }
  return p;
}

bool is_valid_key_name(const std::string& name) {
  if (name.empty() || name.size() > 127) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::optional<core::ApiError> read_key_ops(const nlohmann::json& body,
                                           std::optional<std::vector<std::string>>& out) {
  static const std::set<std::string> kOps = {"encrypt", "decrypt",   "sign",   "verify",
                                             "wrapKey", "unwrapKey", "import", "export"};
  if (!body.is_object() || !body.contains("key_ops") || body["key_ops"].is_null()) {
    return std::nullopt;
  }
  const auto& ops = body["key_ops"];
  if (!ops.is_array()) return errors::bad_parameter("Property 'key_ops' must be an array.");
  std::vector<std::string> result;
  for (const auto& op : ops) {
    if (!op.is_string() || !kOps.count(op.get<std::string>())) {
      return errors::bad_parameter("Invalid key operation: " + op.dump());
    }
    result.push_back(op.get<std::string>());
  }
  out = std::move(result);
  return std::nullopt;
}

std::optional<core::ApiError> read_attributes(const nlohmann::json& body, KeyAttributes& out) {
  if (!body.is_object() || !body.contains("attributes") || body["attributes"].is_null()) {
    return std::nullopt;
  }
  const auto& a = body["attributes"];
  if (!a.is_object()) return errors::bad_parameter("Property 'attributes' must be an object.");
  if (a.contains("enabled") && !a["enabled"].is_null()) {
    if (!a["enabled"].is_boolean())
      return errors::bad_parameter("Property 'enabled' must be a boolean.");
    out.enabled = a["enabled"].get<bool>();
  }
  for (const char* member : {"nbf", "exp"}) {
    if (!a.contains(member)) continue;
    std::optional<int64_t>& field = std::string(member) == "nbf" ? out.nbf : out.exp;
    if (a[member].is_null()) {
      field.reset();
    } else if (a[member].is_number_integer()) {
      field = a[member].get<int64_t>();
    } else {
      return errors::bad_parameter(std::string("Property '") + member +
                                   "' must be a number of seconds since 1970-01-01 (IntDate).");
    }
    if (field && *field < 0) {
      return errors::bad_parameter(std::string("Property '") + member + "' must not be negative.");
    }
  }
  if (out.nbf && out.exp && *out.nbf >= *out.exp) {
    return errors::bad_parameter(
        "The key's expiry time ('exp') must be after its activation "
        "time ('nbf').");
  }
  return std::nullopt;
}

std::optional<core::ApiError> read_tags(const nlohmann::json& body,
                                        std::optional<nlohmann::json>& out) {
  if (!body.is_object() || !body.contains("tags") || body["tags"].is_null()) return std::nullopt;
  const auto& tags = body["tags"];
  if (!tags.is_object()) return errors::bad_parameter("Property 'tags' must be an object.");
  if (tags.size() > 15) return errors::bad_parameter("A key can have at most 15 tags.");
  for (const auto& [k, v] : tags.items()) {
    if (!v.is_string()) return errors::bad_parameter("Tag '" + k + "' must have a string value.");
    if (k.size() > 256 || v.get<std::string>().size() > 256) {
      return errors::bad_parameter("Tag names and values are limited to 256 characters.");
    }
  }
  out = tags;
  return std::nullopt;
}

std::optional<core::ApiError> read_base64url(const nlohmann::json& body, const char* member,
                                             std::string& out) {
  if (!body.is_object() || !body.contains(member) || body[member].is_null()) {
    return errors::property_required(member);
  }
  if (!body[member].is_string()) return errors::not_base64url(member);
  auto decoded = core::base64url_decode(body[member].get<std::string>());
  if (!decoded) return errors::not_base64url(member);
  out = std::move(*decoded);
  return std::nullopt;
}

int key_bits(const nlohmann::json& jwk) {
  if (jwk.contains("n") && jwk["n"].is_string()) {
    // From the length alone: this runs on every key operation (throttle weights), and decoding
    // the modulus was a tenth of a GET key. Unpadded base64url: 4 characters per 3 bytes.
    const auto& n = jwk["n"].get_ref<const std::string&>();
    if (n.empty() || n.size() % 4 == 1 || n.find('=') != std::string::npos) return 0;
    return static_cast<int>(n.size() * 3 / 4 * 8);
  }
  const std::string crv = jwk.value("crv", "");
  if (crv == "P-384") return 384;
  if (crv == "P-521") return 521;
  return 256;
}

}  // namespace kmslab::keyvault
