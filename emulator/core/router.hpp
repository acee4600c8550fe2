#pragma once
// Maps (host, method, path) to a handler. Routes live in groups; a group names the hosts it serves
// ("{vault}.vault.azure.net", "management.azure.com", "*" for any) and the filters every request
// to it passes first (api-version check, authentication, ...), in order.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.hpp"
#include "emulator/core/http.hpp"

namespace kmslab::core {

/// Everything a handler may know about its request. Services (stores, vault registries) are not
/// here: a component captures its own when it registers its routes.
struct RequestContext {
  const HttpRequest& request;
  const ConnectionInfo& connection;
  std::string host;                           // the Host header, lower-case, without the port
  std::string path;                           // the decoded path, without the query
  std::map<std::string, std::string> query;   // decoded query parameters
  std::map<std::string, std::string> params;  // {captures} from the host and path patterns
  std::string request_id;
  std::string route;  // the matched route's name, for logs and metrics
  const Clock& clock;

  /// A captured parameter, or "" when absent.
  const std::string& param(const std::string& name) const;
  /// A query parameter (names compared case-insensitively, as Azure does), or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
};

using Handler = std::function<Result<Reply>(RequestContext&)>;
/// Returns an error to stop the request, nullopt to let it through.
using Filter = std::function<std::optional<ApiError>(RequestContext&)>;
/// Adjusts every reply of a group, errors included (e.g. the headers a service always sends).
using Decorator = std::function<void(const RequestContext&, Reply&)>;

class Router {
 public:
  using GroupId = size_t;
  /// kHeavy: the handler burns CPU (RSA key generation, backups); the dispatcher runs it on its
  /// worker pool, after the group's filters, so that it never holds an I/O thread.
  /// kWaits: the handler waits on other processes that call this one back (a clock advance
  /// stepping subscribers whose plugins call Key Vault here): it runs on the dispatcher's
  /// waiting runner, so that the I/O threads stay free to serve those calls.
  enum class Cost { kLight, kHeavy, kWaits };

  GroupId add_group(std::string name, std::vector<std::string> host_patterns);
  void add_filter(GroupId group, Filter filter);
  void add_decorator(GroupId group, Decorator decorator);
  /// What the group answers when its heavy work cannot be queued (the worker pool is full);
  /// unset, the dispatcher's generic 503.
  void set_busy_error(GroupId group, ApiError error);
  /// Path patterns are segments: literal (case-insensitive), "{name}", or a final "{name?}" that
  /// may be absent or empty. Empty segments in the request path (trailing or doubled slashes)
  /// are ignored, as Key Vault ignores them.
  void add(GroupId group, http::verb method, std::string_view pattern, std::string route_name,
           Handler handler, Cost cost = Cost::kLight);

  struct Match {
    const Handler* handler = nullptr;
    const std::vector<Filter>* filters = nullptr;
    const std::vector<Decorator>* decorators = nullptr;
    const std::optional<ApiError>* busy_error = nullptr;
    Cost cost = Cost::kLight;
    std::string route;
    std::map<std::string, std::string> params;
    bool other_method = false;  // no handler, but the path exists with another method
  };
  Match match(std::string_view host, http::verb method, std::string_view path) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool param = false;
    bool optional = false;
  };
  struct Route {
    http::verb method;
    std::vector<Segment> segments;
    std::string name;
    Handler handler;
    Cost cost = Cost::kLight;
  };
  struct Group {
    std::string name;
    std::vector<std::string> hosts;
    std::vector<Filter> filters;
    std::vector<Decorator> decorators;
    std::optional<ApiError> busy_error;
    std::vector<Route> routes;
  };
  static bool match_host(std::string_view pattern, std::string_view host,
                         std::map<std::string, std::string>& params);
  static bool match_path(const std::vector<Segment>& pattern,
                         const std::vector<std::string_view>& path);
  static void capture(const std::vector<Segment>& pattern,
                      const std::vector<std::string_view>& path,
                      std::map<std::string, std::string>& params);

  std::vector<Group> groups_;
};

/// Splits a path on '/', dropping empty segments.
std::vector<std::string_view> split_path(std::string_view path);
/// Percent-decodes (and turns '+' into ' ' when `plus_is_space`). Returns nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);
/// Parses "a=1&b=2" into a map; malformed escapes give nullopt.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);
std::string to_lower(std::string_view s);
/// "Host:8443" -> "host", "[::1]:8443" -> "[::1]": lower-case, without the port.
std::string host_without_port(std::string_view host);

}  // namespace kmslab::core
