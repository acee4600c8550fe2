// ARM's front door: who is calling (bearer token), which api-version, the subscription and
// resource group the path names, and the headers every ARM reply carries.
#include <algorithm>

#include "emulator/aks/arm_only_control_planes.hpp"
#include "emulator/arm/api_versions.hpp"
#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/core/json_input.hpp"
#include "emulator/identity/app_token.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;

namespace {

// ARM's own four (verified: the InvalidAuthenticationTokenAudience message lists them).
const std::vector<std::string> kArmAudiences = {
    "https://management.core.windows.net/", "https://management.core.windows.net",
    "https://management.azure.com/", "https://management.azure.com"};

std::optional<std::string> bearer_token(const core::RequestContext& ctx) {
  auto it = ctx.request.find(core::http::field::authorization);
  if (it == ctx.request.end()) return std::nullopt;
  const std::string_view value = it->value();
  if (value.size() < 7 || core::to_lower(value.substr(0, 7)) != "bearer ") return std::string();
  return std::string(value.substr(7));
}

std::string claim(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "11/29/2026 3:38:30 AM", as ARM prints times in ExpiredAuthenticationToken [U].
std::string arm_time(int64_t epoch) {
  const std::string iso = core::format_rfc3339(core::TimePoint(std::chrono::seconds(epoch)));
  const int hour = std::stoi(iso.substr(11, 2));
  const int h12 = hour % 12 == 0 ? 12 : hour % 12;
  return std::to_string(std::stoi(iso.substr(5, 2))) + "/" +
         std::to_string(std::stoi(iso.substr(8, 2))) + "/" + iso.substr(0, 4) + " " +
         std::to_string(h12) + iso.substr(13, 6) + (hour < 12 ? " AM" : " PM");
}

std::string host_of_url(std::string url) {
  const size_t scheme = url.find("://");
  if (scheme != std::string::npos) url = url.substr(scheme + 3);
  url = url.substr(0, url.find('/'));
  return core::to_lower(
      url.substr(0, url.rfind(':') == std::string::npos ? url.size() : url.rfind(':')));
}

}  // namespace

ArmService::ArmService(store::Store& store, core::VirtualClock& clock, core::Rng& rng,
                       keyvault::VaultRegistry& vaults, identity::Directory& directory,
                       identity::RoleAssignments& assignments, ArmOptions options)
    : store_(store),
      clock_(clock),
      rng_(rng),
      vaults_(vaults),
      directory_(directory),
      assignments_(assignments),
      options_(std::move(options)),
      groups_(store, {options_.default_resource_group, options_.region, nlohmann::json::object()}) {
  control_planes_ = options_.control_planes;
  if (!control_planes_) {
    own_control_planes_ = std::make_unique<aks::ArmOnlyControlPlanes>();
    control_planes_ = own_control_planes_.get();
  }
  link_->self = this;
}

ArmService::~ArmService() {
  {
    std::lock_guard l(link_->mu);
    link_->self = nullptr;
  }
  timers_.stop();
}

bool ArmService::audience_ok(const std::string& audience) const {
  auto in = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), audience) != list.end();
  };
  if (in(kArmAudiences) || in(options_.extra_audiences)) return true;
  // The custom cloud of a test points activeDirectoryResourceId at the emulator itself.
  const std::string host = host_of_url(audience);
  return audience.rfind("https://", 0) == 0 &&
         std::find(options_.hosts.begin(), options_.hosts.end(), host) != options_.hosts.end();
}

Result<Caller> ArmService::authenticate(core::RequestContext& ctx, bool graph) const {
  auto token = bearer_token(ctx);
  if (!token) return graph ? errors::graph_invalid_token() : errors::missing_authorization();
  if (token->empty() || !options_.check_token) {
    return graph ? errors::graph_invalid_token() : errors::invalid_token();
  }
  auto result = options_.check_token(*token);
  if (!result.ok()) {
    if (graph) return errors::graph_invalid_token();
    if (result.error().failure == identity::jwt::Failure::kExpired) {
      auto decoded = identity::jwt::decode_unverified(*token);
      const int64_t exp = decoded ? decoded->claims.value("exp", int64_t{0}) : 0;
      return errors::expired_token(arm_time(exp), arm_time(clock_.now_unix_seconds()));
    }
    return errors::invalid_token();
  }
  const auto& claims = result.claims();
  Caller caller{core::to_lower(claim(claims, "tid")), claim(claims, "oid"), claim(claims, "appid")};
  if (!graph && !audience_ok(claim(claims, "aud"))) {
    return errors::wrong_audience(claim(claims, "aud"));
  }
  if (!graph && caller.tenant_id != core::to_lower(options_.tenant_id)) {
    return errors::wrong_tenant(claim(claims, "iss"), options_.tenant_id);
  }
  return caller;
}

