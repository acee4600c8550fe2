#include "emulator/aks/supervisor/cluster.hpp"

#include <cctype>

#include <signal.h>

#include <charconv>

#include "emulator/aks/supervisor/cluster_files.hpp"
#include "emulator/aks/supervisor/etcd_seed.hpp"
#include "emulator/aks/supervisor/probes.hpp"
#include "emulator/core/files.hpp"
#include "emulator/core/tunnel_routes.hpp"

namespace kmslab::aks {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Phase = ControlPlaneState::Phase;

namespace {

constexpr milliseconds kBusyTick{10};     // something is starting: look again soon
constexpr milliseconds kIdleTick{100};    // everything serves: watch for exits
constexpr milliseconds kProbeEvery{200};  // a failing health check is not hammered
constexpr size_t kReportLines = 12;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += s + '\n';
  return out;
}

std::string read_from(const fs::path& file, uintmax_t offset) {
  std::string text;
  try {
    text = core::read_file(file);
  } catch (const std::exception&) {
    return "";
  }
  return offset < text.size() ? text.substr(offset) : std::string();
}

uintmax_t size_of(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return ec ? 0 : size;
}

// Writes only what changed: an unchanged file keeps its bytes and its mtime.
void write_if_changed(const fs::path& file, const std::string& text) {
  std::error_code ec;
  if (fs::exists(file, ec)) {
    try {
      if (core::read_file(file) == text) return;
    } catch (const std::exception&) {
    }
  }
  core::write_file_atomic(file, text, 0600);
}

}  // namespace

Cluster::Cluster(fs::path dir, const SupervisorOptions& options,
                 const SupervisorEndpoints& endpoints, core::Logger& log, const core::Clock& clock)
    : dir_(std::move(dir)),
      options_(options),
      endpoints_(endpoints),
      log_(log),
      clock_(clock),
      rng_(core::make_rng(0)) {
  thread_ = std::thread([this] { run(); });
}

Cluster::~Cluster() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Cluster::apply(ControlPlaneSpec spec, Done done) {
  {
    std::lock_guard l(mu_);
    pending_ = std::move(spec);
    if (done) waiting_.push_back(std::move(done));
  }
  cv_.notify_all();
}

ControlPlaneState Cluster::state() const {
  ControlPlaneState s;
  {
    std::lock_guard l(mu_);
    s = state_;
  }
  if (s.ca_pem.empty()) saved_access(s);
  return s;
}

// The apiserver's CA and token outlive its process (its data directory keeps them), so a
// kubeconfig handed out while it starts again, after an emulator restart or a crash, works once
// it serves: as on AKS, credentials do not change when the control plane restarts.
void Cluster::saved_access(ControlPlaneState& s) const {
  const auto data = dir_ / "apiserver";
  std::error_code ec;
  if (!fs::exists(data / "ca.pem", ec) || !fs::exists(data / "token", ec)) return;
  try {
    std::string ca = core::read_file(data / "ca.pem");
    std::string token = core::read_file(data / "token");
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
      token.pop_back();
    s.ca_pem = std::move(ca);
    s.token = std::move(token);
  } catch (const std::exception&) {
    // Unreadable: no credentials yet; the next state() tries again.
  }
}

std::vector<pid_t> Cluster::signal(const std::string& which, int sig,
                                   std::chrono::milliseconds wait) {
  SignalRequest request{which, sig};
  std::unique_lock l(mu_);
  if (stopping_) return {};
  signals_.push_back(&request);
  cv_.notify_all();
  if (!cv_.wait_for(l, wait, [&] { return request.done; })) std::erase(signals_, &request);
  return request.pids;
}

