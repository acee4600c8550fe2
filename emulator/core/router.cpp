#include "emulator/core/router.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace kmslab::core {

std::string host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // [::1]:8443
    const size_t close = host.find(']');
    return to_lower(host.substr(0, close == std::string_view::npos ? host.size() : close + 1));
  }
  const size_t colon = host.rfind(':');
  return to_lower(colon == std::string_view::npos ? host : host.substr(0, colon));
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::vector<std::string_view> split(std::string_view s, char sep, bool drop_empty) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (!drop_empty || end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
  return split(path, '/', true);
}

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  for (std::string_view pair : split(query, '&', true)) {
    const size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.emplace(std::move(*name), std::move(*value));  // the first occurrence wins
  }
  return out;
}

const std::string& RequestContext::param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

std::optional<std::string> RequestContext::query_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

Router::GroupId Router::add_group(std::string name, std::vector<std::string> host_patterns) {
  for (auto& h : host_patterns) h = to_lower(h);
  groups_.push_back({std::move(name), std::move(host_patterns), {}, {}, std::nullopt, {}});
  return groups_.size() - 1;
}

void Router::add_filter(GroupId group, Filter filter) {
  groups_.at(group).filters.push_back(std::move(filter));
}

void Router::add_decorator(GroupId group, Decorator decorator) {
  groups_.at(group).decorators.push_back(std::move(decorator));
}

void Router::set_busy_error(GroupId group, ApiError error) {
  groups_.at(group).busy_error = std::move(error);
}

void Router::add(GroupId group, http::verb method, std::string_view pattern, std::string route_name,
                 Handler handler, Cost cost) {
  std::vector<Segment> segments;
  for (std::string_view s : split_path(pattern)) {
    Segment seg;
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      seg.param = true;
      seg.text = std::string(s.substr(1, s.size() - 2));
      if (!seg.text.empty() && seg.text.back() == '?') {
        seg.optional = true;
        seg.text.pop_back();
      }
    } else {
      seg.text = std::string(s);
    }
    if (!segments.empty() && segments.back().optional) {
      throw std::logic_error("only the last segment of a route may be optional: " +
                             std::string(pattern));
    }
    segments.push_back(std::move(seg));
  }
  groups_.at(group).routes.push_back(
      {method, std::move(segments), std::move(route_name), std::move(handler), cost});
}

bool Router::match_host(std::string_view pattern, std::string_view host,
                        std::map<std::string, std::string>& params) {
  if (pattern == "*") return true;
  const auto p = split(pattern, '.', false);
  const auto h = split(host, '.', false);
  if (p.size() != h.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].size() >= 2 && p[i].front() == '{' && p[i].back() == '}') {
      if (h[i].empty()) return false;
      params[std::string(p[i].substr(1, p[i].size() - 2))] = std::string(h[i]);
    } else if (!iequals(p[i], h[i])) {
      return false;
    }
  }
  return true;
}

// Matching only compares; captures are copied out once, for the route that matched (this runs on
// every request, against every route of the group).
bool Router::match_path(const std::vector<Segment>& pattern,
                        const std::vector<std::string_view>& path) {
  const bool last_optional = !pattern.empty() && pattern.back().optional;
  if (path.size() != pattern.size() && !(last_optional && path.size() + 1 == pattern.size())) {
    return false;
  }
  for (size_t i = 0; i < path.size(); ++i) {
    if (!pattern[i].param && !iequals(pattern[i].text, path[i])) return false;
  }
  return true;
}

void Router::capture(const std::vector<Segment>& pattern, const std::vector<std::string_view>& path,
                     std::map<std::string, std::string>& params) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i].param) params[pattern[i].text] = i < path.size() ? std::string(path[i]) : "";
  }
}

Router::Match Router::match(std::string_view host, http::verb method, std::string_view path) const {
  const auto segments = split_path(path);
  Match result;
  for (const Group& group : groups_) {
    std::map<std::string, std::string> host_params;
    const bool host_ok = std::any_of(group.hosts.begin(), group.hosts.end(), [&](const auto& h) {
      host_params.clear();
      return match_host(h, host, host_params);
    });
    if (!host_ok) continue;
    for (const Route& route : group.routes) {
      if (!match_path(route.segments, segments)) continue;
      if (route.method != method) {
        result.other_method = true;
        continue;
      }
      result.handler = &route.handler;
      result.filters = &group.filters;
      result.decorators = &group.decorators;
      result.busy_error = &group.busy_error;
      result.cost = route.cost;
      result.route = route.name;
      result.params = std::move(host_params);
      capture(route.segments, segments, result.params);
      return result;
    }
  }
  return result;
}

}  // namespace kmslab::core
