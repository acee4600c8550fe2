// kmslab-run: runs scenario files (../SCHEMA.md), each in its own stack. See --help.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "emulator/core/clock.hpp"
#include "emulator/core/files.hpp"
#include "scenarios/runner/catalogue.hpp"
#include "scenarios/runner/console.hpp"
#include "scenarios/runner/junit.hpp"
#include "scenarios/runner/report/html_report.hpp"
#include "scenarios/runner/scenario_run.hpp"

namespace fs = std::filesystem;
using namespace kmslab::scenario;

namespace {

constexpr uint64_t kDefaultSeed = 20260101;

const char* kUsage = R"(Usage: kmslab-run [PATHS...] [options]

Runs scenario files (scenarios/SCHEMA.md), each in its own kmslab-emulator stack (own data
directory, ports, manual clock, the run's seed). PATHS are files or folders of *.yaml
(default: ./scenarios, else the source tree's). Scenarios tagged `long` run only when a filter or a path names them.

Options:
  --filter F      NAME glob, tag:T or seed:ID (a seed id it covers); repeatable: any may match
  -j N            scenarios run at once, each in its own stack (default 1)
  --list          print the scenarios selected (name, covers, tags, file) and exit
  --seed S        the emulators' --seed (default 20260101; printed at start and on failure)
  --keep          leave a failed scenario's stack running and print how to reach it; the runner
                  then waits for Ctrl-C (its stacks stop with it)
  --junit F       write JUnit XML
  --json F        write the run's RunResult (scenarios/runner/results.hpp) as JSON
  --report F      write the run as one self-contained HTML page (seed ids covered, per scenario
                  a timeline of steps, Key Vault and plugin calls, errors and clock jumps)
  --work-dir D    where stacks live (default: a new folder under $TMPDIR; kept on failure)
  --emulator P    the kmslab-emulator binary (default: the one built beside this runner)
  --kmslab-env P  tools/kmslab_env.py (run steps' environment)
  --seed-ids F    the seed README whose ids the JSON lists (default: ../shared/seed/README.md
                  beside the source tree, when present)
  -h, --help      this help
Exit status: 0 all passed, 1 a scenario failed, 2 bad usage or a malformed scenario file.
)";

struct Options {
  std::vector<fs::path> paths;
  std::vector<std::string> filters;
  int jobs = 1;
  bool list = false, keep = false;
  uint64_t seed = kDefaultSeed;
  std::string junit, json_out, report, work_dir, seed_ids;
  fs::path emulator = KMSLAB_RUN_EMULATOR;
  fs::path kmslab_env = KMSLAB_RUN_SOURCE_DIR "/tools/kmslab_env.py";
};

[[noreturn]] void usage_error(const std::string& why) {
  std::cerr << "kmslab-run: " << why << "\n(kmslab-run --help for usage)\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) usage_error(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--filter")
      o.filters.push_back(value(i));
    else if (a == "-j" || a == "--jobs") {
      const std::string v = value(i);
      try {
        o.jobs = std::stoi(v);
      } catch (const std::exception&) {
        usage_error("-j needs a number, not '" + v + "'");
      }
      if (o.jobs < 1 || o.jobs > 64) usage_error("-j must be 1..64");
    } else if (a == "--list")
      o.list = true;
    else if (a == "--keep")
      o.keep = true;
    else if (a == "--seed") {
      const std::string v = value(i);
      try {
        size_t used = 0;
        o.seed = std::stoull(v, &used);
        if (used != v.size() || o.seed == 0) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        usage_error("--seed needs a positive integer, not '" + v + "'");
      }
    } else if (a == "--junit")
      o.junit = value(i);
    else if (a == "--json")
      o.json_out = value(i);
    else if (a == "--report")
      o.report = value(i);
    else if (a == "--work-dir")
      o.work_dir = value(i);
    else if (a == "--emulator")
      o.emulator = value(i);
    else if (a == "--kmslab-env")
      o.kmslab_env = value(i);
    else if (a == "--seed-ids")
      o.seed_ids = value(i);
    else if (!a.empty() && a[0] == '-')
      usage_error("unknown option " + a);
    else
      o.paths.emplace_back(a);
  }
  if (o.paths.empty())  // ./scenarios, else the catalogue of the tree this runner was built from
    o.paths.emplace_back(fs::is_directory("scenarios")
                             ? fs::path("scenarios")
                             : fs::path(KMSLAB_RUN_SOURCE_DIR "/scenarios"));
  return o;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> seed_ids(const Options& o) {
  fs::path p = o.seed_ids.empty() ? fs::path(KMSLAB_RUN_SOURCE_DIR "/../shared/seed/README.md")
                                  : fs::path(o.seed_ids);
  if (!fs::exists(p)) {
    if (!o.seed_ids.empty()) usage_error(o.seed_ids + ": no such file");
    return {};
  }
  return seed_ids_of(read_file(p));
}

void print_list(const std::vector<const Scenario*>& chosen) {
  for (const auto* s : chosen) {
    std::string covers, tags;
    for (const auto& c : s->covers) covers += (covers.empty() ? "" : ",") + c;
    for (const auto& t : s->tags) tags += (tags.empty() ? "" : ",") + t;
    std::cout << s->name << "\tcovers " << covers << "\ttags " << (tags.empty() ? "-" : tags)
              << "\t" << s->file << "\n";
  }
}

fs::path make_work_dir(const Options& o) {
  if (!o.work_dir.empty()) {
    fs::create_directories(o.work_dir);
    return fs::absolute(o.work_dir);
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kmslab-run-XXXXXX";
  if (!mkdtemp(pattern.data())) usage_error("cannot create a work folder under " + pattern);
  return pattern;
}

// Runs the chosen scenarios on `jobs` threads. A worker that keeps a failed stack waits for
// `release` before it ends: its stack's processes die with the thread that spawned them.
class Pool {
 public:
  Pool(const std::vector<const Scenario*>& chosen, const RunConfig& config, Console& console)
      : chosen_(chosen), config_(config), console_(console), results_(chosen.size()) {}

  std::vector<ScenarioResult> run(int jobs, bool wait_when_kept) {
    std::vector<std::thread> threads;
    for (int i = 0; i < jobs && i < static_cast<int>(chosen_.size()); ++i)
      threads.emplace_back([this] { work(); });
    {
      std::unique_lock lock(mu_);
      while (finished_ < chosen_.size()) {
        changed_.wait_for(lock, std::chrono::milliseconds(500));
        lock.unlock();
        console_.tick();
        lock.lock();
      }
    }
    if (wait_when_kept && kept_ > 0) wait_for_interrupt();
    {
      std::lock_guard lock(mu_);
      release_ = true;
    }
    changed_.notify_all();
    for (auto& t : threads) t.join();
    return std::move(results_);
  }

 private:
  void work() {
    std::vector<std::unique_ptr<Stack>> kept;
    while (true) {
      const size_t i = next_++;
      if (i >= chosen_.size()) break;
      const Scenario& s = *chosen_[i];
      console_.started(s.name);
      auto outcome = run_scenario(s, config_, [this](const std::string& n, const std::string& st) {
        console_.step(n, st);
      });
      console_.finished(outcome.result);
      std::lock_guard lock(mu_);
      results_[i] = std::move(outcome.result);
      if (outcome.kept) {
        kept.push_back(std::move(outcome.kept));
        ++kept_;
      }
      ++finished_;
      changed_.notify_all();
    }
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return release_ || kept.empty(); });
  }

  void wait_for_interrupt() {
    console_.line("kept " + std::to_string(kept_) +
                  " failed stack(s) running (above); Ctrl-C stops them and ends the run");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
  }

  const std::vector<const Scenario*>& chosen_;
  const RunConfig& config_;
  Console& console_;
  std::vector<ScenarioResult> results_;
  std::atomic<size_t> next_{0};
  std::mutex mu_;
  std::condition_variable changed_;
  size_t finished_ = 0, kept_ = 0;
  bool release_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  const Loaded loaded = load_scenarios(o.paths);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::cerr << e << "\n";
    std::cerr << "kmslab-run: " << loaded.errors.size()
              << " scenario file(s) malformed; nothing ran\n";
    return 2;
  }
  std::vector<const Scenario*> chosen;
  for (size_t i = 0; i < loaded.scenarios.size(); ++i)
    if (selected(loaded.scenarios[i], o.filters, loaded.named[i]))
      chosen.push_back(&loaded.scenarios[i]);
  if (o.list) {
    print_list(chosen);
    return 0;
  }
  if (chosen.empty()) usage_error("no scenario selected (see --list and --filter)");
  if (o.keep) {  // the signals --keep waits for go to sigwait, not to a default handler
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }
  const fs::path work = make_work_dir(o);
  RunResult run;
  run.started_at = kmslab::core::format_rfc3339(kmslab::core::wall_clock_now());
  run.seed = o.seed;
  run.jobs = o.jobs;
  run.seed_ids = seed_ids(o);
  const RunConfig config{fs::absolute(o.emulator), fs::absolute(o.kmslab_env), work, o.seed,
                         o.keep};
  Console console(stdout, isatty(STDOUT_FILENO) == 1, chosen.size());
  console.line("kmslab-run: " + std::to_string(chosen.size()) + " scenario(s), -j " +
               std::to_string(o.jobs) + ", seed " + std::to_string(o.seed) + ", work dir " +
               work.string());
  const auto t0 = std::chrono::steady_clock::now();
  Pool pool(chosen, config, console);
  run.scenarios = pool.run(o.jobs, o.keep);
  console.close();
  run.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  size_t failed = 0;
  for (const auto& s : run.scenarios) failed += s.status != "passed";
  if (!o.json_out.empty())
    kmslab::core::write_file_atomic(
        o.json_out,
        nlohmann::json(run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
        0644);
  if (!o.junit.empty()) kmslab::core::write_file_atomic(o.junit, junit_xml(run), 0644);
  if (!o.report.empty()) kmslab::core::write_file_atomic(o.report, render_html(run), 0644);
  console.line("kmslab-run: " + std::to_string(run.scenarios.size() - failed) + " passed, " +
               std::to_string(failed) + " failed in " + std::to_string(run.duration_ms / 1000) +
               "s (seed " + std::to_string(o.seed) + ")");
  if (failed == 0) {
    std::error_code ec;
    if (o.work_dir.empty()) fs::remove_all(work, ec);
  } else {
    console.line("kmslab-run: logs of the failed stacks are under " + work.string());
  }
  return failed == 0 ? 0 : 1;
}