// On the cluster's thread, the only one that may touch (and reap) its children.
void Cluster::deliver(SignalRequest& request) {
  auto send = [&](Child& child) {
    if (!child.started || child.restart_at) return;
    const pid_t pid = child.process.pid();
    if (pid > 0 && child.process.signal(request.sig)) request.pids.push_back(pid);
  };
  if (request.which != "kms-plugin" && apiserver_) send(*apiserver_);
  if (request.which != "apiserver")
    for (auto& [name, child] : plugins_) send(child);
  log_.info("aks-supervisor", "signalled",
            {{"cluster", current_ ? current_->cluster_id : ""},
             {"process", request.which},
             {"signal", request.sig},
             {"processes", request.pids.size()}});
}

std::vector<pid_t> Cluster::pids() const {
  std::lock_guard l(mu_);
  return pids_;
}

void Cluster::run() {
  std::unique_lock l(mu_);
  while (!stopping_) {
    if (!signals_.empty()) {
      for (SignalRequest* request : signals_) {
        deliver(*request);  // under mu_: the callers wait on it, and deliver never locks it
        request->done = true;
      }
      signals_.clear();
      cv_.notify_all();
      continue;
    }
    if (pending_) {
      ControlPlaneSpec spec = std::move(*pending_);
      pending_.reset();
      for (auto& d : waiting_) working_.push_back(std::move(d));
      waiting_.clear();
      l.unlock();
      reconcile(spec);
      l.lock();
      continue;
    }
    l.unlock();
    const bool settled = tick();
    l.lock();
    cv_.wait_for(l, settled ? kIdleTick : kBusyTick,
                 [this] { return stopping_ || pending_ || !signals_.empty(); });
  }
  l.unlock();
  stop_all();
  std::vector<Done> dones;
  {
    std::lock_guard g(mu_);
    dones = std::move(waiting_);
  }
  for (auto& d : working_) dones.push_back(std::move(d));
  working_.clear();
  ControlPlaneState stopped;
  stopped.phase = Phase::kStopped;
  stopped.message = "the cluster's processes were stopped";
  for (auto& d : dones) d(stopped);
}

void Cluster::reconcile(const ControlPlaneSpec& spec) {
  if (const std::string problem = spec_problem(spec); !problem.empty()) {
    finish(Phase::kFailed, problem);  // refused: what runs keeps running as it was
    return;
  }
  current_ = spec;
  if (!spec.running) {
    stop_all();
    finish(Phase::kStopped, "");
    return;
  }
  try {
    core::ensure_private_directory(dir_, "");
    write_files(spec);
  } catch (const std::exception& e) {
    finish(Phase::kFailed, std::string("cannot write the cluster's files: ") + e.what());
    return;
  }
  std::vector<std::string> plugin_env = {"HTTPS_PROXY=" + endpoints_.proxy_url};
  if (!cloud_environment_json(endpoints_.vault_dns_suffix).empty())
    plugin_env.push_back("AZURE_ENVIRONMENT_FILEPATH=" + (dir_ / "azurestackcloud.json").string());
  std::map<std::string, Child> wanted;
  for (const auto& key : spec.kms) {
    wanted.emplace(key.provider_name,
                   make_child("kmslab-kms-plugin " + key.provider_name,
                              plugin_args(spec, key, dir_, endpoints_, options_.debug_logs),
                              options_.kms_plugin_binary, plugin_env, key.provider_name + ".log",
                              core::read_file(dir_ / (key.provider_name + ".azure.json"))));
  }
  for (auto it = plugins_.begin(); it != plugins_.end();) {
    const auto w = wanted.find(it->first);
    if (w != wanted.end() && w->second.fingerprint == it->second.fingerprint) {
      wanted.erase(w);  // unchanged: keeps running
      ++it;
      continue;
    }
    stop(it->second);
    it = plugins_.erase(it);
  }
  for (auto& [name, child] : wanted) plugins_.emplace(name, std::move(child));
  // kube-apiserver reads its EncryptionConfiguration at start (the automatic reload polls once a
  // minute): a changed file restarts it, as AKS rolls the apiserver when its configuration
  // changes [U].
  std::string etcd_servers;
  try {
    etcd_servers = ensure_etcd();
  } catch (const std::exception& e) {
    finish(Phase::kFailed, std::string("cannot prepare the cluster's etcd: ") + e.what());
    return;
  }
  Child api =
      make_child("kmslab-apiserver", apiserver_args(spec, dir_, options_, endpoints_, etcd_servers),
                 options_.apiserver_binary, {}, "apiserver.log",
                 core::read_file(dir_ / "encryption-config.yaml"));
  if (!apiserver_ || apiserver_->fingerprint != api.fingerprint) {
    if (apiserver_) stop(*apiserver_);
    set_route(false);
    apiserver_ = std::move(api);
  }
  deadline_ = Clock::now() + options_.start_timeout;
  log_.info("aks-supervisor", "applying",
            {{"cluster", spec.cluster_id}, {"plugins", plugins_.size()}, {"dir", dir_.string()}});
  tick();
}

