#include "emulator/apiserver/k8s/protobuf_body.hpp"

#include <nlohmann/json.hpp>

#include "emulator/apiserver/storage/object_codec.hpp"
#include "k8s/objects.pb.h"

namespace kmslab::apiserver::k8s {

std::variant<std::string, Status> protobuf_body_to_json(const Kind& kind, std::string_view body) {
  const auto unrecognized = [&](const std::string& why) {
    return bad_request("the object provided is unrecognized (must be of type " + kind.kind +
                       "): " + why);
  };
  if (!body.starts_with(storage::kProtobufMagic))
    return unrecognized(
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  kmslab::k8s::Unknown unknown;
  const std::string_view rest = body.substr(storage::kProtobufMagic.size());
  if (!unknown.ParseFromArray(rest.data(), static_cast<int>(rest.size())))
    return unrecognized("proto: cannot parse invalid wire-format data");
  const std::string& body_kind = unknown.typemeta().kind();
  if (body_kind != "Secret" && body_kind != "ConfigMap" && body_kind != "Namespace") {
    // decode_body names the unknown kind
    return nlohmann::json{{"apiVersion", unknown.typemeta().apiversion()}, {"kind", body_kind}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  auto object = storage::decode_raw(unknown.typemeta().apiversion(), body_kind, unknown.raw());
  if (auto* err = std::get_if<storage::CodecError>(&object)) return unrecognized(err->message);
  auto& json = std::get<nlohmann::json>(object);
  // A zero creationTimestamp is null in Go's JSON; the request decoder takes it as unset.
  if (auto m = json.find("metadata"); m != json.end() && m->is_object()) {
    if (auto t = m->find("creationTimestamp"); t != m->end() && t->is_null()) m->erase(t);
    if (m->empty()) json.erase(m);
  }
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kmslab::apiserver::k8s