core::Handler ArmService::bind(Api api, Method method) {
  return [this, api, method](core::RequestContext& ctx) -> Result<Reply> {
    Call call{ctx, {}, {}};
    if (api != Api::kMetadata) {
      auto caller = authenticate(ctx, false);
      if (!caller) return caller.error();
      call.caller = std::move(caller.value());
    }
    auto version = ctx.query_param("api-version");
    if (!options_.accept_any_api_version) {
      if (auto e = check_api_version(api, version, options_.region)) return *e;
    }
    call.api_version = version.value_or("");
    if (auto e = check_subscription(call)) return *e;
    return (this->*method)(call);
  };
}

core::Handler ArmService::bind_graph(Method method) {
  return [this, method](core::RequestContext& ctx) -> Result<Reply> {
    auto caller = authenticate(ctx, true);
    if (!caller) return caller.error();
    Call call{ctx, std::move(caller.value()), {}};
    return (this->*method)(call);
  };
}

std::optional<core::ApiError> ArmService::check_subscription(const Call& call) const {
  const std::string& sub = call.param("sub");
  if (sub.empty() && !call.ctx.params.count("sub")) return std::nullopt;
  if (core::to_lower(sub) != core::to_lower(options_.subscription_id)) {
    return errors::subscription_not_found(sub);
  }
  return std::nullopt;
}

std::optional<core::ApiError> ArmService::check_group(const Call& call) const {
  if (!groups_.find(call.param("rg"))) return errors::resource_group_not_found(call.param("rg"));
  return std::nullopt;
}

core::Result<ResourceGroup> ArmService::group_of(const Call& call) const {
  auto group = groups_.find(call.param("rg"));
  if (!group) return errors::resource_group_not_found(call.param("rg"));
  return *group;
}

// ARM's common headers [U: constant ratelimit counters; real ARM counts down per hour].
void ArmService::decorate(const core::RequestContext& ctx, Reply& reply) const {
  auto corr = ctx.request.find("x-ms-correlation-request-id");
  const std::string correlation =
      corr != ctx.request.end() ? std::string(corr->value()) : ctx.request_id;
  reply.headers.emplace_back("x-ms-correlation-request-id", correlation);
  const std::string stamp = core::format_rfc3339(clock_.now());
  std::string compact;
  for (char c : stamp) {
    if (c != '-' && c != ':') compact += c;
  }
  reply.headers.emplace_back("x-ms-routing-request-id", core::to_lower(options_.region) + ":" +
                                                            compact + ":" + ctx.request_id);
  const auto method = ctx.request.method();
  if (method == core::http::verb::get || method == core::http::verb::head) {
    reply.headers.emplace_back("x-ms-ratelimit-remaining-subscription-reads", "11999");
  } else if (method == core::http::verb::delete_) {
    reply.headers.emplace_back("x-ms-ratelimit-remaining-subscription-deletes", "14999");
  } else {
    reply.headers.emplace_back("x-ms-ratelimit-remaining-subscription-writes", "1199");
  }
  reply.headers.emplace_back("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

Result<nlohmann::json> ArmService::Call::body() const {
  const std::string& text = ctx.request.body();
  if (text.empty()) return errors::invalid_request_content("The request body is empty.");
  auto j = core::parse_untrusted_json(text);
  if (j.is_discarded()) {
    return errors::invalid_request_content(
        "Unexpected character encountered while parsing value, or the JSON nests too deeply.");
  }
  if (!j.is_object()) return errors::invalid_request_content("The request body must be an object.");
  return j;
}

Result<nlohmann::json> ArmService::Call::body_properties() const {
  auto j = body();
  if (!j) return j.error();
  FieldReader r(*j, "");
  const auto* props = r.object("properties");
  if (r.error()) return *r.error();
  return props ? *props : nlohmann::json::object();
}

std::string ArmService::Call::base_url() const {
  std::string host(ctx.request[core::http::field::host]);
  if (host.empty()) host = ctx.host;
  return "https://" + host;
}

std::string ArmService::Call::link(const std::string& path) const {
  return base_url() + path + "?api-version=" + api_version;
}

std::string ArmService::new_operation() {
  std::string id = rng_.uuid();
  operations_.add(id);
  return id;
}

void ArmService::schedule_write(int64_t at, std::function<void()> work) {
  timers_.schedule_write(at, std::move(work));
}

}  // namespace kmslab::arm
