#include "emulator/apiserver/k8s/watch.hpp"

#include <algorithm>
#include <charconv>

#include "emulator/apiserver/k8s/request_deadline.hpp"
#include "emulator/apiserver/k8s/table.hpp"
#include "emulator/core/stream_body.hpp"

namespace kmslab::apiserver::k8s {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// How far a watcher may fall behind before it is cut off (kube-apiserver closes an unresponsive
// cacheWatcher too); a client then re-lists.
constexpr size_t kWatchBuffer = 16 * 1024 * 1024;
// --min-request-timeout (1800 s): without timeoutSeconds a watch lasts a random time between it
// and twice it (endpoints/handlers/get.go ListResource).
constexpr int64_t kMinRequestTimeout = 1800;
// Go multiplies timeoutSeconds into a Duration and wraps past ~292 years; here a longer timeout
// is a century, so the deadline stays representable on any clock (a watch that long never ends).
constexpr int64_t kMaxWatchTimeout = int64_t{100} * 365 * 24 * 3600;

std::optional<int64_t> parse_int(const std::string& text) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return n;
}

bool flag(const core::RequestContext& ctx, const char* name) {
  const std::string v = ctx.query_param(name).value_or("");
  return v == "true" || v == "1";
}

Status invalid_option(const Kind& kind, const std::string& field, const std::string& message) {
  return invalid(kind.kind, "", {{"FieldValueForbidden", message, field}});
}

}  // namespace

bool is_watch(const core::RequestContext& ctx) {
  return watch_requested(ctx.query);
}

std::variant<WatchRequest, Status> parse_watch_request(const core::RequestContext& ctx,
                                                       const Kind& kind, const std::string& ns,
                                                       core::TimePoint now, core::Rng& rng) {
  WatchRequest r;
  r.kind = &kind;
  r.ns = ns;
  r.bookmarks = flag(ctx, "allowWatchBookmarks");
  const std::string rv = ctx.query_param("resourceVersion").value_or("");
  if (!rv.empty() && rv != "0") {
    auto n = parse_int(rv);
    if (!n || *n <= 0) {
      // APIObjectVersioner.ParseResourceVersion's error as an Invalid Status (unverified).
      return invalid(kind.kind, "",
                     {{"FieldValueInvalid",
                       "Invalid value: \"" + rv + "\": strconv.ParseUint: parsing \"" + rv +
                           "\": invalid syntax",
                       "resourceVersion"}});
    }
    r.resource_version = *n;
  }
  if (auto initial = ctx.query_param("sendInitialEvents")) {
    // ValidateListOptions (apimachinery/pkg/apis/meta/internalversion/validation).
    if (ctx.query_param("resourceVersionMatch").value_or("") != "NotOlderThan") {
      return invalid_option(kind, "resourceVersionMatch",
                            "sendInitialEvents requires setting resourceVersionMatch to "
                            "NotOlderThan");
    }
    if (!r.bookmarks) {
      return invalid_option(kind, "allowWatchBookmarks",
                            "sendInitialEvents requires setting allowWatchBookmarks to true");
    }
    r.send_initial_events = *initial == "true";
    // With sendInitialEvents the state at (or after) resourceVersion comes first, as with "any".
    if (r.send_initial_events) r.resource_version = 0;
    r.skip_initial_state = !r.send_initial_events && r.resource_version == 0;
  }
  int64_t timeout = 0;
  if (auto t = ctx.query_param("timeoutSeconds"); t && !t->empty()) {
    auto n = parse_int(*t);
    if (!n || *n < 0) return bad_request("invalid timeoutSeconds: " + *t);
    timeout = std::min(*n, kMaxWatchTimeout);
  }
  if (timeout == 0) {
    timeout = kMinRequestTimeout + static_cast<int64_t>(rng.next_u64() % kMinRequestTimeout);
  }
  r.deadline = now + std::chrono::seconds(timeout);
  return r;
}

std::function<std::string(const WatchEvent&)> watch_encoder(const Kind& kind, bool table,
                                                            const core::Clock& clock) {
  auto first = std::make_shared<bool>(true);
  return [&kind, table, &clock, first](const WatchEvent& e) {
    ordered_json line = {{"type", e.type}};
    if (!table || e.type == "ERROR") {
      line["object"] = ordered_json::parse(e.object.dump());
    } else if (e.type == "BOOKMARK") {
      line["object"] = {
          {"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", {{"resourceVersion", e.object["metadata"]["resourceVersion"]}}},
          {"columnDefinitions", nullptr},
          {"rows", nullptr}};
    } else {
      ordered_json t = make_table(
          kind, {e.object},
          {{"resourceVersion", e.object["metadata"].value("resourceVersion", "")}}, clock.now());
      if (!*first) t["columnDefinitions"] = nullptr;
      *first = false;
      line["object"] = std::move(t);
    }
    return line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  };
}

core::Result<core::Reply> serve_watch(const core::RequestContext& ctx, WatchRequest request,
                                      const std::shared_ptr<WatchCache>& cache,
                                      const core::Clock& clock) {
  if (!cache) return to_reply(bad_request("watch is not available on this server"));
  auto body = std::make_shared<core::StreamBody>(kWatchBuffer);
  auto encode =
      watch_encoder(*request.kind, wants_table(ctx.request[core::http::field::accept]), clock);
  auto watcher = cache->subscribe(
      request, [body, encode](const WatchEvent& e) { return body->write(encode(e)); },
      [body] { body->finish(); });
  // The client left or the server stops: the cache lets the watcher go.
  body->on_end([weak_cache = std::weak_ptr<WatchCache>(cache),
                weak = std::weak_ptr<WatchCache::Watcher>(watcher)] {
    auto c = weak_cache.lock();
    auto w = weak.lock();
    if (c && w) c->unsubscribe(w);
  });
  core::Reply reply{200, {}, "application/json", {}};
  reply.delivery.stream = std::move(body);
  return reply;
}

}  // namespace kmslab::apiserver::k8s
