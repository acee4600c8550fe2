#pragma once
// Live progress on the console: on a terminal one status line redrawn in place (done / running /
// failed, elapsed) above which finished scenarios scroll; otherwise plain lines, one per event.
// A failure prints its step, the request and response, and the tail of the process logs.
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "scenarios/runner/results.hpp"

namespace kmslab::scenario {

class Console {
 public:
  Console(std::FILE* out, bool tty, size_t total);
  void started(const std::string& scenario);
  void step(const std::string& scenario, const std::string& step);
  void finished(const ScenarioResult& r);
  void tick();  // redraws the status line (terminal only)
  void line(const std::string& text);
  /// Ends the live status line (terminal): what is printed afterwards stands alone.
  void close();

 private:
  std::string status_line() const;
  void print(const std::string& text);

  std::FILE* out_;
  bool tty_;
  size_t total_;
  size_t done_ = 0, failed_ = 0;
  bool closed_ = false;
  std::map<std::string, std::string> running_;  // scenario -> current step
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mu_;
};

/// The block printed for a failed scenario.
std::string failure_report(const ScenarioResult& r);

}  // namespace kmslab::scenario
