#include "emulator/apiserver/storage/object_codec.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <limits>

#include "emulator/core/base64url.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/json_input.hpp"
#include "k8s/objects.pb.h"

namespace kmslab::apiserver::storage {

namespace {

using nlohmann::json;
namespace pb = kmslab::k8s;

// Thrown inside the encoder, caught at its door.
struct Bad {
  std::string message;
};

const json* member(const json& o, const char* name) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(name);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const json& o, const char* name) {
  const json* v = member(o, name);
  if (!v) return "";
  if (!v->is_string()) throw Bad{std::string("json: cannot unmarshal into field ") + name};
  return v->get<std::string>();
}

int64_t integer(const json& o, const char* name) {
  const json* v = member(o, name);
  if (!v) return 0;
  if (!v->is_number_integer()) throw Bad{std::string("json: cannot unmarshal into field ") + name};
  return v->get<int64_t>();
}

const json& array(const json& o, const char* name) {
  static const json empty = json::array();
  const json* v = member(o, name);
  if (!v) return empty;
  if (!v->is_array()) throw Bad{std::string("json: cannot unmarshal into field ") + name};
  return *v;
}

// metav1.Time: RFC 3339 in JSON; in protobuf {seconds, nanos = 0} (nanos are never stored), and
// nothing at all for the zero time ([AM] meta/v1/time_proto.go).
void set_time(const json* v, pb::Time* out) {
  if (!v) return;
  if (!v->is_string()) throw Bad{"json: cannot unmarshal into Go value of type v1.Time"};
  auto t = core::parse_rfc3339(v->get<std::string>());
  if (!t) throw Bad{"parsing time " + v->dump() + " as RFC 3339 failed"};
  out->set_seconds(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count());
  out->set_nanos(0);
}

template <class Map>
void set_strings(const json& o, const char* name, Map* out, bool bytes) {
  const json* v = member(o, name);
  if (!v) return;
  if (!v->is_object()) throw Bad{std::string("json: cannot unmarshal into field ") + name};
  for (const auto& [key, value] : v->items()) {
    if (value.is_null()) {
      (*out)[key];
      continue;
    }
    if (!value.is_string()) throw Bad{std::string("json: cannot unmarshal into field ") + name};
    if (!bytes) {
      (*out)[key] = value.template get<std::string>();
      continue;
    }
    auto decoded = core::base64_decode(value.template get<std::string>());
    if (!decoded) throw Bad{"illegal base64 data in " + std::string(name) + "[" + key + "]"};
    (*out)[key] = std::move(*decoded);
  }
}

void set_meta(const json& m, pb::ObjectMeta* out) {
  out->set_name(text(m, "name"));
  out->set_generatename(text(m, "generateName"));
  out->set_namespace_(text(m, "namespace"));
  out->set_selflink("");  // cleared before storage
  out->set_uid(text(m, "uid"));
  out->set_resourceversion("");  // cleared before storage: the key's revision is the version
  out->set_generation(integer(m, "generation"));
  set_time(member(m, "creationTimestamp"), out->mutable_creationtimestamp());
  if (const json* d = member(m, "deletionTimestamp")) set_time(d, out->mutable_deletiontimestamp());
  if (member(m, "deletionGracePeriodSeconds"))
    out->set_deletiongraceperiodseconds(integer(m, "deletionGracePeriodSeconds"));
  set_strings(m, "labels", out->mutable_labels(), false);
  set_strings(m, "annotations", out->mutable_annotations(), false);
  for (const auto& r : array(m, "ownerReferences")) {
    auto* ref = out->add_ownerreferences();
    ref->set_kind(text(r, "kind"));
    ref->set_name(text(r, "name"));
    ref->set_uid(text(r, "uid"));
    ref->set_apiversion(text(r, "apiVersion"));
    if (const json* c = member(r, "controller"); c && c->is_boolean()) ref->set_controller(*c);
    if (const json* b = member(r, "blockOwnerDeletion"); b && b->is_boolean())
      ref->set_blockownerdeletion(*b);
  }
  for (const auto& f : array(m, "finalizers")) {
    if (!f.is_string()) throw Bad{"json: cannot unmarshal into field finalizers"};
    out->add_finalizers(f.get<std::string>());
  }
  for (const auto& e : array(m, "managedFields")) {
    auto* entry = out->add_managedfields();
    entry->set_manager(text(e, "manager"));
    entry->set_operation(text(e, "operation"));
    entry->set_apiversion(text(e, "apiVersion"));
    if (const json* t = member(e, "time")) set_time(t, entry->mutable_time());
    entry->set_fieldstype(text(e, "fieldsType"));
    // FieldsV1 keeps its JSON text as raw bytes ([AM] meta/v1 fields_proto.go).
    if (const json* f = member(e, "fieldsV1")) entry->mutable_fieldsv1()->set_raw(f->dump());
    entry->set_subresource(text(e, "subresource"));
  }
}

void set_immutable(const json& o, auto* out) {
  if (const json* v = member(o, "immutable")) {
    if (!v->is_boolean()) throw Bad{"json: cannot unmarshal into field immutable"};
    out->set_immutable(v->get<bool>());
  }
}

std::string deterministic(const google::protobuf::MessageLite& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  {
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);  // map entries in key order, as gogo writes them
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::optional<std::string> encode_raw(const std::string& kind, const json& o) {
  const json meta = o.value("metadata", json::object());
  if (kind == "Secret") {
    pb::Secret s;
    set_meta(meta, s.mutable_metadata());
    set_strings(o, "data", s.mutable_data(), true);
    s.set_type(text(o, "type"));
    set_immutable(o, &s);
    return deterministic(s);
  }
  if (kind == "ConfigMap") {
    pb::ConfigMap c;
    set_meta(meta, c.mutable_metadata());
    set_strings(o, "data", c.mutable_data(), false);
    set_strings(o, "binaryData", c.mutable_binarydata(), true);
    set_immutable(o, &c);
    return deterministic(c);
  }
  if (kind == "Namespace") {
    pb::Namespace n;
    set_meta(meta, n.mutable_metadata());
    const json spec = o.value("spec", json::object());
    auto* out_spec = n.mutable_spec();
    for (const auto& f : array(spec, "finalizers")) {
      if (!f.is_string()) throw Bad{"json: cannot unmarshal into field spec.finalizers"};
      out_spec->add_finalizers(f.get<std::string>());
    }
    const json status = o.value("status", json::object());
    n.mutable_status()->set_phase(text(status, "phase"));
    for (const auto& c : array(status, "conditions")) {
      auto* cond = n.mutable_status()->add_conditions();
      cond->set_type(text(c, "type"));
      cond->set_status(text(c, "status"));
      set_time(member(c, "lastTransitionTime"), cond->mutable_lasttransitiontime());
      cond->set_reason(text(c, "reason"));
      cond->set_message(text(c, "message"));
    }
    return deterministic(n);
  }
  return std::nullopt;
}

// ---- decoding: Go's json.Marshal of the typed object (omitempty) ----

void put(json& o, const char* name, const std::string& v) {
  if (!v.empty()) o[name] = v;
}

json time_json(const pb::Time& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return nullptr;  // Go marshals the zero Time as null
  // Go accepts years 1-9999; a TimePoint (nanoseconds since 1970 in 64 bits) spans 1678-2262.
  // Wider values are refused rather than wrapped (unverified: Go would print years past 2262).
  constexpr int64_t kSpan = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  if (t.seconds() < -kSpan || t.seconds() > kSpan)
    throw Bad{"Time.MarshalJSON: year outside of the range this emulator represents"};
  return core::format_rfc3339(core::TimePoint(std::chrono::seconds(t.seconds())));
}

template <class Map>
void put_map(json& o, const char* name, const Map& map, bool bytes) {
  if (map.empty()) return;
  json out = json::object();
  for (const auto& [k, v] : map) out[k] = bytes ? core::base64_encode(v) : v;
  o[name] = std::move(out);
}

json meta_json(const pb::ObjectMeta& m) {
  json o = json::object();
  put(o, "name", m.name());
  put(o, "generateName", m.generatename());
  put(o, "namespace", m.namespace_());
  put(o, "selfLink", m.selflink());
  put(o, "uid", m.uid());
  put(o, "resourceVersion", m.resourceversion());
  if (m.generation() != 0) o["generation"] = m.generation();
  o["creationTimestamp"] = time_json(m.creationtimestamp());
  if (m.has_deletiontimestamp()) o["deletionTimestamp"] = time_json(m.deletiontimestamp());
  if (m.has_deletiongraceperiodseconds())
    o["deletionGracePeriodSeconds"] = m.deletiongraceperiodseconds();
  put_map(o, "labels", m.labels(), false);
  put_map(o, "annotations", m.annotations(), false);
  for (const auto& r : m.ownerreferences()) {
    json ref = {
        {"apiVersion", r.apiversion()}, {"kind", r.kind()}, {"name", r.name()}, {"uid", r.uid()}};
    if (r.has_controller()) ref["controller"] = r.controller();
    if (r.has_blockownerdeletion()) ref["blockOwnerDeletion"] = r.blockownerdeletion();
    o["ownerReferences"].push_back(std::move(ref));
  }
  for (const auto& f : m.finalizers()) o["finalizers"].push_back(f);
  for (const auto& e : m.managedfields()) {
    json entry = json::object();
    put(entry, "manager", e.manager());
    put(entry, "operation", e.operation());
    put(entry, "apiVersion", e.apiversion());
    if (e.has_time()) entry["time"] = time_json(e.time());
    put(entry, "fieldsType", e.fieldstype());
    if (e.has_fieldsv1()) {
      json fields = core::parse_untrusted_json(e.fieldsv1().raw());
      if (fields.is_discarded()) throw Bad{"invalid JSON in metadata.managedFields.fieldsV1"};
      entry["fieldsV1"] = std::move(fields);
    }
    put(entry, "subresource", e.subresource());
    o["managedFields"].push_back(std::move(entry));
  }
  return o;
}

template <class Message>
Message parse(std::string_view raw) {
  Message m;
  if (!m.ParseFromArray(raw.data(), static_cast<int>(raw.size())))
    throw Bad{"proto: cannot parse invalid wire-format data"};
  return m;
}

json raw_json(std::string_view kind, std::string_view raw) {
  json o = json::object();
  if (kind == "Secret") {
    const auto s = parse<pb::Secret>(raw);
    o["metadata"] = meta_json(s.metadata());
    put_map(o, "data", s.data(), true);
    put_map(o, "stringData", s.stringdata(), false);
    put(o, "type", s.type());
    if (s.has_immutable()) o["immutable"] = s.immutable();
  } else if (kind == "ConfigMap") {
    const auto c = parse<pb::ConfigMap>(raw);
    o["metadata"] = meta_json(c.metadata());
    put_map(o, "data", c.data(), false);
    put_map(o, "binaryData", c.binarydata(), true);
    if (c.has_immutable()) o["immutable"] = c.immutable();
  } else if (kind == "Namespace") {
    const auto n = parse<pb::Namespace>(raw);
    o["metadata"] = meta_json(n.metadata());
    o["spec"] = json::object();  // encoding/json's omitempty never omits a struct
    for (const auto& f : n.spec().finalizers()) o["spec"]["finalizers"].push_back(f);
    o["status"] = json::object();
    put(o["status"], "phase", n.status().phase());
    for (const auto& c : n.status().conditions()) {
      json cond = json::object();
      put(cond, "type", c.type());
      put(cond, "status", c.status());
      cond["lastTransitionTime"] = time_json(c.lasttransitiontime());
      put(cond, "reason", c.reason());
      put(cond, "message", c.message());
      o["status"]["conditions"].push_back(std::move(cond));
    }
  } else {
    throw Bad{"no kind \"" + std::string(kind) + "\" is registered for version \"v1\""};
  }
  return o;
}

// Strings in protobuf are not checked for UTF-8 (proto2); a JSON answer must be.
void check_utf8(const json& v) {
  if (v.is_string() && !core::valid_utf8(v.get_ref<const std::string&>()))
    throw Bad{"proto: invalid UTF-8 in a string field"};
  if (v.is_structured()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (v.is_object() && !core::valid_utf8(it.key()))
        throw Bad{"proto: invalid UTF-8 in a string field"};
      check_utf8(*it);
    }
  }
}

}  // namespace

