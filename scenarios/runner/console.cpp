#include "scenarios/runner/console.hpp"

namespace kmslab::scenario {

namespace {

std::string secs(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string indent(const std::string& text, size_t max_lines = 60) {
  std::string out;
  size_t lines = 0, start = 0;
  while (start < text.size() && lines < max_lines) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += "    " + text.substr(start, end - start) + "\n";
    start = end + 1;
    ++lines;
  }
  if (start < text.size()) out += "    ...\n";
  return out;
}

}  // namespace

Console::Console(std::FILE* out, bool tty, size_t total) : out_(out), tty_(tty), total_(total) {}

std::string Console::status_line() const {
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start_)
                           .count();
  std::string s = "[" + std::to_string(done_) + "/" + std::to_string(total_) + " done, " +
                  std::to_string(running_.size()) + " running, " + std::to_string(failed_) +
                  " failed, " + secs(elapsed) + "]";
  if (tty_ && !running_.empty()) {
    const auto& [name, step] = *running_.begin();
    s += " " + name + ": " + step;
    if (s.size() > 150) s = s.substr(0, 147) + "...";
  }
  return s;
}

void Console::print(const std::string& text) {
  if (tty_) std::fputs("\r\033[K", out_);
  std::fputs(text.c_str(), out_);
  if (tty_ && !closed_) std::fputs(status_line().c_str(), out_);
  std::fflush(out_);
}

void Console::close() {
  std::lock_guard lock(mu_);
  if (tty_ && !closed_) std::fputs("\r\033[K", out_);
  closed_ = true;
  std::fflush(out_);
}

void Console::line(const std::string& text) {
  std::lock_guard lock(mu_);
  print(text + "\n");
}

void Console::started(const std::string& scenario) {
  std::lock_guard lock(mu_);
  running_[scenario] = "starting";
  if (!tty_)
    print("START " + scenario + " " + status_line() + "\n");
  else
    print("");
}

void Console::step(const std::string& scenario, const std::string& step) {
  std::lock_guard lock(mu_);
  running_[scenario] = step;
  if (tty_) print("");
}

void Console::finished(const ScenarioResult& r) {
  std::lock_guard lock(mu_);
  running_.erase(r.name);
  ++done_;
  const bool ok = r.status == "passed";
  failed_ += !ok;
  std::string text = (ok                    ? "PASS  "
                      : r.status == "error" ? "ERROR "
                                            : "FAIL  ") +
                     r.name + " (" + secs(r.duration_ms) + ")";
  if (!tty_) text += " " + status_line();
  text += "\n";
  if (!ok) text += failure_report(r);
  print(text);
}

void Console::tick() {
  std::lock_guard lock(mu_);
  if (tty_) print("");
}

std::string failure_report(const ScenarioResult& r) {
  std::string out = "  ";
  if (r.failed_step >= 0 && r.failed_step < static_cast<int>(r.steps.size())) {
    const auto& st = r.steps[static_cast<size_t>(r.failed_step)];
    out += (st.file.empty() ? r.file : st.file) + ":" + std::to_string(st.line) + ": step " +
           std::to_string(st.index + 1) + " '" + st.name + "' (" + st.action + ") failed\n  " +
           st.message + "\n";
    if (!st.request.empty()) out += "  request:\n" + indent(st.request);
    if (!st.response.empty()) out += "  response:\n" + indent(st.response);
  } else {
    out += r.file + ": " + r.message + "\n";
  }
  if (!r.log_tail.empty()) out += "  logs:\n" + indent(r.log_tail, 120);
  out += "  seed " + std::to_string(r.seed) + ": tools/kmslab run " + r.file + " --seed " +
         std::to_string(r.seed) + "\n";
  if (!r.kept.empty()) out += indent(r.kept);
  return out;
}

}  // namespace kmslab::scenario
