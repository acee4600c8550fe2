// Watch query strings of the simulated kube-apiserver -> parse_watch_request, then a watch on a
// small cache (initial state, replay or ERROR) encoded as JSON lines or Table rows. The first
// byte picks the encoding; the rest is the query after "watch=true&". Every input must give a
// watch or a Status, never a crash.
#include <cstdint>
#include <string>

#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/apiserver/k8s/watch.hpp"
#include "emulator/store/local_store.hpp"

namespace k8s = kmslab::apiserver::k8s;
namespace core = kmslab::core;

namespace {

struct World {
  World() {
    storage.create(
        {"secrets", "default", "s1"},
        {{"apiVersion", "v1"},
         {"kind", "Secret"},
         {"metadata", {{"name", "s1"}, {"namespace", "default"}, {"labels", {{"a", "b"}}}}},
         {"data", {{"k", "dg=="}}}});
    cache->start();
    store.put("/registry/secrets/default/s2", "{\"metadata\":{\"name\":\"s2\"}}");
  }
  kmslab::store::LocalStore store;
  kmslab::apiserver::storage::ObjectStorage storage{
      store, "/registry", kmslab::apiserver::encryption::identity_provider_set().registry};
  core::VirtualClock clock{core::VirtualClock::Mode::kManual,
                           core::TimePoint(std::chrono::seconds(1'800'000'000))};
  core::SeededRng rng{1};
  std::shared_ptr<k8s::WatchCache> cache =
      std::make_shared<k8s::WatchCache>(store, storage, clock, 2);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  if (size == 0) return 0;
  const bool table = data[0] & 1;
  const std::string query(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parsed = core::parse_query("watch=true&" + query);
  if (!parsed) return 0;
  core::HttpRequest request{core::http::verb::get, "/api/v1/secrets", 11};
  core::ConnectionInfo info;
  core::RequestContext ctx{request, info, "h",     "/api/v1/secrets", *parsed,
                           {},      "id", "watch", world.clock};
  const k8s::Kind& kind = *k8s::find_kind("secrets");
  auto r = k8s::parse_watch_request(ctx, kind, "", world.clock.now(), world.rng);
  auto* w = std::get_if<k8s::WatchRequest>(&r);
  // A revision the cache has not seen waits 3 s for it: not worth a fuzzer's time.
  if (!w || w->resource_version > world.cache->resource_version()) return 0;
  std::string out;
  auto encode = k8s::watch_encoder(kind, table, world.clock);
  auto watcher = world.cache->subscribe(
      *w,
      [&](const k8s::WatchEvent& e) {
        out += encode(e);
        return out.size() < (1 << 20);
      },
      [] {});
  world.cache->unsubscribe(watcher);
  return 0;
}
