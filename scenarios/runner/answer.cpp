#include "scenarios/runner/answer.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

#include "emulator/core/prometheus_text.hpp"
#include "scenarios/runner/matchers.hpp"

namespace kmslab::scenario {

using nlohmann::json;

namespace {

constexpr size_t kExcerpt = 4000;

// Bounded, and binary bytes (stored envelopes) as \xNN so the text stays printable UTF-8.
std::string excerpt(const std::string& s) {
  std::string out;
  size_t i = 0;
  for (; i < s.size() && out.size() < kExcerpt; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    }
  }
  if (i < s.size()) out += "\n... (" + std::to_string(s.size() - i) + " more bytes)";
  return out;
}

std::string trim(std::string s) {
  const auto space = [](unsigned char c) { return std::isspace(c); };
  while (!s.empty() && space(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && space(s[i])) ++i;
  return s.substr(i);
}

std::string text_of(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// The code and message of an error answer in whichever envelope it came: Azure's
// {"error":{"code","message"}}, Entra ID's {"error","error_description"}, a Kubernetes Status
// {"reason","message"}, or a failed ARM operation's error.
std::pair<std::string, std::string> error_of(const json& doc) {
  auto get = [&](const char* pointer) {
    const json* v = resolve_pointer(doc, pointer);
    return v ? text_of(*v) : std::string();
  };
  if (const json* e = resolve_pointer(doc, "/error"); e && e->is_object())
    return {get("/error/code"), get("/error/message")};
  if (const json* e = resolve_pointer(doc, "/error"); e && e->is_string())
    return {e->get<std::string>(), get("/error_description")};
  if (get("/kind") == "Status") return {get("/reason"), get("/message")};
  if (resolve_pointer(doc, "/operation/error"))
    return {get("/operation/error/code"), get("/operation/error/message")};
  return {};
}

// Azure nests the specific code: {"code":"Forbidden",...,"innererror":{"code":"KeyExpired"}}.
// Either the outer code or any inner one matches, as the SDKs surface both.
bool has_code(const json& doc, const std::string& outer, const std::string& want) {
  if (outer == want) return true;
  const json* e = resolve_pointer(doc, "/error/innererror");
  for (int depth = 0; e && e->is_object() && depth < 16; ++depth) {
    if (e->value("code", json()) == want) return true;
    e = e->contains("innererror") ? &(*e)["innererror"] : nullptr;
  }
  return false;
}

std::optional<std::string> check_error(const json& want, const Answer& a) {
  const json doc = a.document();
  const auto [code, message] = error_of(doc);
  if (want.contains("code") && !has_code(doc, code, want["code"].get<std::string>()))
    return "expected error code " + want["code"].get<std::string>() + ", got " +
           (code.empty() ? std::string("no error code") : code) +
           (message.empty() ? "" : " (" + message + ")");
  if (want.contains("message") &&
      message.find(want["message"].get<std::string>()) == std::string::npos)
    return "expected an error message containing '" + want["message"].get<std::string>() +
           "', got '" + message + "'";
  if (want.contains("message_matches")) {
    const std::regex re(want["message_matches"].get<std::string>(), std::regex::ECMAScript);
    if (!std::regex_search(message, re))
      return "expected an error message matching /" + want["message_matches"].get<std::string>() +
             "/, got '" + message + "'";
  }
  return std::nullopt;
}

std::optional<std::string> check_status(const json& want, const Answer& a) {
  const auto ok = [&](const json& s) { return s.get<int64_t>() == a.status; };
  if (want.is_array() ? std::any_of(want.begin(), want.end(), ok) : ok(want)) return std::nullopt;
  return "expected status " + want.dump() + ", got " + std::to_string(a.status);
}

std::optional<std::string> check_pointers(const json& want, const json& doc, const char* what) {
  for (const auto& [pointer, matcher] : want.items()) {
    if (auto why = match(matcher, resolve_pointer(doc, pointer)))
      return std::string(what) + " " + pointer + ": " + *why;
  }
  return std::nullopt;
}

std::optional<std::string> check_metrics(const json& want, const Answer& a) {
  const auto samples = core::parse_prometheus_text(a.body);
  for (const auto& m : want) {
    const std::string name = m["name"].get<std::string>();
    std::vector<const core::Sample*> found;
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool all = true;
      if (m.contains("labels"))
        for (const auto& [k, v] : m["labels"].items()) {
          const auto it = s.labels.find(k);
          all = all && it != s.labels.end() && it->second == v.get<std::string>();
        }
      if (all) found.push_back(&s);
    }
    const std::string label = name + (m.contains("labels") ? m["labels"].dump() : "");
    if (found.empty()) return "expected a sample " + label + ", found none";
    if (!m.contains("value")) continue;
    double total = 0;  // several series under the labels given: their sum
    for (const auto* s : found) total += s->value;
    const json v = std::isfinite(total) ? json(total) : json(std::to_string(total));
    if (auto why = match(m["value"], &v)) return "metric " + label + ": " + *why;
  }
  return std::nullopt;
}

std::optional<std::string> check_run(const json& expect, const Answer& a) {
  const int want = expect.contains("exit") ? expect["exit"].get<int>() : 0;
  if (a.exit_code != want)
    return "expected exit " + std::to_string(want) + ", got " + std::to_string(a.exit_code);
  for (const char* stream : {"stdout", "stderr"}) {
    if (!expect.contains(stream)) continue;
    const json text = std::string(stream) == "stdout" ? a.out : a.err;
    if (auto why = match(expect[stream], &text)) return std::string(stream) + ": " + *why;
  }
  if (expect.contains("stdout_json")) {
    const json doc = json::parse(a.out, nullptr, false);
    if (doc.is_discarded()) return "expected stdout to be JSON, got: " + excerpt(a.out);
    return check_pointers(expect["stdout_json"], doc, "stdout_json");
  }
  return std::nullopt;
}

}  // namespace

json Answer::document() const {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) doc = nullptr;
  if (operation) {
    if (!doc.is_object()) doc = json::object();
    doc["operation"] = *operation;
  }
  return doc;
}

