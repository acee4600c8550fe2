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

namespace {

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// klog's header "Lmmdd hh:mm:ss.uuuuuu" (k8s.io/klog/v2 formatHeader), then "component] ",
// the quoted message and key=value pairs as klog's structured logging writes them.
std::string text_line(LogLevel level, const std::string& ts, std::string_view component,
                      std::string_view msg, const nlohmann::json& fields) {
  static const char kLetter[] = {'I', 'I', 'W', 'E'};  // klog has no debug severity
  // ts is "YYYY-MM-DDThh:mm:ss.mmmZ"
  std::string out(1, kLetter[static_cast<int>(level)]);
  out += ts.substr(5, 2) + ts.substr(8, 2) + " " + ts.substr(11, 12) + "000 ";
  out += std::string(component) + "] " + dump(std::string(msg));
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      out += " " + it.key() + "=" + dump(it.value());
    }
  }
  return out;
}

}  // namespace

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

  std::string text;
  if (format_ == LogFormat::kText) {
    text = text_line(level, ts, component, msg, fields);
  } else {
    nlohmann::json line = {
        {"ts", ts}, {"level", log_level_name(level)}, {"component", component}, {"msg", msg}};
    if (fields.is_object()) {
      for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
    }
    text = dump(line);
  }
  text.push_back('\n');
  std::lock_guard l(mu_);
  std::fwrite(text.data(), 1, text.size(), sink_);
  std::fflush(sink_);
}

}  // namespace kmslab::core
