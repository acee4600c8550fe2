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
    // An empty curve is the default one: {"kty":"EC","crv":""} -> P-256 (recorded-keyvault.md
    // §2, N:KC/CreateEcWithCurveKey(Other).json).
    if (!body["crv"].get<std::string>().empty()) p.crv = body["crv"].get<std::string>();
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
  if (a.contains("exportable") && !a["exportable"].is_null()) {
    if (!a["exportable"].is_boolean())
      return errors::bad_parameter("Property 'exportable' must be a boolean.");
    out.exportable = a["exportable"].get<bool>();
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

namespace {

// The order the service writes a policy's members in (C:K.ReleaseKey2.json and the JS
// recordings of keyvault-keys "immutablerelease": sent anyOf-first, returned version-first).
nlohmann::ordered_json canonical_policy(const nlohmann::json& j) {
  static const char* kOrder[] = {"version", "authority", "anyOf", "allOf", "claim", "equals"};
  if (j.is_array()) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& item : j) a.push_back(canonical_policy(item));
    return a;
  }
  if (!j.is_object()) return j;
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  for (const char* member : kOrder) {
    if (j.contains(member)) o[member] = canonical_policy(j[member]);
  }
  for (const auto& [k, v] : j.items()) {
    if (!o.contains(k)) o[k] = canonical_policy(v);
  }
  return o;
}

}  // namespace

std::optional<core::ApiError> read_release_policy(const nlohmann::json& body,
                                                  std::optional<nlohmann::json>& out) {
  if (!body.is_object() || !body.contains("release_policy") || body["release_policy"].is_null()) {
    return std::nullopt;
  }
  const auto& p = body["release_policy"];
  if (!p.is_object()) return errors::bad_parameter("Property 'release_policy' must be an object.");
  std::string data;
  if (auto e = read_base64url(p, "data", data)) return e;
  const auto policy = nlohmann::json::parse(data, nullptr, false);
  if (policy.is_discarded() || !policy.is_object() ||
      !((policy.contains("anyOf") && policy["anyOf"].is_array()) ||
        (policy.contains("allOf") && policy["allOf"].is_array()))) {
    return errors::invalid_release_policy();
  }
  const std::string content_type = p.value("contentType", "application/json; charset=utf-8");
  if (!p.contains("immutable") || p["immutable"].is_null() || p["immutable"].is_boolean()) {
    out = nlohmann::json{{"contentType", content_type},
                         {"data", core::base64url_encode(canonical_policy(policy).dump())},
                         {"immutable", p.value("immutable", false)}};
    return std::nullopt;
  }
  return errors::bad_parameter("Property 'immutable' must be a boolean.");
}

std::optional<core::ApiError> check_release(const KeyVersion& v, const std::string& api_version,
                                            bool premium) {
  const bool exportable = v.attributes.exportable;
  if (exportable && (!premium || !api_version_at_least(api_version, 3))) {
    return errors::exportable_not_supported();
  }
  if (exportable && !v.release_policy) return errors::exportable_needs_release_policy();
  if (!exportable && v.release_policy) return errors::release_policy_needs_exportable();
  const std::string kty = v.public_jwk.value("kty", "");
  if (exportable && !kty.ends_with("-HSM")) return errors::exportable_needs_hsm();
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