std::optional<std::string> check_expect(const json& expect, const Answer& a) {
  const json e = expect.is_object() ? expect : json::object();
  if (a.command) return check_run(e, a);
  if (e.contains("status")) {
    if (auto why = check_status(e["status"], a)) return why;
  } else if (a.status < 200 || a.status > 299) {
    return "expected a 2xx status, got " + std::to_string(a.status);
  }
  if (e.contains("error"))
    if (auto why = check_error(e["error"], a)) return why;
  if (e.contains("json"))
    if (auto why = check_pointers(e["json"], a.document(), "json")) return why;
  const json headers = e.value("headers", json::object());
  for (const auto& [name, matcher] : headers.items()) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    const auto it = a.headers.find(lower);
    const json v = it == a.headers.end() ? json() : json(it->second);
    if (auto why = match(matcher, it == a.headers.end() ? nullptr : &v))
      return "header " + name + ": " + *why;
  }
  for (const char* key : {"body", "bytes"}) {
    if (!e.contains(key)) continue;
    const json text = a.body;
    if (auto why = match(e[key], &text)) return std::string(key) + ": " + *why;
  }
  if (e.contains("metrics")) return check_metrics(e["metrics"], a);
  return std::nullopt;
}

std::optional<std::string> apply_capture(const json& capture, const Answer& a,
                                         std::map<std::string, std::string>& vars) {
  if (!capture.is_object()) return std::nullopt;
  for (const auto& [name, c] : capture.items()) {
    std::optional<std::string> value;
    if (c.contains("pointer")) {
      const json doc = a.document();
      if (const json* v = resolve_pointer(doc, c["pointer"])) value = text_of(*v);
    } else if (c.contains("header")) {
      std::string h = c["header"].get<std::string>();
      std::transform(h.begin(), h.end(), h.begin(), ::tolower);
      if (auto it = a.headers.find(h); it != a.headers.end()) value = it->second;
    } else if (c.contains("stdout")) {
      value = trim(a.out);
    } else if (c.contains("stderr")) {
      value = trim(a.err);
    } else if (c.contains("stdout_json")) {
      const json doc = json::parse(a.out, nullptr, false);
      if (const json* v = doc.is_discarded() ? nullptr : resolve_pointer(doc, c["stdout_json"]))
        value = text_of(*v);
    } else if (c.contains("regex")) {
      const std::string from = c["from"].get<std::string>();
      const std::string& text = from == "stdout" ? a.out : from == "stderr" ? a.err : a.body;
      std::smatch m;
      const std::regex re(c["regex"].get<std::string>(), std::regex::ECMAScript);
      if (std::regex_search(text, m, re)) value = m.size() > 1 ? m[1].str() : m[0].str();
    }
    if (!value) return "capture " + name + ": " + c.dump() + " found nothing in the answer";
    vars[name] = *value;
  }
  return std::nullopt;
}

std::string describe(const Answer& a) {
  if (a.command)
    return "exit " + std::to_string(a.exit_code) + "\n--- stdout\n" + excerpt(a.out) +
           "\n--- stderr\n" + excerpt(a.err);
  std::string out = "HTTP " + std::to_string(a.status) + "\n";
  for (const auto& [k, v] : a.headers)
    if (k != "set-cookie") out += k + ": " + v + "\n";
  return out + "\n" + excerpt(a.body);
}

}  // namespace kmslab::scenario