// Its ports are chosen once per emulator run (the saved ones when still free), so a re-apply
// keeps etcd and the apiserver running.
std::string Cluster::ensure_etcd() {
  if (options_.etcd_binary.empty()) return "";
  if (!etcd_) {
    etcd_ports_ = etcd_ports(dir_);
    etcd_ =
        make_child("etcd", etcd_args(dir_, etcd_ports_), options_.etcd_binary, {}, "etcd.log", "");
    write_if_changed(etcd_endpoint_file(dir_), etcd_url(etcd_ports_) + "\n");
  }
  return etcd_url(etcd_ports_);
}

// The apiserver starts only after this answers true: it never serves a half-seeded etcd.
bool Cluster::seed_etcd_once() {
  if (etcd_seeded_) return true;
  try {
    const size_t n = seed_etcd(etcd_seed_file(dir_), etcd_url(etcd_ports_));
    if (n > 0)
      log_.info("aks-supervisor", "etcd seeded from an incident bundle",
                {{"cluster", current_->cluster_id}, {"objects", n}});
    etcd_seeded_ = true;
  } catch (const std::exception& e) {
    etcd_->ready = false;  // probed (and seeded) again after kProbeEvery
    etcd_->problem = std::string("seeding it from the incident bundle: ") + e.what();
  }
  return etcd_seeded_;
}

void Cluster::write_files(const ControlPlaneSpec& spec) {
  for (const auto& key : spec.kms)
    write_if_changed(dir_ / (key.provider_name + ".azure.json"),
                     azure_json(spec, endpoints_.vault_dns_suffix));
  const std::string cloud = cloud_environment_json(endpoints_.vault_dns_suffix);
  if (!cloud.empty()) write_if_changed(dir_ / "azurestackcloud.json", cloud);
  write_if_changed(dir_ / "encryption-config.yaml",
                   encryption_configuration(spec, dir_, options_.kms_timeout));
}

Cluster::Child Cluster::make_child(std::string label, std::vector<std::string> args,
                                   fs::path program, std::vector<std::string> env,
                                   const std::string& log_name,
                                   const std::string& extra_fingerprint) {
  Child c;
  c.label = std::move(label);
  c.fingerprint = program.string() + '\n' + join(args) + join(env) + extra_fingerprint;
  c.spawn.program = program.string();
  c.spawn.args = std::move(args);
  c.spawn.env = std::move(env);
  c.spawn.output = dir_ / log_name;
  return c;
}

