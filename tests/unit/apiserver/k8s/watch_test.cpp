// Watches through the real request pipeline (router, dispatcher), no sockets: the answer's
// StreamBody is drained directly. The store delivers events synchronously on the writing
// thread, so after each write the watch's lines are already queued.
#include "emulator/apiserver/k8s/watch.hpp"

#include <gtest/gtest.h>

#include "tests/unit/apiserver/k8s/api_deps.hpp"

#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/apiserver/k8s/api.hpp"
#include "emulator/apiserver/k8s/status.hpp"
#include "emulator/core/dispatcher.hpp"
#include "emulator/core/stream_body.hpp"
#include "emulator/store/local_store.hpp"

namespace kmslab::apiserver::k8s {
namespace {

using nlohmann::json;
namespace http = core::http;

struct Watch {
  unsigned status = 0;
  json body;  // a non-streamed answer
  std::shared_ptr<core::StreamBody> stream;
  bool finished = false;
  /// The events queued since the last call.
  std::vector<json> events() {
    std::vector<json> out;
    auto d = stream->drain();
    finished = finished || d.finished;
    size_t start = 0;
    for (size_t nl = d.data.find('\n'); nl != std::string::npos; nl = d.data.find('\n', start)) {
      out.push_back(json::parse(d.data.substr(start, nl - start)));
      start = nl + 1;
    }
    EXPECT_EQ(start, d.data.size()) << "a partial line";
    return out;
  }
};

class WatchTest : public ::testing::Test, protected ApiDeps {
 protected:
  explicit WatchTest(size_t capacity = 100, std::map<std::string, size_t> sizes = {})
      : cache(std::make_shared<WatchCache>(store, storage, clock, capacity, std::move(sizes))),
        api(storage, clock, rng, options(cache)) {
    api.ensure_default_namespaces();
    cache->start();
    api.register_routes(router);
  }
  static ApiOptions options(std::shared_ptr<WatchCache> c) {
    ApiOptions o;
    o.kubernetes_version = "1.32";
    o.bearer_token = "t0ken";
    o.watch_cache = std::move(c);
    return o;
  }

  core::Answer send(http::verb method, const std::string& target, const std::string& body = "",
                    const std::string& accept = "application/json",
                    const std::string& content_type = "application/json") {
    core::HttpRequest req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:6443");
    req.set(http::field::authorization, "Bearer t0ken");
    req.set(http::field::accept, accept);
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    auto answer = dispatcher.handle_or_defer(std::move(req), core::ConnectionInfo{},
                                             [] { return core::Respond{}; });
    return std::move(*answer);
  }
  Watch watch(const std::string& target, const std::string& accept = "application/json") {
    auto answer = send(http::verb::get, target, "", accept);
    Watch w;
    w.status = answer.response.result_int();
    w.stream = answer.delivery.stream;
    if (!w.stream) w.body = json::parse(answer.response.body(), nullptr, false);
    return w;
  }
  int64_t create(const std::string& name, const std::string& ns = "default",
                 const json& labels = json::object()) {
    json s = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", name}, {"labels", labels}}},
              {"data", {{"a", "YQ=="}}}};
    auto a = send(http::verb::post, "/api/v1/namespaces/" + ns + "/secrets", s.dump());
    EXPECT_EQ(a.response.result_int(), 201u) << a.response.body();
    return std::stoll(
        json::parse(a.response.body())["metadata"]["resourceVersion"].get<std::string>());
  }
  void label(const std::string& name, const json& labels) {
    auto a = send(http::verb::patch, "/api/v1/namespaces/default/secrets/" + name,
                  json{{"metadata", {{"labels", labels}}}}.dump(), "application/json",
                  "application/merge-patch+json");
    EXPECT_EQ(a.response.result_int(), 200u) << a.response.body();
  }
  void remove(const std::string& name) {
    auto a = send(http::verb::delete_, "/api/v1/namespaces/default/secrets/" + name);
    EXPECT_EQ(a.response.result_int(), 200u) << a.response.body();
  }

  std::shared_ptr<WatchCache> cache;
  KubeApi api;
  core::Router router;
  core::Dispatcher dispatcher{router, clock, rng, logger, metrics, status_from_api_error};
};

std::vector<std::string> types(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["type"]);
  return out;
}

