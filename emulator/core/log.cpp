#include "emulator/core/log.hpp"

#include <chrono>

#include "emulator/core/clock.hpp"

namespace kmslab::core {

std::optional<LogLevel> parse_log_level(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "warn") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return std::nullopt;
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void Logger::log(LogLevel level, std::string_view component, std::string_view msg,
                 const nlohmann::json& fields) {
  if (!enabled(level)) return;
  // Log timestamps are real time, so operators can line them up with other logs; the virtual
  // time of a request is in its Date header.
  const auto now = wall_clock_now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::string ts = format_rfc3339(now);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms.count()));
  ts.replace(ts.size() - 1, 1, frac);

  nlohmann::json line = {
      {"ts", ts}, {"level", log_level_name(level)}, {"component", component}, {"msg", msg}};
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
  }
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  std::lock_guard l(mu_);
  std::fwrite(text.data(), 1, text.size(), sink_);
  std::fflush(sink_);
}

}  // namespace kmslab::core
