#include "emulator/apiserver/k8s/protobuf_body.hpp"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "emulator/core/clock.hpp"
#include "k8s/objects.pb.h"

namespace kmslab::apiserver::k8s {

namespace {

using nlohmann::json;

constexpr std::string_view kMagic("k8s\0", 4);

// metav1.Time is RFC 3339 in JSON; protobuf JSON would print {"seconds": "..."}.
void fix_time(json& parent, const char* member) {
  auto it = parent.find(member);
  if (it == parent.end() || !it->is_object()) return;
  int64_t seconds = 0;
  if (it->contains("seconds")) {
    const json& s = (*it)["seconds"];
    seconds = s.is_string() ? std::stoll(s.get<std::string>()) : s.get<int64_t>();
  }
  *it = core::format_rfc3339(core::TimePoint(std::chrono::seconds(seconds)));
}

// Go's generated marshallers write every non-pointer field, zero or not; in JSON those fields are
// omitempty, so a zero here means "not set".
void drop_zero_values(json& object) {
  const std::string epoch = core::format_rfc3339(core::TimePoint{});
  for (auto it = object.begin(); it != object.end();) {
    const bool zero = (it->is_string() && (it->get_ref<const std::string&>().empty() ||
                                           it->get_ref<const std::string&>() == "0" ||
                                           it->get_ref<const std::string&>() == epoch)) ||
                      (it->is_number() && it->get<double>() == 0);
    it = zero ? object.erase(it) : std::next(it);
  }
}

template <class Message>
std::optional<std::string> to_json(std::string_view raw) {
  Message message;
  if (!message.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) return std::nullopt;
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok())
    return std::nullopt;
  return out;
}

}  // namespace

std::variant<std::string, Status> protobuf_body_to_json(const Kind& kind, std::string_view body) {
  const auto unrecognized = [&](const std::string& why) {
    return bad_request("the object provided is unrecognized (must be of type " + kind.kind +
                       "): " + why);
  };
  if (!body.starts_with(kMagic))
    return unrecognized(
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  kmslab::k8s::Unknown unknown;
  const std::string_view rest = body.substr(kMagic.size());
  if (!unknown.ParseFromArray(rest.data(), static_cast<int>(rest.size())))
    return unrecognized("proto: cannot parse invalid wire-format data");
  const std::string api_version = unknown.typemeta().apiversion();
  const std::string body_kind = unknown.typemeta().kind();
  std::optional<std::string> text;
  if (body_kind == "Secret")
    text = to_json<kmslab::k8s::Secret>(unknown.raw());
  else if (body_kind == "ConfigMap")
    text = to_json<kmslab::k8s::ConfigMap>(unknown.raw());
  else if (body_kind == "Namespace")
    text = to_json<kmslab::k8s::Namespace>(unknown.raw());
  else
    text = "{}";  // decode_body names the unknown kind
  if (!text) return unrecognized("proto: cannot parse invalid wire-format data");
  // proto2 strings are not checked for UTF-8: what does not parse back is refused.
  json object = json::parse(*text, nullptr, false);
  if (object.is_discarded() || !object.is_object())
    return unrecognized("proto: invalid UTF-8 in a string field");
  object["apiVersion"] = api_version;
  object["kind"] = body_kind;
  if (object.contains("metadata")) {
    json& meta = object["metadata"];
    fix_time(meta, "creationTimestamp");
    fix_time(meta, "deletionTimestamp");
    drop_zero_values(meta);
  }
  drop_zero_values(object);
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kmslab::apiserver::k8s