std::variant<json, CodecError> decode_raw(std::string_view api_version, std::string_view kind,
                                          std::string_view raw) {
  try {
    json o = raw_json(kind, raw);
    check_utf8(o);
    json out = {{"apiVersion", api_version}, {"kind", kind}};
    out.update(o);
    return out;
  } catch (const Bad& b) {
    return CodecError{b.message};
  }
}

std::variant<std::string, CodecError> encode_object(const json& object) {
  if (!object.is_object()) return CodecError{"the object is not a JSON object"};
  try {
    const std::string kind = text(object, "kind");
    const std::string api_version = text(object, "apiVersion");
    auto raw = encode_raw(kind, object);
    if (!raw) {
      json copy = object;
      if (auto m = copy.find("metadata"); m != copy.end() && m->is_object()) {
        m->erase("resourceVersion");
        m->erase("selfLink");
      }
      return copy.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    pb::Unknown unknown;
    unknown.mutable_typemeta()->set_apiversion(api_version);
    unknown.mutable_typemeta()->set_kind(kind);
    unknown.set_raw(std::move(*raw));
    unknown.set_contentencoding("");
    unknown.set_contenttype("");
    return std::string(kProtobufMagic) + deterministic(unknown);
  } catch (const Bad& b) {
    return CodecError{b.message};
  }
}

std::variant<json, CodecError> decode_object(std::string_view stored) {
  if (stored.starts_with(kProtobufMagic)) {
    pb::Unknown unknown;
    const std::string_view rest = stored.substr(kProtobufMagic.size());
    if (!unknown.ParseFromArray(rest.data(), static_cast<int>(rest.size())))
      return CodecError{"proto: cannot parse invalid wire-format data"};
    return decode_raw(unknown.typemeta().apiversion(), unknown.typemeta().kind(), unknown.raw());
  }
  json object = core::parse_untrusted_json(stored);
  if (object.is_discarded() || !object.is_object())
    return CodecError{"the stored value is neither protobuf (k8s\\0) nor a JSON object"};
  return object;
}

}  // namespace kmslab::apiserver::storage
