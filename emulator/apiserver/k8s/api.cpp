#include "emulator/apiserver/k8s/api.hpp"

#include <algorithm>
#include <charconv>

#include "emulator/apiserver/health/health.hpp"
#include "emulator/apiserver/k8s/decode.hpp"
#include "emulator/apiserver/k8s/discovery.hpp"
#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/managed_fields.hpp"
#include "emulator/apiserver/k8s/openapi.hpp"
#include "emulator/apiserver/k8s/patch.hpp"
#include "emulator/apiserver/k8s/protobuf_body.hpp"
#include "emulator/apiserver/k8s/selectors.hpp"
#include "emulator/apiserver/k8s/status.hpp"
#include "emulator/apiserver/k8s/storage_providers.hpp"
#include "emulator/apiserver/k8s/table.hpp"
#include "emulator/apiserver/k8s/watch.hpp"
#include "emulator/core/base64url.hpp"
#include "emulator/core/json_input.hpp"

namespace kmslab::apiserver::k8s {

using core::Reply;
using core::RequestContext;
using core::Result;
using nlohmann::json;
using storage::StorageError;

namespace {

const char* const kDefaultNamespaces[] = {"default", "kube-system", "kube-public",
                                          "kube-node-lease"};

Reply reply(const Status& s) {
  return to_reply(s);
}

template <class Json>
Reply object_reply(const Json& object, unsigned status,
                   const std::vector<std::string>& warnings = {}) {
  Reply r{
      status, object.dump(-1, ' ', false, json::error_handler_t::replace), "application/json", {}};
  for (const auto& w : warnings) r.headers.emplace_back("Warning", "299 - " + json(w).dump());
  return r;
}

Status storage_status(const StorageError& e, const Kind& kind, const std::string& name) {
  switch (e.kind) {
    case StorageError::Kind::kNotFound:
      return not_found(kind.resource, name);
    case StorageError::Kind::kAlreadyExists:
      return already_exists(kind.resource, name);
    case StorageError::Kind::kConflict:
      return conflict(kind.resource, name);
    case StorageError::Kind::kInvalid:
    case StorageError::Kind::kInternal:
      break;
  }
  return internal_error(e.message);
}

// The continue token: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"} with the
// key relative to the list's prefix (etcd3 EncodeContinue).
std::string encode_continue(const std::string& after, int64_t rv) {
  const json token = {{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", after + std::string(1, '\0')}};
  return core::base64url_encode(token.dump());
}

std::variant<std::string, Status> decode_continue(const std::string& token) {
  const auto invalid = [](const std::string& why) {
    return bad_request("invalid continue token: continue key is not valid: " + why);
  };
  auto bytes = core::base64url_decode(token);
  if (!bytes) return invalid("illegal base64 data");
  const json j = core::parse_untrusted_json(*bytes);
  if (j.is_discarded() || !j.is_object() || j.value("v", "") != "meta.k8s.io/v1" ||
      !j.contains("start") || !j["start"].is_string()) {
    return invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  std::string start = j["start"];
  if (!start.empty() && start.back() == '\0') start.pop_back();
  if (start.find("..") != std::string::npos || start.starts_with("/"))
    return invalid("continue key is not valid");
  return start;
}

std::optional<size_t> parse_limit(const std::string& text) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return n < 0 ? 0 : static_cast<size_t>(n);
}

std::vector<std::string> selectable_fields(const Kind& kind) {
  std::vector<std::string> f = {"metadata.name", "metadata.namespace"};
  if (kind.kind == "Secret") f.push_back("type");
  if (kind.kind == "Namespace") f.push_back("status.phase");
  if (kind.kind == "Pod") f.push_back("status.phase");
  return f;
}

// Builds the list's predicate from ?labelSelector and ?fieldSelector.
std::variant<std::function<bool(const json&)>, Status> list_predicate(const RequestContext& ctx,
                                                                      const Kind& kind) {
  auto labels = parse_label_selector(ctx.query_param("labelSelector").value_or(""));
  if (auto* err = std::get_if<std::string>(&labels)) return bad_request(*err);
  auto fields = parse_field_selector(ctx.query_param("fieldSelector").value_or(""),
                                     selectable_fields(kind), kind.kind);
  if (auto* err = std::get_if<std::string>(&fields)) return bad_request(*err);
  Selector l = std::get<Selector>(labels), f = std::get<Selector>(fields);
  if (l.requirements.empty() && f.requirements.empty()) return std::function<bool(const json&)>{};
  return std::function<bool(const json&)>(
      [l, f](const json& o) { return l.matches(labels_of(o)) && f.matches(fields_of(o)); });
}

json list_body(const Kind& kind, std::vector<json> items, int64_t rv, const std::string& cont) {
  json meta = {{"resourceVersion", std::to_string(rv)}};
  if (!cont.empty()) meta["continue"] = cont;
  json list = json::array();
  for (auto& item : items) {
    item.erase("apiVersion");  // items of a typed list carry no TypeMeta
    item.erase("kind");
    list.push_back(std::move(item));
  }
  return {{"kind", kind.kind + "List"}, {"apiVersion", "v1"}, {"metadata", meta}, {"items", list}};
}

const Kind* kind_in(const RequestContext& ctx, bool namespaced_path) {
  const Kind* kind = find_kind(ctx.param("resource"));
  return kind && kind->namespaced == namespaced_path ? kind : nullptr;
}

}  // namespace

json version_info(const std::string& kubernetes_version) {
  std::string v = kubernetes_version;
  if (std::count(v.begin(), v.end(), '.') == 1) v += ".0";
  const size_t dot = v.find('.');
  const std::string major = v.substr(0, dot);
  const std::string minor = v.substr(dot + 1, v.find('.', dot + 1) - dot - 1);
  return {{"major", major},           {"minor", minor},
          {"gitVersion", "v" + v},    {"gitCommit", "0000000000000000000000000000000000000000"},
          {"gitTreeState", "clean"},  {"buildDate", "2026-01-01T00:00:00Z"},
          {"goVersion", "go1.22.0"},  {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

KubeApi::KubeApi(storage::ObjectStorage& storage, const core::Clock& clock, core::Rng& rng,
                 ApiOptions options)
    : storage_(storage), clock_(clock), rng_(rng), options_(std::move(options)) {}

std::string KubeApi::now_text() const {
  return core::format_rfc3339(clock_.now());
}

std::string KubeApi::manager_of(const RequestContext& ctx, const char* verb) const {
  if (auto m = ctx.query_param("fieldManager"); m && !m->empty()) return *m;
  // Without ?fieldManager kube-apiserver names the manager after the User-Agent's product.
  std::string ua(ctx.request[core::http::field::user_agent]);
  ua = ua.substr(0, ua.find('/'));
  return ua.empty() ? std::string("unknown-") + verb : ua;
}

void KubeApi::ensure_default_namespaces() {
  for (const char* name : kDefaultNamespaces) {
    json ns = {{"apiVersion", "v1"},
               {"kind", "Namespace"},
               {"metadata",
                {{"name", name},
                 {"uid", rng_.uuid()},
                 {"creationTimestamp", now_text()},
                 {"labels", {{"kubernetes.io/metadata.name", name}}}}},
               {"spec", {{"finalizers", {"kubernetes"}}}},
               {"status", {{"phase", "Active"}}}};
    update_managed_fields(ns, nullptr, "kube-apiserver", now_text());
    storage_.create({"namespaces", "", name}, ns);  // AlreadyExists after the first start
  }
}

Result<Reply> KubeApi::list(RequestContext& ctx, const std::string& ns) {
  const Kind* kind = find_kind(ctx.param("resource"));
  if (!kind || (!ns.empty() && !kind->namespaced)) return reply(resource_not_served());
  if (is_watch(ctx)) return watch(ctx, *kind, ns);
  if (kind->kind == "Pod") return list_pods(ctx, ns);
  auto predicate = list_predicate(ctx, *kind);
  if (auto* s = std::get_if<Status>(&predicate)) return reply(*s);
  storage::ListOptions options;
  options.matches = std::get<0>(predicate);
  if (auto limit = ctx.query_param("limit"); limit && !limit->empty()) {
    auto n = parse_limit(*limit);
    if (!n) return reply(bad_request("invalid limit: " + *limit));
    options.limit = *n;
  }
  if (auto cont = ctx.query_param("continue"); cont && !cont->empty()) {
    auto start = decode_continue(*cont);
    if (auto* s = std::get_if<Status>(&start)) return reply(*s);
    options.start_after = std::get<std::string>(start);
  }
  auto page = storage_.list(kind->resource, ns, options);
  if (auto* e = std::get_if<StorageError>(&page)) return reply(internal_error(e->message));
  auto& p = std::get<storage::ListPage>(page);
  const std::string cont =
      p.continue_after.empty() ? "" : encode_continue(p.continue_after, p.revision);
  if (wants_table(ctx.request[core::http::field::accept])) {
    json meta = {{"resourceVersion", std::to_string(p.revision)}};
    if (!cont.empty()) meta["continue"] = cont;
    return object_reply(make_table(*kind, p.items, meta, clock_.now()), 200);
  }
  return object_reply(list_body(*kind, std::move(p.items), p.revision, cont), 200);
}

Result<Reply> KubeApi::watch(RequestContext& ctx, const Kind& kind, const std::string& ns) {
  // The pods of --pod never change: there is nothing to watch.
  if (kind.read_only) return reply(method_not_supported(kind.resource, "watch"));
  auto predicate = list_predicate(ctx, kind);
  if (auto* s = std::get_if<Status>(&predicate)) return reply(*s);
  auto request = parse_watch_request(ctx, kind, ns, clock_.now(), rng_);
  if (auto* s = std::get_if<Status>(&request)) return reply(*s);
  auto& r = std::get<WatchRequest>(request);
  r.matches = std::move(std::get<0>(predicate));
  return serve_watch(ctx, std::move(r), options_.watch_cache, clock_);
}

Result<Reply> KubeApi::list_pods(RequestContext& ctx, const std::string& ns) {
  const Kind& kind = *find_kind("pods");
  auto predicate = list_predicate(ctx, kind);
  if (auto* s = std::get_if<Status>(&predicate)) return reply(*s);
  const auto& matches = std::get<0>(predicate);
  std::vector<json> items;
  for (const auto& pod : options_.pods) {
    if (!ns.empty() && pod["metadata"].value("namespace", "") != ns) continue;
    if (matches && !matches(pod)) continue;
    items.push_back(pod);
  }
  if (!ctx.param("name").empty()) {
    for (const auto& pod : items) {
      if (pod["metadata"].value("name", "") != ctx.param("name")) continue;
      if (wants_table(ctx.request[core::http::field::accept]))
        return object_reply(make_table(kind, {pod}, json::object(), clock_.now()), 200);
      return object_reply(pod, 200);
    }
    return reply(not_found("pods", ctx.param("name")));
  }
  const int64_t rv = storage_.revision();
  if (wants_table(ctx.request[core::http::field::accept]))
    return object_reply(
        make_table(kind, items, {{"resourceVersion", std::to_string(rv)}}, clock_.now()), 200);
  return object_reply(list_body(kind, std::move(items), rv, ""), 200);
}

Result<Reply> KubeApi::get(RequestContext& ctx, const std::string& ns) {
  const Kind* kind = kind_in(ctx, !ns.empty());
  if (!kind) return reply(resource_not_served());
  if (kind->kind == "Pod") return list_pods(ctx, ns);
  const std::string& name = ctx.param("name");
  auto got = storage_.get({kind->resource, ns, name});
  if (auto* e = std::get_if<StorageError>(&got)) return reply(storage_status(*e, *kind, name));
  auto& object = std::get<storage::StoredObject>(got).object;
  if (wants_table(ctx.request[core::http::field::accept])) {
    return object_reply(
        make_table(*kind, {object}, {{"resourceVersion", object["metadata"]["resourceVersion"]}},
                   clock_.now()),
        200);
  }
  return object_reply(object, 200);
}

namespace {

// Decodes the body and checks what every write checks: the namespace, and the field validation
// directive.
std::variant<DecodedBody, Status> decode_request(const RequestContext& ctx, const Kind& kind,
                                                 const std::string& ns) {
  auto mode = parse_field_validation(ctx.query_param("fieldValidation").value_or(""));
  if (!mode) {
    return bad_request("fieldValidation parameter unsupported: " +
                       ctx.query_param("fieldValidation").value_or("") +
                       ". Must be one of Ignore, Warn, or Strict");
  }
  const std::string_view content_type = ctx.request[core::http::field::content_type];
  std::string body = ctx.request.body();
  if (content_type.starts_with(kProtobufMediaType)) {
    auto converted = protobuf_body_to_json(kind, body);
    if (auto* s = std::get_if<Status>(&converted)) return *s;
    body = std::move(std::get<std::string>(converted));
  } else if (!content_type.empty() && !content_type.starts_with("application/json")) {
    return Status{415, "UnsupportedMediaType",
                  "the body of the request was in an unknown format - accepted media types "
                  "include: application/json, application/vnd.kubernetes.protobuf",
                  nullptr};
  }
  auto decoded = decode_body(kind, body, *mode);
  if (auto* s = std::get_if<Status>(&decoded)) return *s;
  json& meta = std::get<DecodedBody>(decoded).object["metadata"];
  const std::string body_ns = meta.value("namespace", "");
  if (kind.namespaced) {
    if (!body_ns.empty() && body_ns != ns) {
      return bad_request(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  return decoded;
}

std::string generated_name(const std::string& base, core::Rng& rng) {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";  // utilrand.String
  std::string out = base.substr(0, 58);
  for (int i = 0; i < 5; ++i) out += kAlphabet[rng.next_u64() % (sizeof kAlphabet - 1)];
  return out;
}

}  // namespace

Result<Reply> KubeApi::create(RequestContext& ctx, const std::string& ns) {
  const Kind* kind = kind_in(ctx, !ns.empty());
  if (!kind) return reply(resource_not_served());
  if (kind->read_only) return reply(method_not_supported(kind->resource, "create"));
  if (kind->namespaced) {
    auto got = storage_.get({"namespaces", "", ns});
    if (std::holds_alternative<StorageError>(got)) return reply(not_found("namespaces", ns));
  }
  auto decoded = decode_request(ctx, *kind, ns);
  if (auto* s = std::get_if<Status>(&decoded)) return reply(*s);
  auto& [object, warnings] = std::get<DecodedBody>(decoded);
  json& meta = object["metadata"];
  if (!meta.value("resourceVersion", "").empty()) {
    return reply(
        Status{500, "", "resourceVersion should not be set on objects to be created", nullptr});
  }
  if (meta.value("name", "").empty() && !meta.value("generateName", "").empty()) {
    meta["name"] = generated_name(meta["generateName"], rng_);
  }
  const std::string name = meta.value("name", "");
  if (auto causes = validate(*kind, object, nullptr); !causes.empty()) {
    return reply(invalid(kind->kind, name, causes));
  }
  meta["uid"] = rng_.uuid();
  meta["creationTimestamp"] = now_text();
  for (const char* k :
       {"selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"})
    meta.erase(k);
  if (kind->kind == "Secret" && object.value("type", "").empty()) object["type"] = "Opaque";
  if (kind->kind == "Namespace") {
    meta["labels"]["kubernetes.io/metadata.name"] = name;
    object["spec"] = {{"finalizers", {"kubernetes"}}};
    object["status"] = {{"phase", "Active"}};
  }
  meta.erase("managedFields");
  update_managed_fields(object, nullptr, manager_of(ctx, "create"), now_text());
  auto created = storage_.create({kind->resource, ns, name}, object);
  if (auto* e = std::get_if<StorageError>(&created)) return reply(storage_status(*e, *kind, name));
  return object_reply(std::get<storage::StoredObject>(created).object, 201, warnings);
}

Result<Reply> KubeApi::replace(RequestContext& ctx, const std::string& ns) {
  const Kind* kind = kind_in(ctx, !ns.empty());
  if (!kind) return reply(resource_not_served());
  if (kind->read_only) return reply(method_not_supported(kind->resource, "update"));
  auto decoded = decode_request(ctx, *kind, ns);
  if (auto* s = std::get_if<Status>(&decoded)) return reply(*s);
  const DecodedBody body = std::move(std::get<DecodedBody>(decoded));
  // checkName, before storage is read (endpoints/handlers/update.go).
  if (const std::string body_name = body.object["metadata"].value("name", "");
      body_name != ctx.param("name")) {
    return reply(bad_request("the name of the object (" + body_name +
                             ") does not match the name on the URL (" + ctx.param("name") + ")"));
  }
  return write_update(ctx, *kind, ns, [&](const json&) -> Next { return body; });
}

Result<Reply> KubeApi::patch(RequestContext& ctx, const std::string& ns) {
  const Kind* kind = kind_in(ctx, !ns.empty());
  if (!kind) return reply(resource_not_served());
  if (kind->read_only) return reply(method_not_supported(kind->resource, "patch"));
  auto type = patch_type(ctx.request[core::http::field::content_type]);
  if (!type) {
    return reply(Status{415, "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types "
                        "include: application/json-patch+json, application/merge-patch+json, "
                        "application/strategic-merge-patch+json",
                        nullptr});
  }
  auto mode = parse_field_validation(ctx.query_param("fieldValidation").value_or(""));
  if (!mode) return reply(bad_request("fieldValidation parameter unsupported"));
  const json patch_doc = core::parse_untrusted_json(ctx.request.body());
  if (patch_doc.is_discarded()) return reply(bad_request("error decoding patch: invalid JSON"));
  return write_update(ctx, *kind, ns, [&](const json& current) -> Next {
    auto patched = apply_patch(*type, current, patch_doc);
    if (auto* s = std::get_if<Status>(&patched)) return *s;
    auto decoded = decode_body(*kind, std::get<json>(patched).dump(), *mode);
    if (auto* s = std::get_if<Status>(&decoded)) return *s;
    auto& body = std::get<DecodedBody>(decoded);
    if (kind->namespaced) body.object["metadata"]["namespace"] = ns;
    return body;
  });
}

// GuaranteedUpdate for PUT and PATCH: `make_next` builds the new object from the current one;
// the server keeps what clients may not change, validates, and keeps managedFields.
Result<Reply> KubeApi::write_update(RequestContext& ctx, const Kind& kind, const std::string& ns,
                                    const std::function<Next(const json&)>& make_next) {
  const std::string& name = ctx.param("name");
  std::optional<Status> refused;
  std::vector<std::string> warnings;
  const std::string manager = manager_of(ctx, "update");
  const auto refuse = [&](Status s) {
    refused = std::move(s);
    return StorageError{StorageError::Kind::kInvalid, {}};
  };
  auto updated = storage_.update(
      {kind.resource, ns, name},
      [&](const storage::StoredObject& cur) -> std::variant<json, StorageError> {
        auto made = make_next(cur.object);
        if (auto* s = std::get_if<Status>(&made)) return refuse(*s);
        auto& body = std::get<DecodedBody>(made);
        warnings = body.warnings;
        json next = std::move(body.object);
        json& meta = next["metadata"];
        const json& old_meta = cur.object["metadata"];
        const std::string body_name = meta.value("name", "");
        if (body_name != name) {
          return refuse(bad_request("the name of the object (" + body_name +
                                    ") does not match the name on the URL (" + name + ")"));
        }
        const std::string rv = meta.value("resourceVersion", "");
        if (!rv.empty() && rv != old_meta.value("resourceVersion", "")) {
          return StorageError{StorageError::Kind::kConflict, {}};
        }
        meta["uid"] = old_meta.value("uid", "");
        meta["creationTimestamp"] = old_meta.value("creationTimestamp", "");
        if (kind.kind == "Secret" && next.value("type", "").empty()) next["type"] = "Opaque";
        if (kind.kind == "Namespace") {
          next["status"] = cur.object.value("status", json::object());
          next["spec"] = cur.object.value("spec", json::object());
          meta["labels"]["kubernetes.io/metadata.name"] = name;
        }
        if (auto causes = validate(kind, next, &cur.object); !causes.empty()) {
          return refuse(invalid(kind.kind, name, causes));
        }
        update_managed_fields(next, &cur.object, manager, now_text());
        meta["resourceVersion"] = old_meta.value("resourceVersion", "");
        return next;
      });
  if (refused) return reply(*refused);
  if (auto* e = std::get_if<StorageError>(&updated)) return reply(storage_status(*e, kind, name));
  return object_reply(std::get<storage::StoredObject>(updated).object, 200, warnings);
}

Result<Reply> KubeApi::remove(RequestContext& ctx, const std::string& ns) {
  const Kind* kind = kind_in(ctx, !ns.empty());
  if (!kind) return reply(resource_not_served());
  if (kind->read_only) return reply(method_not_supported(kind->resource, "delete"));
  const std::string& name = ctx.param("name");
  if (kind->kind == "Namespace" &&
      (name == "default" || name == "kube-system" || name == "kube-public")) {
    return reply(forbidden("namespaces", name, "this namespace may not be deleted"));
  }
  // DeleteOptions.preconditions.resourceVersion, when the body has one.
  std::string want_rv;
  if (!ctx.request.body().empty()) {
    const json options = core::parse_untrusted_json(ctx.request.body());
    if (options.is_discarded() || !options.is_object())
      return reply(bad_request("the body of the request was in an unknown format"));
    if (options.contains("preconditions") && options["preconditions"].is_object())
      want_rv = options["preconditions"].value("resourceVersion", "");
  }
  std::optional<Status> refused;
  auto removed =
      storage_.remove({kind->resource, ns, name},
                      [&](const storage::StoredObject& cur) -> std::optional<StorageError> {
                        const std::string rv = cur.object["metadata"].value("resourceVersion", "");
                        if (want_rv.empty() || want_rv == rv) return std::nullopt;
                        refused = conflict(kind->resource, name,
                                           "the ResourceVersion in the precondition (" + want_rv +
                                               ") does not match the ResourceVersion in record (" +
                                               rv + "). The object might have been modified");
                        return StorageError{StorageError::Kind::kConflict, {}};
                      });
  if (refused) return reply(*refused);
  if (auto* e = std::get_if<StorageError>(&removed)) return reply(storage_status(*e, *kind, name));
  json& object = std::get<storage::StoredObject>(removed).object;
  if (kind->kind == "Namespace") {
    // The namespace controller's work, done at once: its contents go with it.
    for (const auto& k : served_kinds()) {
      if (k.namespaced && !k.read_only) storage_.remove_collection(k.resource, name);
    }
    object["metadata"]["deletionTimestamp"] = now_text();
    object["status"]["phase"] = "Terminating";
    return object_reply(object, 200);
  }
  return success_status(kind->resource, name, object["metadata"].value("uid", ""));
}

void KubeApi::register_routes(core::Router& router) {
  using core::http::verb;
  const auto pub = router.add_group("k8s-public", {"*"});
  const json version = version_info(options_.kubernetes_version);
  router.add(pub, verb::get, "/version", "k8s.version",
             [version](RequestContext&) -> Result<Reply> { return Reply::json(version); });
  register_health(router, pub);
  const auto api = router.add_group("k8s", {"*"});
  router.add_filter(
      api, [token = options_.bearer_token](RequestContext& ctx) -> std::optional<core::ApiError> {
        const std::string_view auth = ctx.request[core::http::field::authorization];
        if (!token.empty() && auth == "Bearer " + token) return std::nullopt;
        return core::ApiError{401, "Unauthorized", "Unauthorized", std::nullopt, {}};
      });
  register_discovery(router, api);
  router.add(api, verb::get, "/_kmslab/raw", "kmslab.raw",
             [this](RequestContext& c) { return raw(c); });
  register_storage_providers(router, api, storage_);
  register_openapi(router, api, options_.kubernetes_version);
  auto ns_of = [](const RequestContext& ctx) { return ctx.param("namespace"); };
  // The deprecated watch paths kube-apiserver still serves (before /api/v1/{resource}/{name}).
  router.add(api, verb::get, "/api/v1/watch/namespaces/{namespace}/{resource}", "k8s.watch",
             [this, ns_of](RequestContext& c) -> Result<Reply> {
               const Kind* kind = find_kind(c.param("resource"));
               if (!kind || !kind->namespaced) return reply(resource_not_served());
               return watch(c, *kind, ns_of(c));
             });
  router.add(api, verb::get, "/api/v1/watch/{resource}", "k8s.watch",
             [this](RequestContext& c) -> Result<Reply> {
               const Kind* kind = find_kind(c.param("resource"));
               if (!kind) return reply(resource_not_served());
               return watch(c, *kind, "");
             });
  router.add(api, verb::get, "/api/v1/namespaces/{namespace}/{resource}", "k8s.list",
             [this, ns_of](RequestContext& c) { return list(c, ns_of(c)); });
  router.add(api, verb::post, "/api/v1/namespaces/{namespace}/{resource}", "k8s.create",
             [this, ns_of](RequestContext& c) { return create(c, ns_of(c)); });
  router.add(api, verb::get, "/api/v1/namespaces/{namespace}/{resource}/{name}", "k8s.get",
             [this, ns_of](RequestContext& c) { return get(c, ns_of(c)); });
  router.add(api, verb::put, "/api/v1/namespaces/{namespace}/{resource}/{name}", "k8s.update",
             [this, ns_of](RequestContext& c) { return replace(c, ns_of(c)); });
  router.add(api, verb::patch, "/api/v1/namespaces/{namespace}/{resource}/{name}", "k8s.patch",
             [this, ns_of](RequestContext& c) { return patch(c, ns_of(c)); });
  router.add(api, verb::delete_, "/api/v1/namespaces/{namespace}/{resource}/{name}", "k8s.delete",
             [this, ns_of](RequestContext& c) { return remove(c, ns_of(c)); });
  router.add(api, verb::get, "/api/v1/{resource}", "k8s.list",
             [this](RequestContext& c) { return list(c, ""); });
  router.add(api, verb::post, "/api/v1/{resource}", "k8s.create",
             [this](RequestContext& c) -> Result<Reply> {
               const Kind* kind = find_kind(c.param("resource"));
               if (kind && kind->namespaced)
                 return status_from_api_error({405, "", "", std::nullopt, {}});
               return create(c, "");
             });
  router.add(api, verb::get, "/api/v1/{resource}/{name}", "k8s.get",
             [this](RequestContext& c) { return get(c, ""); });
  router.add(api, verb::put, "/api/v1/{resource}/{name}", "k8s.update",
             [this](RequestContext& c) { return replace(c, ""); });
  router.add(api, verb::patch, "/api/v1/{resource}/{name}", "k8s.patch",
             [this](RequestContext& c) { return patch(c, ""); });
  router.add(api, verb::delete_, "/api/v1/{resource}/{name}", "k8s.delete",
             [this](RequestContext& c) { return remove(c, ""); });
}

// What `etcdctl get KEY` shows, for the embedded store too: the stored bytes, untransformed.
// Read-only, and behind the same bearer token as the API.
Result<Reply> KubeApi::raw(RequestContext& ctx) {
  const std::string key = ctx.query_param("key").value_or("");
  if (key.empty()) return reply(bad_request("the key query parameter is required"));
  auto kv = storage_.raw(key);
  if (!kv) return reply(Status{404, "NotFound", "key \"" + key + "\" not found", nullptr});
  Reply r{200, kv->value, "application/octet-stream", {}};
  r.headers.emplace_back("X-Kmslab-Mod-Revision", std::to_string(kv->mod_revision));
  r.headers.emplace_back("X-Kmslab-Create-Revision", std::to_string(kv->create_revision));
  return r;
}

void KubeApi::register_health(core::Router& router, core::Router::GroupId group) {
  // The storage probe: a read of the namespaces prefix (kube-apiserver's "etcd" check).
  encryption::HealthCheck ping{"ping", [] { return std::optional<std::string>(); }};
  encryption::HealthCheck log{"log", [] { return std::optional<std::string>(); }};
  encryption::HealthCheck etcd{"etcd", [this]() -> std::optional<std::string> {
                                 try {
                                   (void)storage_.revision();
                                   return std::nullopt;
                                 } catch (const std::exception& e) {
                                   return std::string(e.what());
                                 }
                               }};
  std::vector<encryption::HealthCheck> base = {ping, log, etcd};
  std::vector<encryption::HealthCheck> with_kms = base;
  with_kms.insert(with_kms.end(), options_.kms_checks.begin(), options_.kms_checks.end());
  health::register_health_routes(router, group,
                                 {{"healthz", with_kms}, {"livez", base}, {"readyz", with_kms}});
}

}  // namespace kmslab::apiserver::k8s
