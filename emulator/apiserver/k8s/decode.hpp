#pragma once
// Request bodies to objects, as kube-apiserver's JSON decoder and its handlers judge them
// (endpoints/handlers/create.go transformDecodeError, sigs.k8s.io/json strict decoding): the
// version/kind check, Go's type errors, base64 of []byte fields, and unknown fields under
// ?fieldValidation (Strict: refused, Warn (the default): a Warning header, Ignore: dropped).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/status.hpp"

namespace kmslab::apiserver::k8s {

enum class FieldValidation { kIgnore, kWarn, kStrict };

/// nullopt for a value kube-apiserver refuses (the caller answers BadRequest).
std::optional<FieldValidation> parse_field_validation(std::string_view value);

struct DecodedBody {
  nlohmann::json object;  // apiVersion and kind set, unknown fields removed, stringData merged
  std::vector<std::string> warnings;  // each a Warning header value's text
};

std::variant<DecodedBody, Status> decode_body(const Kind& kind, std::string_view body,
                                              FieldValidation validation);

/// Go's base64.StdEncoding verdict: nullopt when valid, else "illegal base64 data at input
/// byte N".
std::optional<std::string> base64_error(std::string_view text);

}  // namespace kmslab::apiserver::k8s
