#include "plugin/keyvault/autorest_error.hpp"

#include <nlohmann/json.hpp>

namespace kmslab::plugin {

std::string autorest_response_error(const std::string& client, const std::string& method,
                                    unsigned status, const std::string& body) {
  const std::string prefix =
      client + "#" + method +
      ": Failure responding to request: StatusCode=" + std::to_string(status) +
      " -- Original Error: ";
  const auto j = nlohmann::json::parse(body, nullptr, false);
  const bool envelope = j.is_object() && j.contains("error") && j["error"].is_object();
  if (!envelope) {
    // go-autorest: the body did not unmarshal into the service error.
    return prefix + "autorest/azure: error response cannot be parsed: " + go_quote(body) +
           " error: invalid character";
  }
  const auto& e = j["error"];
  auto text = [&](const char* k) {
    return e.contains(k) && e[k].is_string() ? e[k].get<std::string>() : "";
  };
  std::string out = prefix +
                    "autorest/azure: Service returned an error. Status=" + std::to_string(status) +
                    " Code=" + go_quote(text("code")) + " Message=" + go_quote(text("message"));
  if (e.contains("innererror") && e["innererror"].is_object()) {
    // json.Marshal of a map: keys sorted, compact (nlohmann's object is sorted too).
    out += " InnerError=" + nlohmann::json(e["innererror"])
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return out;
}

std::string autorest_sending_error(const std::string& client, const std::string& method,
                                   const std::string& cause) {
  return client + "#" + method +
         ": Failure sending request: StatusCode=0 -- Original Error: " + cause;
}

}  // namespace kmslab::plugin
