#include "scenarios/runner/stack.hpp"

#include <unistd.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "emulator/core/files.hpp"

extern char** environ;

namespace kmslab::scenario {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The emulator and the clusters it starts go to loopback only: a proxy the user's shell
// exports must not reach them.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "https_proxy" || lower == "http_proxy" || lower == "no_proxy" ||
        lower == "all_proxy")
      continue;
    env.push_back(entry);
  }
  return env;
}

std::string port_of(const std::string& url) {
  return url.substr(url.rfind(':') + 1);
}

}  // namespace

core::client::ClientOptions step_client_options() {
  core::client::ClientOptions o;
  o.retry.max_attempts = 1;
  o.read_timeout = 120s;
  o.connect_timeout = 10s;
  o.user_agent = "kmslab-run";
  return o;
}

Stack::Stack(StackOptions options) : options_(std::move(options)), rng_(options_.seed) {}

Stack::~Stack() {
  stop();
}

void Stack::start(std::chrono::milliseconds within) {
  fs::create_directories(data_dir());
  fs::create_directories(work_dir());
  fs::permissions(options_.dir, fs::perms::owner_all, fs::perm_options::replace);
  spawn({"--port", "0"});
  wait_ready(within);
  make_clients();
  register_principal();
}

void Stack::spawn(const std::vector<std::string>& port_args) {
  std::error_code ec;
  fs::remove(data_dir() / "endpoints.json", ec);
  core::SpawnOptions o;
  o.program = options_.emulator.string();
  o.args = {"--data-dir",    data_dir().string(),  "--clock", "manual",
            "--clock-start", options_.clock_start, "--seed",  std::to_string(options_.seed),
            "--admin-token", options_.admin_token};
  o.args.insert(o.args.end(), port_args.begin(), port_args.end());
  o.args.insert(o.args.end(), options_.args.begin(), options_.args.end());
  o.env = child_environment();
  o.output = log_file();
  process_ = core::ChildProcess::spawn(o);
}

void Stack::wait_ready(std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  const fs::path file = data_dir() / "endpoints.json";
  while (true) {
    if (fs::exists(file)) {
      std::ifstream in(file);
      const json j = json::parse(in, nullptr, false);
      if (j.is_object() && j.contains("https")) {
        endpoints_.url = j.value("https", "");
        endpoints_.proxy = j.value("proxy", "");
        endpoints_.ca_file = j.value("ca", "");
        endpoints_.imds = j.value("imds", "");
        endpoints_.identity_header = j.value("identity_header", "");
        endpoints_.tenant = j.value("tenant", "");
        endpoints_.subscription = j.value("subscription", "");
        endpoints_.pid = j.value("pid", 0);
        return;
      }
    }
    if (!process_.running())
      throw std::runtime_error("kmslab-emulator " + core::describe_exit(*process_.wait_status()) +
                               " before it was ready; its log ends:\n" +
                               core::tail_lines(log_file(), 30));
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("kmslab-emulator did not write " + file.string() + " within " +
                               std::to_string(within.count()) + " ms; its log ends:\n" +
                               core::tail_lines(log_file(), 30));
    std::this_thread::sleep_for(20ms);
  }
}

void Stack::make_clients() {
  auto o = step_client_options();
  o.ca_bundle_file = endpoints_.ca_file;
  direct_ = std::make_unique<core::client::HttpClient>(o, wall_, rng_);
  o.proxy = endpoints_.proxy;
  proxied_ = std::make_unique<core::client::HttpClient>(o, wall_, rng_);
  cluster_clients_.clear();
}

void Stack::register_principal() {
  core::client::Request r;
  r.method = "POST";
  r.url = endpoints_.url + "/_kmslab/identity/service-principals";
  r.headers = {{"Authorization", "Bearer " + options_.admin_token},
               {"Content-Type", "application/json"}};
  r.body = R"({"displayName":"kmslab-run"})";
  const auto answer = direct().send(r);
  const json j = json::parse(answer.body, nullptr, false);
  if (answer.status != 201 || !j.is_object() || !j.contains("appId"))
    throw std::runtime_error("registering the runner's service principal answered " +
                             std::to_string(answer.status) + ": " + answer.body);
  principal_ = {j.value("appId", ""), j.value("password", ""), j.value("tenant", endpoints_.tenant),
                j.value("objectId", "")};
  // tools/kmslab env reuses these (DIR/kmslab-env/credentials.json): `run` steps sign az in
  // as the same principal the other steps use.
  fs::create_directories(data_dir() / "kmslab-env");
  core::write_file_atomic(data_dir() / "kmslab-env" / "credentials.json", j.dump() + "\n", 0600);
}

void Stack::restart_emulator(std::chrono::milliseconds within) {
  process_.signal(SIGKILL);
  process_.terminate(2s);
  const std::vector<std::string> ports = {
      "--port",       port_of(endpoints_.url),
      "--proxy-port", port_of(endpoints_.proxy),
      "--imds-port",  endpoints_.imds.empty() ? "0" : port_of(endpoints_.imds)};
  spawn(ports);
  wait_ready(within);
  make_clients();
}

void Stack::stop() {
  if (process_.pid() > 0) process_.terminate(5s);
}

core::client::HttpClient& Stack::direct() {
  return *direct_;
}
core::client::HttpClient& Stack::proxied() {
  return *proxied_;
}

core::client::HttpClient& Stack::cluster_client(const std::string& ca_pem) {
  auto& c = cluster_clients_[ca_pem];
  if (!c) {
    auto o = step_client_options();
    o.ca_pem = ca_pem;
    o.proxy = endpoints_.proxy;
    c = std::make_unique<core::client::HttpClient>(o, wall_, rng_);
  }
  return *c;
}

}  // namespace kmslab::scenario
