#include "scenarios/runner/scenario_run.hpp"

#include <thread>

#include "emulator/core/process.hpp"
#include "scenarios/runner/vars.hpp"

namespace kmslab::scenario {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

int64_t ms_since(Steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - t).count();
}

std::string admin_token_for(uint64_t seed, const std::string& name) {
  core::SeededRng rng(seed ^ std::hash<std::string>{}(name));
  return "kmslab-run-" + rng.hex(16);
}

class Runner {
 public:
  Runner(const Scenario& s, const RunConfig& c, const StepObserver& o)
      : scenario_(s),
        config_(c),
        observer_(o),
        started_(Steady::now()),
        deadline_(started_ + s.stack.timeout) {}

  ScenarioOutcome run();

 private:
  bool run_steps(const std::vector<Step>& steps, const std::string& prefix);
  bool run_step(const Step& step, const std::string& prefix);
  bool run_include(const Step& step, const std::string& prefix);
  void attempt(const Step& step, StepResult& r);
  void skip_rest(const std::vector<Step>& steps, size_t from, const std::string& prefix);
  void fail(StepResult& r, const std::string& message);
  void collect_events(int step);
  std::string log_tail(const Step* failed) const;
  std::string kept_text() const;
  void builtins();
  /// A name or note with the variables known so far (as written when one is not).
  std::string shown(const std::string& text) const {
    try {
      return substitute(text, vars_);
    } catch (const std::exception&) {
      return text;
    }
  }

  const Scenario& scenario_;
  const RunConfig& config_;
  const StepObserver& observer_;
  Steady::time_point started_, deadline_;
  std::unique_ptr<Stack> stack_;
  std::unique_ptr<Session> session_;
  Vars vars_;
  ScenarioResult result_;
  const Step* failed_ = nullptr;
};

void Runner::builtins() {
  const auto& e = stack_->endpoints();
  vars_["SUBSCRIPTION"] = e.subscription;
  vars_["TENANT"] = stack_->principal().tenant;
  vars_["SEED"] = std::to_string(config_.seed);
  vars_["URL"] = e.url;
  vars_["PROXY"] = e.proxy;
  vars_["CA_FILE"] = e.ca_file;
  vars_["ADMIN_TOKEN"] = stack_->options().admin_token;
  vars_["DATA_DIR"] = stack_->data_dir().string();
  vars_["WORK"] = stack_->work_dir().string();
  vars_["SCENARIO_DIR"] = fs::absolute(scenario_.file).parent_path().string();
  vars_["CLIENT_ID"] = stack_->principal().client_id;
  vars_["CLIENT_SECRET"] = stack_->principal().client_secret;
  vars_["OBJECT_ID"] = stack_->principal().object_id;
}

ScenarioOutcome Runner::run() {
  result_.name = scenario_.name;
  result_.file = scenario_.file;
  result_.description = scenario_.description;
  result_.covers = scenario_.covers;
  result_.tags = scenario_.tags;
  result_.seed = config_.seed;
  const fs::path dir = config_.work_root / scenario_.name;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  StackOptions o{config_.emulator,     dir,
                 config_.seed,         scenario_.stack.clock_start,
                 scenario_.stack.args, admin_token_for(config_.seed, scenario_.name)};
  stack_ = std::make_unique<Stack>(o);
  try {
    if (observer_) observer_(scenario_.name, "starting the stack");
    stack_->start(std::min<std::chrono::milliseconds>(scenario_.stack.timeout, 60s));
  } catch (const std::exception& e) {
    result_.status = "error";
    result_.message = std::string("the stack did not start: ") + e.what();
    result_.log_tail = core::tail_lines(stack_->log_file(), 40);
    result_.duration_ms = ms_since(started_);
    return {std::move(result_), nullptr};
  }
  session_ = std::make_unique<Session>(*stack_, SessionPaths{config_.kmslab_env},
                                       scenario_.stack.clock_start);
  builtins();
  for (const auto& [k, v] : scenario_.vars) vars_[k] = v;
  const bool passed = run_steps(scenario_.steps, "");
  result_.status = passed ? "passed" : "failed";
  if (!passed) result_.log_tail = log_tail(failed_);
  result_.duration_ms = ms_since(started_);
  ScenarioOutcome out;
  if (!passed && config_.keep) {
    result_.kept = kept_text();
    out.kept = std::move(stack_);
  }
  session_.reset();
  if (stack_) stack_->stop();
  out.result = std::move(result_);
  return out;
}

bool Runner::run_steps(const std::vector<Step>& steps, const std::string& prefix) {
  for (size_t i = 0; i < steps.size(); ++i) {
    const bool ok =
        steps[i].action == "include" ? run_include(steps[i], prefix) : run_step(steps[i], prefix);
    if (!ok) {
      skip_rest(steps, i + 1, prefix);
      return false;
    }
  }
  return true;
}

void Runner::skip_rest(const std::vector<Step>& steps, size_t from, const std::string& prefix) {
  for (size_t i = from; i < steps.size(); ++i) {
    StepResult r;
    r.index = static_cast<int>(result_.steps.size());
    r.name = prefix + steps[i].name;
    r.note = steps[i].note;
    r.action = steps[i].action;
    r.line = steps[i].line;
    r.file = steps[i].file;
    r.status = "skipped";
    result_.steps.push_back(std::move(r));
  }
}

