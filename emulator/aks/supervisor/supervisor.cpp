#include "emulator/aks/supervisor/supervisor.hpp"

#include <stdexcept>

#include "emulator/aks/observation.hpp"
#include "emulator/aks/supervisor/census.hpp"
#include "emulator/aks/supervisor/cluster_files.hpp"
#include "emulator/aks/supervisor/probes.hpp"
#include "emulator/core/files.hpp"
#include "emulator/core/process.hpp"
#include "emulator/core/prometheus_text.hpp"

namespace kmslab::aks {

namespace fs = std::filesystem;

namespace {

// A `done` that removes its own cluster runs on that cluster's thread, which cannot join itself:
// the cluster is then destroyed (and its directory deleted) from a thread of its own.
void destroy(std::unique_ptr<Cluster> cluster, fs::path dir, core::Logger& log) {
  auto finish = [&log](std::unique_ptr<Cluster> c, const fs::path& d) {
    c.reset();
    if (d.empty()) return;
    std::error_code ec;
    fs::remove_all(d, ec);
    if (ec)
      log.error("aks-supervisor", "cannot delete", {{"dir", d.string()}, {"error", ec.message()}});
  };
  if (cluster && cluster->on_own_thread()) {
    std::thread(finish, std::move(cluster), std::move(dir)).detach();
    return;
  }
  finish(std::move(cluster), dir);
}

}  // namespace

ProcessSupervisor::ProcessSupervisor(SupervisorOptions options, core::Logger& log,
                                     const core::Clock& clock)
    : options_(std::move(options)), log_(log), clock_(clock) {}

ProcessSupervisor::~ProcessSupervisor() {
  stop();
}

void ProcessSupervisor::start(SupervisorEndpoints endpoints) {
  std::lock_guard l(mu_);
  endpoints_ = std::move(endpoints);
  const auto clusters = options_.data_dir / "clusters";
  core::ensure_directory(clusters, 0700);
  // Tightened too when it exists (made by an older version, or loosened by hand): the cluster
  // directories hold tokens, kubeconfigs and the clusters' stores.
  std::filesystem::permissions(clusters, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  for (auto& [spec, done] : early_) apply_locked(spec, std::move(done));
  early_.clear();
}

void ProcessSupervisor::stop() {
  std::map<std::string, std::unique_ptr<Cluster>> clusters;
  {
    std::lock_guard l(mu_);
    clusters.swap(clusters_);
  }
  for (auto& [id, cluster] : clusters) destroy(std::move(cluster), {}, log_);
}

void ProcessSupervisor::apply(const ControlPlaneSpec& spec, Done done) {
  std::lock_guard l(mu_);
  if (!endpoints_) {
    early_.emplace_back(spec, std::move(done));
    return;
  }
  apply_locked(spec, std::move(done));
}

void ProcessSupervisor::apply_locked(const ControlPlaneSpec& spec, Done done) {
  auto& cluster = clusters_[spec.cluster_id];
  if (!cluster) {
    cluster = std::make_unique<Cluster>(
        options_.data_dir / "clusters" / cluster_dir_name(spec.cluster_id), options_, *endpoints_,
        log_, clock_);
  }
  cluster->apply(spec, std::move(done));
}

void ProcessSupervisor::remove(const std::string& cluster_id) {
  std::unique_ptr<Cluster> cluster;
  {
    std::lock_guard l(mu_);
    std::erase_if(early_, [&](const auto& e) { return e.first.cluster_id == cluster_id; });
    auto it = clusters_.find(cluster_id);
    if (it != clusters_.end()) {
      cluster = std::move(it->second);
      clusters_.erase(it);
    }
  }
  destroy(std::move(cluster), options_.data_dir / "clusters" / cluster_dir_name(cluster_id), log_);
}

std::optional<ControlPlaneState> ProcessSupervisor::state(const std::string& cluster_id) const {
  std::lock_guard l(mu_);
  const auto it = clusters_.find(cluster_id);
  if (it != clusters_.end()) return it->second->state();
  for (const auto& [spec, done] : early_)
    if (spec.cluster_id == cluster_id) return ControlPlaneState{};
  return std::nullopt;
}

std::optional<std::vector<pid_t>> ProcessSupervisor::signal_processes(const std::string& cluster_id,
                                                                      const std::string& process,
                                                                      int signal) {
  // Held while the cluster's thread delivers (bounded): remove() cannot destroy it meanwhile,
  // and that thread never takes this lock.
  std::lock_guard l(mu_);
  const auto it = clusters_.find(cluster_id);
  if (it == clusters_.end()) return std::nullopt;
  return it->second->signal(process, signal, std::chrono::seconds(10));
}

std::optional<bool> ProcessSupervisor::provider_in_use(const std::string& cluster_id,
                                                       const std::string& provider_name) const {
  std::optional<ControlPlaneState> s;
  {
    std::lock_guard l(mu_);
    const auto it = clusters_.find(cluster_id);
    if (it != clusters_.end()) s = it->second->state();
  }
  if (!s || s->phase != ControlPlaneState::Phase::kRunning || s->apiserver_url.empty())
    return std::nullopt;
  // Short: a loopback apiserver answers in milliseconds; one that does not is "unknown".
  const GetTimeouts timeouts{std::chrono::milliseconds(500), std::chrono::milliseconds(2'000)};
  auto rng = core::make_rng(0);
  const auto got = http_get(s->apiserver_url + kStorageProvidersPath, s->ca_pem, s->token, timeouts,
                            clock_, *rng);
  if (got.status != 200) {
    log_.log(
        core::LogLevel::kWarn, "aks-supervisor", "storage census unanswered",
        {{"cluster", cluster_id}, {"status", std::to_string(got.status)}, {"error", got.error}});
    return std::nullopt;
  }
  return census_says_in_use(nlohmann::json::parse(got.body, nullptr, false), provider_name);
}

std::vector<pid_t> ProcessSupervisor::pids(const std::string& cluster_id) const {
  std::lock_guard l(mu_);
  const auto it = clusters_.find(cluster_id);
  return it == clusters_.end() ? std::vector<pid_t>{} : it->second->pids();
}

fs::path ProcessSupervisor::cluster_dir(const std::string& cluster_id) const {
  return options_.data_dir / "clusters" / cluster_dir_name(cluster_id);
}

fs::path locate_binary(const std::string& flag_value, const std::string& name,
                       const fs::path& self_dir, const fs::path& build_relative,
                       const std::string& path_env) {
  if (!flag_value.empty()) {
    if (auto found = core::find_program({flag_value}, "", "")) return *found;
    throw std::runtime_error(flag_value + " is not an executable file");
  }
  const fs::path beside = self_dir / name;
  const fs::path built = (self_dir / build_relative).lexically_normal();
  if (auto found = core::find_program({beside, built}, name, path_env)) return *found;
  throw std::runtime_error(name + " not found: not beside the emulator (" + beside.string() +
                           "), not in the build tree (" + built.string() + "), not on PATH");
}

}  // namespace kmslab::aks

namespace kmslab::aks {

// The detector's evidence, read as a user's kubectl would reach it: the apiserver's loopback URL,
// the cluster CA and the admin token (state()). Each GET is one short try.
std::optional<ControlPlaneObservation> ProcessSupervisor::observe(
    const std::string& cluster_id) const {
  const auto s = state(cluster_id);
  if (s && s->phase == ControlPlaneState::Phase::kFailed) {
    ControlPlaneObservation failed;
    failed.apiserver_problem = s->message;  // what the supervisor saw go wrong
    return failed;
  }
  if (!s || s->phase != ControlPlaneState::Phase::kRunning || s->apiserver_url.empty())
    return std::nullopt;
  auto rng = core::make_rng(0);
  auto get = [&](const std::string& path) {
    return http_get(s->apiserver_url + path, s->ca_pem, s->token, {}, clock_, *rng);
  };
  ControlPlaneObservation o;
  const GetResult health = get("/healthz?verbose");
  o.apiserver_answered = health.status != 0;
  o.apiserver_problem = health.error;
  if (health.status == 0) return o;
  for (const auto& check : failing_health_checks(health.body)) {
    const GetResult one = get("/healthz/" + check);
    o.failing_checks[check] = one.status != 0 ? one.body.substr(0, 4000) : one.error;
    while (!o.failing_checks[check].empty() && o.failing_checks[check].back() == '\n')
      o.failing_checks[check].pop_back();
  }
  if (const GetResult calls = get("/_kmslab/kms-calls"); calls.status == 200)
    o.kms_calls = parse_kms_calls(calls.body);
  if (const GetResult metrics = get("/metrics"); metrics.status == 200) {
    // A count the page may spell as any float: only a finite, non-negative one converts.
    const auto n =
        core::sample_value(metrics.body, "apiserver_storage_objects", {{"resource", "secrets"}});
    if (n && *n >= 0 && *n < 9.0e18) o.stored_secrets = static_cast<int64_t>(*n);
  }
  return o;
}

}  // namespace kmslab::aks
