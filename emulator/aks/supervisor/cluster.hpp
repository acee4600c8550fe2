#pragma once
// One cluster's control plane: its thread, its processes (a kmslab-kms-plugin per KMS key, then a
// kmslab-apiserver), their logs, restarts and readiness. Everything about the processes happens on
// the cluster's own thread (which also makes PR_SET_PDEATHSIG follow the cluster's lifetime);
// other threads only post specs and read the state.
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/aks/control_plane.hpp"
#include "emulator/aks/supervisor/etcd_member.hpp"
#include "emulator/aks/supervisor/options.hpp"
#include "emulator/aks/supervisor/probes.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/log.hpp"
#include "emulator/core/process.hpp"
#include "emulator/core/rng.hpp"

namespace kmslab::aks {

class Cluster {
 public:
  using Done = std::function<void(const ControlPlaneState&)>;

  Cluster(std::filesystem::path dir, const SupervisorOptions& options,
          const SupervisorEndpoints& endpoints, core::Logger& log, const core::Clock& clock);
  /// Stops every process (SIGTERM, SIGKILL after the grace) and the thread.
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// Supersedes any spec not yet acted on; `done` joins the dones still waiting, and all are
  /// called with the outcome of the newest spec.
  void apply(ControlPlaneSpec spec, Done done);
  ControlPlaneState state() const;
  /// Fills `s` with the CA and token the apiserver keeps in its data directory, when there.
  void saved_access(ControlPlaneState& s) const;
  /// Sends `sig` to the running apiserver ("apiserver"), every running plugin ("kms-plugin") or
  /// both ("all") from the cluster's thread, which starts them again as after a crash. Returns
  /// the ids signalled; empty when none runs or the thread did not answer within `wait`.
  std::vector<pid_t> signal(const std::string& which, int sig, std::chrono::milliseconds wait);
  /// The running processes' ids (tests check /proc with them).
  std::vector<pid_t> pids() const;
  const std::filesystem::path& dir() const { return dir_; }
  /// True on the cluster's own thread (inside a `done`), where the cluster cannot be destroyed.
  bool on_own_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  struct Child {
    std::string label;  // "kmslab-kms-plugin azurekmsprovider", "kmslab-apiserver"
    core::SpawnOptions spawn;
    std::string fingerprint;  // what it was started with: a change means a restart
    core::ChildProcess process;
    bool started = false, ready = false;
    uintmax_t log_offset = 0;  // where this run's lines begin
    unsigned failures = 0;     // exits in a row without becoming ready
    std::optional<std::chrono::steady_clock::time_point> restart_at, next_probe;
    std::string problem;                              // why it is not ready
    std::string access_url, access_token, access_ca;  // the apiserver's, once ready
  };

  struct SignalRequest {
    std::string which;
    int sig = 0;
    bool done = false;
    std::vector<pid_t> pids;
  };

  void run();
  void deliver(SignalRequest& request);
  void reconcile(const ControlPlaneSpec& spec);
  bool tick();  // true when everything serves
  void supervise(Child& child);
  void start(Child& child);
  void probe(Child& child);
  ProbeResult probe_url(const std::string& url, const std::string& ca, const std::string& token);
  bool is_apiserver(const Child& child) const { return apiserver_ && &child == &*apiserver_; }
  bool is_etcd(const Child& child) const { return etcd_ && &child == &*etcd_; }
  /// Creates the cluster's etcd child once (with --aks-cluster-store=etcd); returns its URL, or
  /// "" for the embedded store.
  std::string ensure_etcd();
  /// True once the cluster's etcd holds an incident bundle's objects, or has none to take
  /// (etcd_seed.hpp); false, with the reason on the etcd child, to try again.
  bool seed_etcd_once();
  void stop(Child& child);
  void stop_all();
  Child make_child(std::string label, std::vector<std::string> args, std::filesystem::path program,
                   std::vector<std::string> env, const std::string& log_name,
                   const std::string& extra_fingerprint);
  void write_files(const ControlPlaneSpec& spec);
  void set_route(bool present);
  void publish(ControlPlaneState state);
  void finish(ControlPlaneState::Phase phase, const std::string& message);
  std::string failure_report(const Child& child) const;

  const std::filesystem::path dir_;
  const SupervisorOptions& options_;
  const SupervisorEndpoints& endpoints_;
  core::Logger& log_;
  const core::Clock& clock_;
  std::unique_ptr<core::Rng> rng_;

  // Shared with other threads.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<ControlPlaneSpec> pending_;
  std::vector<Done> waiting_;            // dones of the applies the thread is working on or will
  std::vector<SignalRequest*> signals_;  // owned by the callers of signal(), which wait
  ControlPlaneState state_;
  std::vector<pid_t> pids_;

  // The thread's own.
  std::optional<ControlPlaneSpec> current_;
  std::vector<Done> working_;  // the dones of the spec being brought up
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::map<std::string, Child> plugins_;  // by provider name
  std::optional<Child> apiserver_;
  std::optional<Child> etcd_;  // the cluster's own store, started first, stopped last
  EtcdPorts etcd_ports_;
  bool etcd_seeded_ = false;
  std::string routed_fqdn_;
  std::thread thread_;
};

}  // namespace kmslab::aks