bool Runner::run_include(const Step& step, const std::string& prefix) {
  // `with` is read in the includer's variables, then the fragment's steps see them (and what
  // they capture stays visible after the include).
  try {
    const json with = substitute_all(step.fields.value("with", json::object()), vars_);
    for (const auto& [k, v] : with.items()) vars_[k] = v.get<std::string>();
    for (const auto& p : step.fragment->params)
      if (!vars_.count(p))
        throw StepError(step.fragment->file + " needs ${" + p + "}: give it in with:");
  } catch (const std::exception& e) {
    StepResult r;
    r.index = static_cast<int>(result_.steps.size());
    r.name = prefix + step.name;
    r.action = "include";
    r.line = step.line;
    r.file = step.file;
    fail(r, step.file + ":" + std::to_string(step.line) + ": " + e.what());
    result_.steps.push_back(std::move(r));
    failed_ = &step;
    return false;
  }
  return run_steps(step.fragment->steps, prefix + step.name + " / ");
}

bool Runner::run_step(const Step& step, const std::string& prefix) {
  StepResult r;
  r.index = static_cast<int>(result_.steps.size());
  r.name = prefix + shown(step.name);
  r.note = shown(step.note);
  r.action = step.action;
  r.line = step.line;
  r.file = step.file;
  r.virtual_time = session_->virtual_now();
  if (observer_) observer_(scenario_.name, r.name);
  const auto t0 = Steady::now();
  attempt(step, r);
  r.duration_ms = ms_since(t0);
  const bool ok = r.status == "passed";
  Event e;
  e.kind = "step";
  e.virtual_time = r.virtual_time;
  e.real_ms = ms_since(started_);
  e.summary = r.name + (ok ? "" : " -> failed");
  e.status = ok ? "ok" : "error";
  e.step = r.index;
  result_.events.push_back(e);
  result_.steps.push_back(std::move(r));
  collect_events(result_.steps.back().index);
  if (!ok) failed_ = &step;
  return ok;
}

void Runner::fail(StepResult& r, const std::string& message) {
  r.status = "failed";
  r.message = message;
  result_.failed_step = r.index;
  result_.message = "step " + std::to_string(r.index + 1) + " '" + r.name + "': " + message;
  Event e;
  e.kind = "error";
  e.virtual_time = session_ ? session_->virtual_now() : "";
  e.real_ms = ms_since(started_);
  e.summary = message.substr(0, message.find('\n'));
  e.detail = message;
  e.status = "error";
  e.step = r.index;
  result_.events.push_back(std::move(e));
}

void Runner::attempt(const Step& step, StepResult& r) {
  const auto retry_until = step.retry ? Steady::now() + step.retry->timeout : Steady::now();
  while (true) {
    std::string why;
    try {
      const json fields = substitute_all(step.fields, vars_);
      const json expect = substitute_all(step.expect, vars_);
      if (Steady::now() >= deadline_)
        throw StepError("the scenario's time (stack.timeout " +
                        std::to_string(scenario_.stack.timeout.count()) + " ms) ran out");
      const Answer a = session_->perform(step.action, fields, deadline_);
      r.request = a.request;
      r.response = describe(a);
      if (auto bad = check_expect(expect, a)) {
        why = *bad;
      } else if (auto no = apply_capture(step.capture, a, vars_)) {
        why = *no;
      } else {
        for (const auto& [k, v] : session_->exported()) vars_[k] = v;
        r.status = "passed";
        return;
      }
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!step.retry || Steady::now() + step.retry->interval >= std::min(retry_until, deadline_)) {
      fail(r, why + (step.retry ? " (after retrying for " +
                                      std::to_string(step.retry->timeout.count()) + " ms)"
                                : ""));
      return;
    }
    std::this_thread::sleep_for(step.retry->interval);
  }
}

void Runner::collect_events(int step) {
  auto events = session_->take_events();
  for (auto& e : session_->poll_calls(std::min(deadline_, Steady::now() + 5s)))
    events.push_back(std::move(e));
  for (auto& e : events) {
    if (e.virtual_time.empty()) e.virtual_time = session_->virtual_now();
    e.real_ms = ms_since(started_);
    e.step = step;
    result_.events.push_back(std::move(e));
  }
}

std::string Runner::log_tail(const Step* failed) const {
  std::string out =
      "--- " + stack_->log_file().string() + "\n" + core::tail_lines(stack_->log_file(), 25);
  std::vector<std::string> clusters;
  const std::string named = failed ? failed->fields.value("cluster", "") : "";
  if (!named.empty() && named.find("${") == std::string::npos)
    clusters.push_back(named);
  else
    for (const auto& [name, access] : session_->clusters()) clusters.push_back(name);
  for (const auto& c : clusters) {
    try {
      for (const auto& log : session_->cluster_logs(c))
        out += "--- " + log.string() + "\n" + core::tail_lines(log, 15);
    } catch (const std::exception&) {
    }
  }
  return out;
}

std::string Runner::kept_text() const {
  const auto& e = stack_->endpoints();
  std::string out = "stack of " + scenario_.name + " left running (pid " + std::to_string(e.pid) +
                    ")\n  URL " + e.url + "\n  proxy " + e.proxy + "\n  CA " + e.ca_file +
                    "\n  admin token " + stack_->options().admin_token + "\n  data dir " +
                    stack_->data_dir().string() + "\n  env: eval \"$(tools/kmslab env --data-dir " +
                    stack_->data_dir().string() + " --admin-token " +
                    stack_->options().admin_token + ")\"";
  for (const auto& [name, c] : session_->clusters())
    out += "\n  kubeconfig " + name + ": " + c.kubeconfig.string();
  return out;
}

}  // namespace

ScenarioOutcome run_scenario(const Scenario& scenario, const RunConfig& config,
                             const StepObserver& observer) {
  Runner r(scenario, config, observer);
  return r.run();
}

}  // namespace kmslab::scenario
