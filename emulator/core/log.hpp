#pragma once
// Structured logs: one JSON object per line, or (LogFormat::kText) one klog-like text line:
//   I1201 09:54:31.123456 plugin] "msg" key="value" n=3
// Never log key material, plaintext, secrets or bearer tokens: log names, ids and codes.
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace kmslab::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

std::optional<LogLevel> parse_log_level(std::string_view s);
const char* log_level_name(LogLevel level);

enum class LogFormat { kJson, kText };

class Logger {
 public:
  /// Writes to `sink` (not owned), e.g. stderr.
  Logger(std::FILE* sink, LogLevel min_level, LogFormat format = LogFormat::kJson)
      : sink_(sink), min_(min_level), format_(format) {}
  bool enabled(LogLevel level) const { return level >= min_ && sink_ != nullptr; }
  /// `fields` must be a JSON object; its members join ts, level, component and msg.
  void log(LogLevel level, std::string_view component, std::string_view msg,
           const nlohmann::json& fields = nlohmann::json::object());
  void info(std::string_view component, std::string_view msg,
            const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kInfo, component, msg, fields);
  }
  void error(std::string_view component, std::string_view msg,
             const nlohmann::json& fields = nlohmann::json::object()) {
    log(LogLevel::kError, component, msg, fields);
  }

 private:
  std::FILE* sink_;
  LogLevel min_;
  LogFormat format_;
  std::mutex mu_;
};

}  // namespace kmslab::core
