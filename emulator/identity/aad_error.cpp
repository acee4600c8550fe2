#include "emulator/identity/aad_error.hpp"

namespace kmslab::identity {

namespace aad_errors {

namespace {
AadError make(unsigned status, std::string error, int code, std::string message) {
  return {status, std::move(error), code, std::move(message)};
}
}  // namespace

AadError missing_parameter(std::string_view name) {
  return make(
      400, "invalid_request", 900144,
      "The request body must contain the following parameter: '" + std::string(name) + "'.");
}

AadError unsupported_grant_type(std::string_view grant_type) {
  return make(400, "unsupported_grant_type", 70003,
              "The app requested an unsupported grant type '" + std::string(grant_type) + "'.");
}

AadError client_secret_required() {
  return make(400, "invalid_client", 7000216,
              "'client_assertion', 'client_secret' or 'request' is required for the "
              "'client_credentials' grant type.");
}

AadError invalid_client_secret(std::string_view client_id) {
  return make(401, "invalid_client", 7000215,
              "Invalid client secret provided. Ensure the secret being sent in the request is "
              "the client secret value, not the client secret ID, for a secret added to app '" +
                  std::string(client_id) + "'.");
}

AadError application_not_found(std::string_view client_id, std::string_view tenant) {
  return make(400, "unauthorized_client", 700016,
              "Application with identifier '" + std::string(client_id) +
                  "' was not found in the directory '" + std::string(tenant) +
                  "'. This can happen if the application has not been installed by the "
                  "administrator of the tenant or consented to by any user in the tenant. You "
                  "may have sent your authentication request to the wrong tenant.");
}

AadError scope_needs_default(std::string_view scope) {
  return make(400, "invalid_scope", 1002012,
              "The provided value for scope " + std::string(scope) +
                  " is not valid. Client credential flows must have a scope value with /.default "
                  "suffixed to the resource identifier (application ID URI).");
}

AadError invalid_instance() {
  return make(400, "invalid_instance", 50049, "Unknown or invalid instance.");
}

AadError invalid_input() {
  return make(400, "invalid_request", 90013, "Invalid input received from the user.");
}

}  // namespace aad_errors

core::Reply json_reply(const nlohmann::ordered_json& body, unsigned status) {
  return {status, body.dump(), "application/json; charset=utf-8", {}};
}

AadTrace trace_of(const core::RequestContext& ctx) {
  const auto it = ctx.request.find("client-request-id");
  std::string correlation = it == ctx.request.end() ? "" : std::string(it->value());
  // Echo only what looks like an id: the value goes back into a JSON body and a header.
  const bool usable = !correlation.empty() && correlation.size() <= 64 &&
                      correlation.find_first_not_of("0123456789abcdefABCDEF-") == std::string::npos;
  return {ctx.request_id, usable ? correlation : ctx.request_id, ctx.clock.now()};
}

core::Reply to_reply(const AadError& error, const AadTrace& trace) {
  // Entra ID writes timestamps as "2019-11-29 06:39:27Z".
  std::string timestamp = core::format_rfc3339(trace.now);
  if (timestamp.size() > 10 && timestamp[10] == 'T') timestamp[10] = ' ';
  const std::string code = std::to_string(error.code);
  const std::string description =
      "AADSTS" + code + ": " + error.message + "\r\nTrace ID: " + trace.trace_id +
      "\r\nCorrelation ID: " + trace.correlation_id + "\r\nTimestamp: " + timestamp;
  core::Reply reply =
      json_reply({{"error", error.error},
                  {"error_description", description},
                  {"error_codes", nlohmann::ordered_json::array({error.code})},
                  {"timestamp", timestamp},
                  {"trace_id", trace.trace_id},
                  {"correlation_id", trace.correlation_id},
                  {"error_uri", "https://login.microsoftonline.com/error?code=" + code}},
                 error.status);
  reply.headers.emplace_back("client-request-id", trace.correlation_id);
  return reply;
}

}  // namespace kmslab::identity
