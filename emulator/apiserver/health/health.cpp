#include "emulator/apiserver/health/health.hpp"

#include <algorithm>
#include <memory>

namespace kmslab::apiserver::health {

namespace {

core::Reply text(unsigned status, std::string body) {
  core::Reply r = core::Reply::text(std::move(body), status);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

// Every "exclude" value of the query (exclude=a&exclude=b arrives as one joined value here).
std::vector<std::string> excluded_of(const core::RequestContext& ctx) {
  std::vector<std::string> out;
  if (auto e = ctx.query_param("exclude")) {
    size_t start = 0;
    while (start <= e->size()) {
      const size_t comma = e->find(',', start);
      out.push_back(
          e->substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

}  // namespace

core::Reply answer(const Endpoint& endpoint, const std::map<std::string, std::string>& query,
                   const std::vector<std::string>& excluded) {
  std::string lines;
  bool failed = false;
  for (const auto& check : endpoint.checks) {
    if (std::find(excluded.begin(), excluded.end(), check.name) != excluded.end()) {
      lines += "[+]" + check.name + " excluded: ok\n";
      continue;
    }
    if (auto err = check.probe()) {
      failed = true;
      lines += "[-]" + check.name + " failed: reason withheld\n";
    } else {
      lines += "[+]" + check.name + " ok\n";
    }
  }
  if (failed) return text(500, lines + endpoint.name + " check failed\n");
  if (!query.count("verbose")) return text(200, "ok");
  return text(200, lines + endpoint.name + " check passed\n");
}

void register_health_routes(core::Router& router, core::Router::GroupId group,
                            std::vector<Endpoint> endpoints) {
  for (auto& e : endpoints) {
    auto endpoint = std::make_shared<const Endpoint>(std::move(e));
    router.add(group, core::http::verb::get, "/" + endpoint->name, "k8s." + endpoint->name,
               [endpoint](core::RequestContext& ctx) -> core::Result<core::Reply> {
                 return answer(*endpoint, ctx.query, excluded_of(ctx));
               });
    router.add(group, core::http::verb::get, "/" + endpoint->name + "/{check}",
               "k8s." + endpoint->name,
               [endpoint](core::RequestContext& ctx) -> core::Result<core::Reply> {
                 for (const auto& check : endpoint->checks) {
                   if (check.name != ctx.param("check")) continue;
                   if (auto err = check.probe())
                     return text(500, "internal server error: " + *err + "\n");
                   return text(200, "ok");
                 }
                 return text(404, "404 page not found\n");
               });
  }
}

}  // namespace kmslab::apiserver::health
