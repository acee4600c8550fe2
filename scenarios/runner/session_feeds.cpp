// The timeline's call feeds (Session::poll_calls): what Key Vault and the KMS plugins did
// during a step, read back through the product's own logs of it.
#include "scenarios/runner/session.hpp"

#include "emulator/core/client/url.hpp"

namespace kmslab::scenario {

using nlohmann::json;

namespace {

// The records of a feed's answer: {"records":[...]} (Key Vault's diagnostic log shape), or the
// first array under calls/items/value, or the answer itself when it is an array.
const json* records_of(const json& doc) {
  if (doc.is_array()) return &doc;
  for (const char* key : {"records", "calls", "items", "value"})
    if (doc.is_object() && doc.contains(key) && doc[key].is_array()) return &doc[key];
  return nullptr;
}

std::string field(const json& r, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (!r.contains(n) || r[n].is_null()) continue;
    return r[n].is_string() ? r[n].get<std::string>() : r[n].dump();
  }
  return "";
}

bool failed(const std::string& result) {
  if (result.empty()) return false;
  if (std::isdigit(static_cast<unsigned char>(result[0]))) return result[0] >= '4';
  return result != "OK" && result != "Success" && result != "ok" && result != "Succeeded";
}

Event keyvault_event(const std::string& vault, const json& r) {
  Event e;
  e.kind = "keyvault_call";
  e.virtual_time = field(r, {"time"});
  const std::string result = field(r, {"resultSignature", "httpStatusCode", "resultType"});
  e.summary = field(r, {"operationName"}) + " " + vault + " -> " + result;
  e.detail = r.dump(-1, ' ', false, json::error_handler_t::replace);
  e.status = failed(result) ? "error" : "ok";
  return e;
}

Event plugin_event(const std::string& cluster, const json& r) {
  Event e;
  e.kind = "plugin_call";
  e.virtual_time = field(r, {"time", "virtual_time", "timestamp"});
  const std::string result = field(r, {"code", "grpc_code", "status", "result"});
  e.summary = field(r, {"method", "operation"}) + " " + field(r, {"provider", "name"}) + " (" +
              cluster + ") -> " + result;
  e.detail = r.dump(-1, ' ', false, json::error_handler_t::replace);
  e.status = failed(result) ? "error" : "ok";
  return e;
}

}  // namespace

std::vector<Event> Session::poll_calls(SteadyTime deadline) {
  std::vector<Event> out;
  auto read = [&](const std::string& source, auto fetch, auto make) {
    Feed& feed = feeds_[source];
    if (!feed.served) return;
    Answer a;
    try {
      a = fetch();
    } catch (const StepError&) {
      return;  // a stack restarting, a cluster not serving yet: the next poll sees it
    }
    if (a.status == 404) feed.served = false;
    if (a.status != 200) return;
    const json doc = a.document();
    const json* records = records_of(doc);
    if (!records) return;
    // Feeds are cumulative logs: a shorter one than before was started again (a restart).
    if (records->size() < feed.seen) feed.seen = 0;
    for (size_t i = feed.seen; i < records->size(); ++i) out.push_back(make((*records)[i]));
    feed.seen = records->size();
  };
  for (const auto& vault : vaults_) {
    read(
        "vault " + vault,
        [&] {
          return admin("GET",
                       "/_kmslab/vaults/" + core::client::percent_encode(vault) + "/audit-events",
                       json(), deadline);
        },
        [&](const json& r) { return keyvault_event(vault, r); });
  }
  for (const auto& cluster : clusters_) {
    const std::string& name = cluster.first;  // a plain name: lambdas cannot capture a binding
    read(
        "cluster " + name,
        [&] {
          return kube({{"cluster", name}, {"path", "/_kmslab/kms-calls"}}, deadline);
        },
        [&](const json& r) { return plugin_event(name, r); });
  }
  return out;
}

}  // namespace kmslab::scenario