bool Cluster::tick() {
  if (!current_ || !current_->running) return true;
  if (etcd_) supervise(*etcd_);
  const bool store_ready = !etcd_ || (etcd_->ready && seed_etcd_once());
  bool plugins_ready = true;
  for (auto& [name, child] : plugins_) {
    supervise(child);
    plugins_ready = plugins_ready && child.ready;
  }
  if (apiserver_ && (apiserver_->started || (plugins_ready && store_ready))) supervise(*apiserver_);
  const bool ready = store_ready && plugins_ready && apiserver_ && apiserver_->ready;
  {
    std::lock_guard l(mu_);
    pids_.clear();
    if (etcd_ && etcd_->process.pid() > 0 && !etcd_->process.wait_status())
      pids_.push_back(etcd_->process.pid());
    for (auto& [name, child] : plugins_)
      if (child.process.pid() > 0 && !child.process.wait_status())
        pids_.push_back(child.process.pid());
    if (apiserver_ && apiserver_->process.pid() > 0 && !apiserver_->process.wait_status())
      pids_.push_back(apiserver_->process.pid());
  }
  if (ready) {
    set_route(true);
    finish(Phase::kRunning, "");
    return true;
  }
  const Child* waiting = etcd_ && !etcd_->ready ? &*etcd_ : nullptr;
  for (const auto& [name, child] : plugins_)
    if (!child.ready && !waiting) waiting = &child;
  if (!waiting && apiserver_) waiting = &*apiserver_;
  const std::string why =
      waiting ? waiting->label + ": " + (waiting->problem.empty() ? "starting" : waiting->problem)
              : "starting";
  if (deadline_ && Clock::now() >= *deadline_) {
    finish(Phase::kFailed, waiting ? failure_report(*waiting) : why);
  } else {
    std::lock_guard l(mu_);
    // A cluster that failed stays kFailed (with the newest reason) until it serves again.
    if (state_.phase != Phase::kFailed) state_.phase = Phase::kStarting;
    state_.message = why;
  }
  return false;
}

void Cluster::supervise(Child& child) {
  const auto now = Clock::now();
  if (child.started && !child.process.running()) {
    if (!child.restart_at) {
      const unsigned shift = std::min(child.failures, 16u);
      const auto backoff = std::min<milliseconds>(options_.restart_backoff_max,
                                                  options_.restart_backoff_min * (1u << shift));
      ++child.failures;
      child.ready = false;
      child.restart_at = now + backoff;
      child.problem = core::describe_exit(*child.process.wait_status()) + "; restart " +
                      std::to_string(child.failures) + " in " + std::to_string(backoff.count()) +
                      "ms";
      if (is_apiserver(child)) set_route(false);
      log_.log(core::LogLevel::kWarn, "aks-supervisor", "process exited",
               {{"cluster", current_->cluster_id},
                {"process", child.label},
                {"why", child.problem},
                {"log", child.spawn.output.string()}});
    }
    if (now < *child.restart_at) return;
  }
  if (!child.started || child.restart_at) {
    start(child);
    return;
  }
  core::cap_log_file(child.spawn.output, options_.log_cap_bytes);
  if (!child.ready && (!child.next_probe || now >= *child.next_probe)) probe(child);
}

void Cluster::start(Child& child) {
  child.restart_at.reset();
  child.next_probe.reset();
  child.ready = false;
  child.problem.clear();
  if (is_apiserver(child)) {
    std::error_code ec;
    fs::remove(dir_ / "apiserver" / "kubeconfig", ec);  // a fresh one says this run listens
  }
  core::cap_log_file(child.spawn.output, options_.log_cap_bytes);
  child.log_offset = size_of(child.spawn.output);
  child.started = true;
  try {
    child.process = core::ChildProcess::spawn(child.spawn);
  } catch (const std::exception& e) {
    child.process = core::ChildProcess();
    child.problem = e.what();
    ++child.failures;
    child.restart_at = Clock::now() + options_.restart_backoff_max;
    log_.error("aks-supervisor", "cannot start",
               {{"process", child.label}, {"why", child.problem}});
    return;
  }
  log_.info("aks-supervisor", "started",
            {{"cluster", current_->cluster_id},
             {"process", child.label},
             {"pid", child.process.pid()},
             {"log", child.spawn.output.string()}});
}

