#include "emulator/identity/app_token.hpp"

#include <openssl/sha.h>

#include <vector>

#include "emulator/core/base64url.hpp"
#include "emulator/identity/ids.hpp"
#include "emulator/identity/jwt.hpp"

namespace kmslab::identity {

namespace {

constexpr std::string_view kDefaultSuffix = "/.default";

bool is_openid_scope(std::string_view scope) {
  return scope == "openid" || scope == "profile" || scope == "offline_access" || scope == "email";
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find(' ', start), text.size());
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Entra ID's "uti" is 16 opaque bytes, base64url; derived from the request's unique id.
std::string unique_token_id(std::string_view token_id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token_id.data()), token_id.size(), digest);
  return core::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), 16));
}

}  // namespace

std::string v1_issuer(std::string_view tenant_id) {
  return "https://sts.windows.net/" + std::string(tenant_id) + "/";
}

std::optional<std::string> audience_of_scope(std::string_view scope) {
  for (std::string_view s : split_spaces(scope)) {
    if (is_openid_scope(s)) continue;
    if (s.size() <= kDefaultSuffix.size() || !s.ends_with(kDefaultSuffix)) return std::nullopt;
    return std::string(s.substr(0, s.size() - kDefaultSuffix.size()));
  }
  return std::nullopt;
}

nlohmann::json app_token_claims(const AppTokenRequest& request, core::TimePoint now,
                                std::chrono::seconds lifetime, std::string_view token_id) {
  const int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::string issuer = v1_issuer(request.tenant_id);
  const std::string oid = request.object_id.empty()
                              ? object_id_for(request.tenant_id, request.client_id)
                              : request.object_id;
  nlohmann::json claims = {
      {"aud", request.audience},
      {"iss", issuer},
      {"iat", iat},
      {"nbf", iat},
      {"exp", iat + lifetime.count()},
      {"appid", request.client_id},
      {"appidacr", request.appidacr},
      {"idp", issuer},
      {"idtyp", "app"},
      {"oid", oid},
      {"sub", oid},
      {"tid", request.tenant_id},
      {"uti", unique_token_id(token_id)},
      {"ver", "1.0"},
      // How far the virtual clock stood from real time at issue: lets the data plane judge a
      // token's lifetime in real elapsed time, so moving the clock (a scenario "waiting 400
      // days") does not strand clients holding tokens they rightly consider fresh.
      {kSkewClaim,
       std::chrono::duration_cast<std::chrono::seconds>(now - core::wall_clock_now()).count()}};
  if (!request.mirid.empty()) claims["xms_mirid"] = request.mirid;
  return claims;
}

std::string mint_app_token(const AppTokenRequest& request, const SigningKey& key,
                           core::TimePoint now, std::chrono::seconds lifetime,
                           std::string_view token_id) {
  return jwt::sign(app_token_claims(request, now, lifetime, token_id), key);
}

}  // namespace kmslab::identity
