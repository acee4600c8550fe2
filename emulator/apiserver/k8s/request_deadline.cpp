#include "emulator/apiserver/k8s/request_deadline.hpp"

#include <nlohmann/json.hpp>
#include <vector>

#include "emulator/core/go_duration.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::apiserver::k8s {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty()) out.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

bool watch_requested(const Query& query) {
  const auto it = query.find("watch");
  if (it == query.end()) return false;
  return it->second != "0" && core::to_lower(it->second) != "false";
}

bool is_long_running(std::string_view method, std::string_view path, const Query& query) {
  auto parts = segments(path);
  // RequestInfoFactory: /api/{version}/... and /apis/{group}/{version}/...
  size_t skip = 0;
  if (!parts.empty() && parts[0] == "api") skip = 2;
  if (!parts.empty() && parts[0] == "apis") skip = 3;
  if (skip == 0 || parts.size() <= skip) return false;
  parts.erase(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(skip));
  // /{specialVerb}/...: the verb whatever the method.
  if (parts[0] == "watch" || parts[0] == "proxy") return parts.size() >= 2;
  if (method != "GET" && method != "HEAD") return false;
  // namespaces/{ns}/{resource}...: the namespace is not part of the resource (except for the
  // namespace's own status and finalize subresources).
  if (parts[0] == "namespaces" && parts.size() > 2 && parts[2] != "status" &&
      parts[2] != "finalize")
    parts.erase(parts.begin(), parts.begin() + 2);
  // A GET without a name is a list, or a watch when ?watch says so.
  return parts.size() == 1 && watch_requested(query);
}

std::variant<core::Duration, Status> request_timeout_of(const Query& query,
                                                        core::Duration request_timeout) {
  const auto it = query.find("timeout");
  if (it == query.end() || it->second.empty()) return request_timeout;
  auto parsed = core::parse_go_duration(it->second);
  if (auto* err = std::get_if<std::string>(&parsed))
    return bad_request("invalid timeout specified in the request URL - " + *err);
  const core::Duration asked = std::get<core::Duration>(parsed);
  // 0s (or less) is no timeout on the user's part; longer than the server's is not allowed.
  return asked > core::Duration::zero() && asked < request_timeout ? asked : request_timeout;
}

core::Reply timeout_reply() {
  // metav1.Status without TypeMeta (NewTimeoutError sets none), field order as encoding/json
  // writes the struct, details {} as retryAfterSeconds 0 is omitted.
  const nlohmann::ordered_json status = {
      {"metadata", nlohmann::json::object()},
      {"status", "Failure"},
      {"message", "Timeout: request did not complete within the allotted timeout"},
      {"reason", "Timeout"},
      {"details", nlohmann::json::object()},
      {"code", 504}};
  return {504, status.dump() + "\n", "text/plain; charset=utf-8", {}};
}

core::Reply too_many_requests_reply() {
  // Retry-After: the least priority and fairness says (it grows with the rejections it counts,
  // which kmslab does not model).
  return {429,
          "Too many requests, please try again later.\n",
          "text/plain; charset=utf-8",
          {{"Retry-After", "1"}, {"X-Content-Type-Options", "nosniff"}}};
}

}  // namespace kmslab::apiserver::k8s