TEST_F(WatchTest, CurrentStateFirstThenEveryChange) {
  create("s1");
  Watch w = watch("/api/v1/namespaces/default/secrets?watch=true");
  ASSERT_EQ(w.status, 200u);
  ASSERT_TRUE(w.stream);
  auto initial = w.events();
  ASSERT_EQ(types(initial), std::vector<std::string>{"ADDED"});
  EXPECT_EQ(initial[0]["object"]["metadata"]["name"], "s1");
  EXPECT_EQ(initial[0]["object"]["kind"], "Secret");
  const int64_t rv2 = create("s2");
  label("s1", {{"app", "x"}});
  remove("s2");
  auto changes = w.events();
  ASSERT_EQ(types(changes), (std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"}));
  EXPECT_EQ(changes[0]["object"]["metadata"]["resourceVersion"], std::to_string(rv2));
  EXPECT_EQ(changes[1]["object"]["metadata"]["labels"]["app"], "x");
  // DELETED carries the last state, at the deleting revision.
  EXPECT_EQ(changes[2]["object"]["metadata"]["name"], "s2");
  EXPECT_EQ(changes[2]["object"]["data"]["a"], "YQ==");
  EXPECT_EQ(changes[2]["object"]["metadata"]["resourceVersion"], std::to_string(store.revision()));
  EXPECT_FALSE(w.finished);
}

TEST_F(WatchTest, WatchOneFormAndAllNamespacesAndLegacyPaths) {
  for (const std::string target :
       {"/api/v1/secrets?watch=1&resourceVersion=0", "/api/v1/watch/secrets",
        "/api/v1/watch/namespaces/other/secrets"}) {
    Watch w = watch(target);
    ASSERT_TRUE(w.stream) << target << ": " << w.body.dump();
  }
  create("other", "default");
  Watch all = watch("/api/v1/watch/secrets");
  Watch other = watch("/api/v1/watch/namespaces/kube-system/secrets");
  create("k", "kube-system");
  EXPECT_EQ(all.events().size(), 2u);
  auto o = other.events();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0]["object"]["metadata"]["namespace"], "kube-system");
  Watch namespaces = watch("/api/v1/namespaces?watch=true");
  EXPECT_EQ(namespaces.events().size(), 4u);  // default, kube-system, kube-public, kube-node-lease
}

TEST_F(WatchTest, ResumesAfterAResourceVersion) {
  const int64_t rv1 = create("s1");
  create("s2");
  create("s3");
  Watch w =
      watch("/api/v1/namespaces/default/secrets?watch=true&resourceVersion=" + std::to_string(rv1));
  auto events = w.events();
  ASSERT_EQ(types(events), (std::vector<std::string>{"ADDED", "ADDED"}));
  EXPECT_EQ(events[0]["object"]["metadata"]["name"], "s2");
  EXPECT_EQ(events[1]["object"]["metadata"]["name"], "s3");
}

