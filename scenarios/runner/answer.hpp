#pragma once
// What a step got back, whatever its action: an HTTP answer (status, headers, body) or a
// command's exit code and output. `expect` and `capture` read it.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kmslab::scenario {

struct Answer {
  bool command = false;  // a `run` step
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::optional<nlohmann::json> operation;  // arm wait: the operation's last status
  int exit_code = 0;
  std::string out, err;
  std::string request;  // for the report: what was sent, secrets left out

  /// The body as JSON (with `operation` beside it when there is one); null when not JSON.
  nlohmann::json document() const;
};

/// Empty when every expectation holds, else the first that does not, worded for the console.
std::optional<std::string> check_expect(const nlohmann::json& expect, const Answer& a);

/// Sets each captured variable; returns why one could not be captured.
std::optional<std::string> apply_capture(const nlohmann::json& capture, const Answer& a,
                                         std::map<std::string, std::string>& vars);

/// "HTTP 403\nheader: v\n\n{body...}" or "exit 1\nstdout...\nstderr...": a bounded excerpt.
std::string describe(const Answer& a);

}  // namespace kmslab::scenario