void Cluster::probe(Child& child) {
  child.next_probe = Clock::now() + kProbeEvery;
  if (is_apiserver(child)) {
    const auto access = read_kubeconfig(dir_ / "apiserver" / "kubeconfig");
    if (!access) {
      child.problem = "no kubeconfig yet (not listening)";
      child.next_probe.reset();
      return;
    }
    std::string ca;
    try {
      ca = core::read_file(access->ca_file);
    } catch (const std::exception& e) {
      child.problem = e.what();
      return;
    }
    const auto result = probe_url(access->url + "/readyz", ca, access->token);
    child.ready = result.ok;
    child.problem = result.ok ? "" : "/readyz " + result.problem;
    if (result.ok) {
      child.access_url = access->url;
      child.access_token = access->token;
      child.access_ca = ca;
    }
  } else if (is_etcd(child)) {
    const auto result = probe_url(etcd_health_url(etcd_ports_), "", "");
    child.ready = result.ok;
    child.problem = result.ok ? "" : "/health " + result.problem;
  } else {
    const std::string log = read_from(child.spawn.output, child.log_offset);
    const auto port = plugin_healthz_port(log);
    if (!plugin_listening(log) || !port) {
      child.problem = "not listening yet";
      child.next_probe.reset();
      return;
    }
    const auto result = probe_url("http://127.0.0.1:" + std::to_string(*port) + "/healthz", "", "");
    child.ready = result.ok;
    child.problem = result.ok ? "" : "/healthz " + result.problem;
  }
  if (child.ready) child.failures = 0;
}

ProbeResult Cluster::probe_url(const std::string& url, const std::string& ca,
                               const std::string& token) {
  return aks::probe(url, ca, token, clock_, *rng_);
}

void Cluster::stop(Child& child) {
  if (!child.started) return;
  child.process.terminate(options_.stop_grace);
  log_.info("aks-supervisor", "stopped", {{"process", child.label}});
}

void Cluster::stop_all() {
  set_route(false);
  if (apiserver_) stop(*apiserver_);  // the apiserver first: it is the plugins' client
  apiserver_.reset();
  for (auto& [name, child] : plugins_) stop(child);
  plugins_.clear();
  if (etcd_) stop(*etcd_);  // last: the apiserver stored there until it stopped
  etcd_.reset();
  std::lock_guard l(mu_);
  pids_.clear();
}

void Cluster::set_route(bool present) {
  if (!options_.tunnels) return;
  if (!routed_fqdn_.empty()) {
    options_.tunnels->erase(routed_fqdn_, 443);
    routed_fqdn_.clear();
  }
  if (!present || !current_ || current_->fqdn.empty() || !apiserver_ || !apiserver_->ready) return;
  const std::string& url = apiserver_->access_url;
  unsigned port = 0;
  const char* first = url.data() + url.rfind(':') + 1;
  const auto [end, ec] = std::from_chars(first, url.data() + url.size(), port);
  if (ec != std::errc() || end == first || port == 0 || port > 65535) return;
  options_.tunnels->set(current_->fqdn, 443, {"127.0.0.1", static_cast<uint16_t>(port)});
  routed_fqdn_ = current_->fqdn;
}

void Cluster::finish(Phase phase, const std::string& message) {
  ControlPlaneState s;
  s.phase = phase;
  s.message = message;
  if (phase == Phase::kRunning && apiserver_) {
    s.apiserver_url = apiserver_->access_url;
    s.ca_pem = apiserver_->access_ca;
    s.token = apiserver_->access_token;
  }
  std::vector<Done> dones;
  {
    std::lock_guard l(mu_);
    state_ = s;
    if (phase != Phase::kStarting) dones.swap(working_);
  }
  if (phase != Phase::kStarting) deadline_.reset();
  for (auto& d : dones) d(s);
}

std::string Cluster::failure_report(const Child& child) const {
  std::string out = child.label + " did not become ready within " +
                    std::to_string(options_.start_timeout.count()) +
                    "ms: " + (child.problem.empty() ? "starting" : child.problem);
  const std::string tail = core::tail_lines(child.spawn.output, kReportLines);
  if (!tail.empty()) out += "\nlast log lines (" + child.spawn.output.string() + "):\n" + tail;
  return out;
}

}  // namespace kmslab::aks