TEST_F(WatchTest, SelectorTransitionsAreAddedAndDeleted) {
  Watch w = watch("/api/v1/namespaces/default/secrets?watch=true&labelSelector=app%3Dx");
  EXPECT_TRUE(w.events().empty());
  create("s1");
  EXPECT_TRUE(w.events().empty());
  label("s1", {{"app", "x"}});
  label("s1", {{"app", "x"}, {"more", "1"}});
  label("s1", {{"app", "y"}});
  auto events = w.events();
  ASSERT_EQ(types(events), (std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"}));
  // The DELETED object is the last state that matched.
  EXPECT_EQ(events[2]["object"]["metadata"]["labels"]["app"], "x");
  Watch by_name =
      watch("/api/v1/namespaces/default/secrets?watch=true&fieldSelector=metadata.name%3Ds2");
  create("s2");
  create("s3");
  EXPECT_EQ(by_name.events().size(), 1u);
}

TEST_F(WatchTest, TableRowsForKubectlGetWatch) {
  create("s1");
  Watch w = watch("/api/v1/namespaces/default/secrets?watch=true",
                  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  create("s2");
  auto events = w.events();
  ASSERT_EQ(events.size(), 2u);
  const json& first = events[0]["object"];
  EXPECT_EQ(first["kind"], "Table");
  EXPECT_EQ(first["columnDefinitions"][0]["name"], "Name");
  EXPECT_EQ(first["rows"][0]["cells"][0], "s1");
  EXPECT_EQ(first["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  // Later events leave the columns out (kubectl keeps the first ones).
  EXPECT_TRUE(events[1]["object"]["columnDefinitions"].is_null());
  EXPECT_EQ(events[1]["object"]["rows"][0]["cells"][0], "s2");
}

TEST_F(WatchTest, BookmarksAndTimeoutOnTheClock) {
  Watch w = watch(
      "/api/v1/namespaces/default/secrets?watch=true&allowWatchBookmarks=true&timeoutSeconds=100");
  EXPECT_TRUE(w.events().empty());
  create("s1");
  w.events();
  clock.advance(std::chrono::seconds(60));
  auto bookmarks = w.events();
  ASSERT_EQ(types(bookmarks), std::vector<std::string>{"BOOKMARK"});
  EXPECT_EQ(bookmarks[0]["object"]["kind"], "Secret");
  EXPECT_EQ(bookmarks[0]["object"]["metadata"]["resourceVersion"],
            std::to_string(store.revision()));
  clock.advance(std::chrono::seconds(38));  // 2 s before the timeout: one more bookmark
  EXPECT_EQ(types(w.events()), std::vector<std::string>{"BOOKMARK"});
  EXPECT_FALSE(w.finished);
  clock.advance(std::chrono::seconds(2));
  EXPECT_TRUE(w.events().empty());
  EXPECT_TRUE(w.finished);
  EXPECT_EQ(cache->watchers(), 0u);
  // Without allowWatchBookmarks, none.
  Watch quiet = watch("/api/v1/namespaces/default/secrets?watch=true&timeoutSeconds=300");
  EXPECT_EQ(types(quiet.events()), std::vector<std::string>{"ADDED"});  // s1
  clock.advance(std::chrono::seconds(120));
  EXPECT_TRUE(quiet.events().empty());
}

TEST_F(WatchTest, SendInitialEventsEndsWithAnAnnotatedBookmark) {
  create("s1");
  Watch refused = watch("/api/v1/namespaces/default/secrets?watch=true&sendInitialEvents=true");
  EXPECT_EQ(refused.status, 422u);
  EXPECT_NE(refused.body["message"].get<std::string>().find(
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
            std::string::npos);
  Watch w = watch(
      "/api/v1/namespaces/default/secrets?watch=true&sendInitialEvents=true&"
      "resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
  auto events = w.events();
  ASSERT_EQ(types(events), (std::vector<std::string>{"ADDED", "BOOKMARK"}));
  EXPECT_EQ(events[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
}

TEST_F(WatchTest, BadResourceVersionIsRefusedBeforeStreaming) {
  Watch w = watch("/api/v1/namespaces/default/secrets?watch=true&resourceVersion=abc");
  EXPECT_EQ(w.status, 422u);
  EXPECT_FALSE(w.stream);
  EXPECT_EQ(w.body["kind"], "Status");
  Watch t = watch("/api/v1/namespaces/default/secrets?watch=true&timeoutSeconds=-1");
  EXPECT_EQ(t.status, 400u);
  Watch pods = watch("/api/v1/pods?watch=true");
  EXPECT_EQ(pods.status, 405u);
}

// Found by fuzz_apiserver_watch: a timeout in seconds whose nanoseconds overflow int64.
TEST_F(WatchTest, AHugeTimeoutIsAcceptedAndDoesNotOverflowTheDeadline) {
  Watch w = watch("/api/v1/namespaces/default/secrets?watch=true&timeoutSeconds=8000000000005");
  EXPECT_EQ(w.status, 200u);
  clock.advance(std::chrono::hours(24 * 365));
  create("s1");
  EXPECT_EQ(types(w.events()), std::vector<std::string>{"ADDED"});
  EXPECT_FALSE(w.finished);
}

TEST_F(WatchTest, AValueThatDoesNotDecodeIsAnErrorEventThatEndsTheWatch) {
  Watch w = watch("/api/v1/namespaces/default/secrets?watch=true");
  store.put("/registry/secrets/default/bad", "not an object");
  auto events = w.events();
  ASSERT_EQ(types(events), std::vector<std::string>{"ERROR"});
  EXPECT_EQ(events[0]["object"]["kind"], "Status");
  EXPECT_EQ(events[0]["object"]["code"], 500);
  EXPECT_EQ(events[0]["object"]["reason"], "InternalError");
  EXPECT_TRUE(w.finished);
  // Also when the bad value is part of the initial state.
  Watch later = watch("/api/v1/namespaces/default/secrets?watch=true");
  EXPECT_EQ(types(later.events()), std::vector<std::string>{"ERROR"});
  EXPECT_TRUE(later.finished);
}

TEST_F(WatchTest, TheClientLeavingReleasesTheWatcher) {
  Watch w = watch("/api/v1/namespaces/default/secrets?watch=true");
  EXPECT_EQ(cache->watchers(), 1u);
  w.stream->abort();  // what the transport does when the connection ends
  EXPECT_EQ(cache->watchers(), 0u);
  create("s1");  // nothing to deliver to
}

class SmallWatchCacheTest : public WatchTest {
 protected:
  SmallWatchCacheTest() : WatchTest(2) {}
};

TEST_F(SmallWatchCacheTest, AResourceVersionOlderThanTheRingIsGone) {
  const int64_t listed = store.revision();
  // Nothing evicted yet: the initial list's revision is still a valid start.
  Watch fresh = watch("/api/v1/namespaces/default/secrets?watch=true&resourceVersion=" +
                      std::to_string(listed));
  EXPECT_FALSE(fresh.finished);
  Watch older = watch("/api/v1/namespaces/default/secrets?watch=true&resourceVersion=" +
                      std::to_string(listed - 1));
  auto gone = older.events();
  ASSERT_EQ(types(gone), std::vector<std::string>{"ERROR"});
  EXPECT_EQ(gone[0]["object"]["code"], 410);
  EXPECT_EQ(gone[0]["object"]["reason"], "Expired");
  EXPECT_EQ(gone[0]["object"]["message"],
            "too old resource version: " + std::to_string(listed - 1) + " (" +
                std::to_string(listed) + ")");
  EXPECT_TRUE(older.finished);
  const int64_t rv1 = create("s1");
  const int64_t rv2 = create("s2");
  create("s3");  // the ring keeps s2 and s3
  Watch expired = watch("/api/v1/namespaces/default/secrets?watch=true&resourceVersion=" +
                        std::to_string(listed));
  EXPECT_EQ(
      expired.events()[0]["object"]["message"],
      "too old resource version: " + std::to_string(listed) + " (" + std::to_string(rv1) + ")");
  Watch resumed =
      watch("/api/v1/namespaces/default/secrets?watch=true&resourceVersion=" + std::to_string(rv1));
  EXPECT_EQ(resumed.events().size(), 2u);
  (void)rv2;
}

// --watch-cache-sizes secrets#2: the secrets ring keeps 2 events, configmaps the default 100.
class PerResourceWatchCacheTest : public WatchTest {
 protected:
  PerResourceWatchCacheTest() : WatchTest(100, {{"secrets", 2}}) {}
};

TEST_F(PerResourceWatchCacheTest, EachResourceHasItsOwnWindow) {
  const int64_t listed = store.revision();
  const int64_t rv1 = create("s1");
  create("s2");
  create("s3");
  for (const char* name : {"c1", "c2", "c3"}) {
    json c = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
    auto a = send(http::verb::post, "/api/v1/namespaces/default/configmaps", c.dump());
    ASSERT_EQ(a.response.result_int(), 201u) << a.response.body();
  }
  const std::string from = "?watch=true&resourceVersion=" + std::to_string(listed);
  Watch secrets = watch("/api/v1/namespaces/default/secrets" + from);
  auto gone = secrets.events();
  ASSERT_EQ(types(gone), std::vector<std::string>{"ERROR"});
  EXPECT_EQ(gone[0]["object"]["message"], "too old resource version: " + std::to_string(listed) +
                                              " (" + std::to_string(rv1) + ")");
  Watch configmaps = watch("/api/v1/namespaces/default/configmaps" + from);
  EXPECT_EQ(types(configmaps.events()), (std::vector<std::string>{"ADDED", "ADDED", "ADDED"}));
}

}  // namespace
}  // namespace kmslab::apiserver::k8s
