#pragma once
// Entra ID's own error answers (AADSTS). They are NOT the Azure data-plane envelope
// {"error":{"code","message"}}: the token service writes OAuth 2 errors,
//   {"error":"invalid_request","error_description":"AADSTS900144: ...\r\nTrace ID: ...\r\n
//    Correlation ID: ...\r\nTimestamp: ...","error_codes":[900144],"timestamp":"...",
//    "trace_id":"...","correlation_id":"...","error_uri":"https://login.microsoftonline.com/error?code=900144"}
// so they have their own value type and their own serialiser (to_reply below).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "emulator/core/clock.hpp"
#include "emulator/core/http.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::identity {

struct AadError {
  unsigned status = 400;
  std::string error;    // the OAuth 2 code: invalid_request, invalid_client, ...
  int code = 0;         // the AADSTS number
  std::string message;  // the text after "AADSTSnnn: "
};

namespace aad_errors {

/// AADSTS900144, a required form parameter is missing.
AadError missing_parameter(std::string_view name);
/// AADSTS70003, a grant_type the token endpoint does not implement.
AadError unsupported_grant_type(std::string_view grant_type);
/// AADSTS7000216, client_credentials without a client_secret.
AadError client_secret_required();
/// AADSTS7000215 (401), a wrong secret: for credential validators.
AadError invalid_client_secret(std::string_view client_id);
/// AADSTS700016, an unknown application: for credential validators.
AadError application_not_found(std::string_view client_id, std::string_view tenant);
/// AADSTS1002012, a client_credentials scope without the "/.default" suffix.
AadError scope_needs_default(std::string_view scope);
/// AADSTS50049, instance discovery for an authority host this service does not serve.
AadError invalid_instance();
/// AADSTS90013, a request this service cannot read (e.g. an unusable Host header).
AadError invalid_input();

}  // namespace aad_errors

/// Who to blame in the error text: the request's trace id, the client's correlation id.
struct AadTrace {
  std::string trace_id;
  std::string correlation_id;
  core::TimePoint now;
};

/// The trace for a request: trace id = the request id (also sent as x-ms-request-id, as Entra
/// ID does), correlation id = the client's "client-request-id" header (MSAL sends one), else the
/// trace id.
AadTrace trace_of(const core::RequestContext& ctx);

/// A JSON reply whose members keep the order written, as Entra ID orders them.
core::Reply json_reply(const nlohmann::ordered_json& body, unsigned status = 200);

/// The one place AADSTS errors become bytes.
core::Reply to_reply(const AadError& error, const AadTrace& trace);

}  // namespace kmslab::identity
