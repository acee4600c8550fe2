// Request bodies of the simulated kube-apiserver -> decode_body (JSON) and protobuf_body_to_json
// (application/vnd.kubernetes.protobuf), and the list selectors. The first byte picks the kind,
// the field validation mode and the decoder. Every input must give an object or a Status, never
// a crash; a decoded object must dump (what the handlers do next).
#include <cstdint>
#include <string_view>

#include "emulator/apiserver/k8s/decode.hpp"
#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/protobuf_body.hpp"
#include "emulator/apiserver/k8s/selectors.hpp"
#include "emulator/apiserver/k8s/storage_providers.hpp"

namespace k8s = kmslab::apiserver::k8s;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t pick = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  // The census's prefix of a stored value: "identity", "k8s:enc:unknown" or a head of the value
  // ending in its fifth ':'.
  const std::string prefix = k8s::stored_prefix(body);
  if (prefix != "identity" && prefix != "k8s:enc:unknown" &&
      (!body.starts_with(prefix) || prefix.back() != ':' || prefix.size() > 256))
    __builtin_trap();
  const auto& kinds = k8s::served_kinds();
  const k8s::Kind& kind = kinds[pick % kinds.size()];
  const auto mode = static_cast<k8s::FieldValidation>((pick / 4) % 3);
  switch ((pick / 16) % 4) {
    case 0: {
      auto r = k8s::decode_body(kind, body, mode);
      if (auto* d = std::get_if<k8s::DecodedBody>(&r))
        (void)d->object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      break;
    }
    case 1: {
      auto r = k8s::protobuf_body_to_json(kind, body);
      if (auto* text = std::get_if<std::string>(&r)) (void)k8s::decode_body(kind, *text, mode);
      break;
    }
    case 2:
      (void)k8s::parse_label_selector(body);
      break;
    default:
      (void)k8s::parse_field_selector(body, {"metadata.name", "type"}, kind.kind);
      break;
  }
  return 0;
}
