#pragma once
// Errors worded as upstream's go-autorest client words them, because kube-apiserver shows the
// text verbatim (healthz, logs) and operators search for it (reference/kms.md §7.4):
//   keyvault.BaseClient#Encrypt: Failure responding to request: StatusCode=403 -- Original
//   Error: autorest/azure: Service returned an error. Status=403 Code="Forbidden"
//   Message="..." InnerError={"code":"KeyExpired"}
// (autorest.DetailedError.Error() around azure.RequestError.Error()).
#include <string>

#include "emulator/core/go_quote.hpp"

namespace kmslab::plugin {

/// From an HTTP answer with Azure's error envelope (or any body).
std::string autorest_response_error(const std::string& client, const std::string& method,
                                    unsigned status, const std::string& body);
/// From a request that got no answer: "Failure sending request: StatusCode=0 -- Original Error:
/// ...".
std::string autorest_sending_error(const std::string& client, const std::string& method,
                                   const std::string& cause);
using core::go_quote;  // go-autorest quotes Azure's code and message with %q

}  // namespace kmslab::plugin
