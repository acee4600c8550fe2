// kmslab-kms-plugin: the KMS plugin for Azure Key Vault, a drop-in for Azure/kubernetes-kms
// v0.11.0 (same flags, same socket protocol, same ciphertext and key_id), built on kmslab's
// shared HTTPS client. Startup follows upstream's cmd/server/main.go order.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "emulator/core/clock.hpp"
#include "emulator/core/log.hpp"
#include "emulator/core/rng.hpp"
#include "plugin/grpc/listen_address.hpp"
#include "plugin/grpc/services.hpp"
#include "plugin/health/healthz.hpp"
#include "plugin/keyvault/cloud.hpp"
#include "plugin/options.hpp"

namespace kmslab::plugin {
namespace {

constexpr const char* kBuildVersion = "v0.11.0-kmslab.0.1.0";
constexpr const char* kGitCommit = "kmslab";
constexpr const char* kBuildDate = "2026-12-01";
constexpr int kMaxPollers = 128;  // more than the concurrent calls one kube-apiserver makes

int fatal(core::Logger& log, const std::string& message) {
  log.error("plugin", message);  // the log is stderr: the one line says why it stopped
  return 1;
}

core::LogLevel level_of(unsigned v) {
  if (v >= 4) return core::LogLevel::kDebug;
  if (v >= 2) return core::LogLevel::kInfo;
  return core::LogLevel::kWarn;
}

const char* env(const char* name) {
  return std::getenv(name);
}

int run(const Options& o) {
  // Upstream's default is klog text; --log-format-json switches to JSON lines (§7.1).
  core::Logger log(stderr, level_of(o.log_level),
                   o.log_format_json ? core::LogFormat::kJson : core::LogFormat::kText);
  log.log(core::LogLevel::kWarn, "plugin", "Starting KeyManagementServiceServer service",
          {{"version", kBuildVersion}, {"buildDate", kBuildDate}});
  core::VirtualClock clock(core::VirtualClock::Mode::kSystem);
  core::SystemRng rng;

  AzureConfig azure;
  CloudEnvironment cloud;
  std::string vault, resource;
  try {
    azure = load_azure_config(o.config_file_path);
  } catch (const std::exception& e) {
    return fatal(log, std::string("failed to get azure config: ") + e.what());
  }
  if (o.keyvault_name.empty() || o.key_name.empty() || o.key_version.empty()) {
    return fatal(
        log,
        "failed to create key vault client: key vault name, key name and key version are required");
  }
  try {
    const char* env_file = env("AZURE_ENVIRONMENT_FILEPATH");
    try {
      cloud = parse_cloud(azure.cloud, env_file ? env_file : "");
    } catch (const std::exception& e) {
      throw std::runtime_error("failed to parse cloud environment: " + azure.cloud +
                               ", error: " + e.what());
    }
    resource = vault_resource(o.managed_hsm, cloud);
    vault = vault_url(o.keyvault_name, o.managed_hsm, cloud);
  } catch (const std::exception& e) {
    return fatal(log, std::string("failed to create key vault client: ") + e.what());
  }

  core::client::ClientOptions http_options;
  http_options.ca_bundle_file = o.ca_bundle;
  http_options.proxy = o.https_proxy;
  http_options.source_address = o.source_address;
  http_options.user_agent = std::string("k8s-kms-keyvault/") + kBuildVersion + " (linux/amd64) " +
                            kGitCommit + "/" + kBuildDate;
  std::unique_ptr<core::client::HttpClient> http;
  try {
    http = std::make_unique<core::client::HttpClient>(http_options, clock, rng);
  } catch (const std::exception& e) {
    return fatal(log, std::string("failed to create key vault client: ") + e.what());
  }
  AuthEndpoints endpoints{o.imds_endpoint, cloud.active_directory_endpoint, o.proxy_mode};
  KeyVaultTarget target{vault, o.key_name, o.key_version, vault, o.proxy_mode};
  if (o.proxy_mode) {
    const std::string proxy =
        "http://" + o.proxy_address + ":" + std::to_string(o.proxy_port) + "/";
    endpoints.active_directory = proxy;
    target.request_base = proxy + vault.substr(8);  // upstream getProxiedVaultURL
  }
  std::unique_ptr<TokenSource> tokens;
  try {
    tokens = make_token_source(azure, resource, endpoints, *http, clock);
  } catch (const std::exception& e) {
    return fatal(
        log,
        std::string("failed to create key vault client: failed to get key vault token, error: ") +
            e.what());
  }
  log.log(core::LogLevel::kWarn, "plugin", "using kms key for encrypt/decrypt",
          {{"vaultURL", target.request_base},
           {"keyName", o.key_name},
           {"keyVersion", o.key_version},
           {"credential", tokens->describe()}});
  KeyVaultClient keyvault(target, *tokens, *http);
  KmsContract kms(keyvault, kBuildVersion);

  auto address = parse_listen_address(o.listen_addr);
  if (!address) return fatal(log, "failed to parse endpoint: invalid endpoint: " + o.listen_addr);
  if (auto problem = remove_stale_socket(*address); !problem.empty()) return fatal(log, problem);

  unsigned metrics_port = 0;
  try {
    size_t used = 0;
    metrics_port = static_cast<unsigned>(std::stoul(o.metrics_addr, &used));
    if (used != o.metrics_addr.size() || metrics_port > 65535) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    return fatal(
        log, "failed to initialize metrics exporter: invalid metrics address: " + o.metrics_addr);
  }
  core::MetricsRegistry registry;
  KmsMetrics metrics(registry);
  ServiceV1 v1(kms, &metrics);
  ServiceV2 v2(kms, &metrics);
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort(address->grpc_target(), grpc::InsecureServerCredentials(), &bound);
  // The sync server on purpose: the callback API, measured in the same benchmark, either caps
  // the plugin at 2 concurrent calls (handlers inline) or costs more CPU per call (handlers on a
  // pool); plugin/README.md, "Benchmark".
  builder.RegisterService(&v1);
  builder.RegisterService(&v2);
  // gRPC's sync server ends a thread that finishes a call while more than MAX_POLLERS (default
  // 2) others poll, and starts one when none polls: under concurrent calls that is a thread
  // created and destroyed per call (tools/bench/plugin.sh: about one per two calls at
  // concurrency 8). Idle pollers cost nothing, so let them stay.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kMaxPollers);
  const mode_t old_mask = umask(0077);  // the socket is born owner-only
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  umask(old_mask);
  if (!server || bound == 0) {
    return fatal(log, "failed to listen addr: " + address->path + ", proto: unix");
  }
  if (!address->abstract) chmod(address->path.c_str(), 0600);
  HealthCheck health(*address, kms, o.healthz_timeout);
  HealthServer health_server(health, o.healthz_path, registry);
  try {
    auto [hport, mport] = health_server.start(o.bind_address, static_cast<uint16_t>(o.healthz_port),
                                              static_cast<uint16_t>(metrics_port));
    log.log(core::LogLevel::kWarn, "plugin", "health and metrics listening",
            {{"healthz", o.bind_address + ":" + std::to_string(hport) + o.healthz_path},
             {"metrics", o.bind_address + ":" + std::to_string(mport) + "/metrics"}});
  } catch (const std::exception& e) {
    return fatal(log, std::string("failed to start health check server: ") + e.what());
  }
  log.log(core::LogLevel::kWarn, "plugin", "Listening for connections", {{"addr", o.listen_addr}});

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  int sig = 0;
  sigwait(&stop, &sig);
  log.log(core::LogLevel::kWarn, "plugin", "received shutdown signal", {{"signal", sig}});
  log.log(core::LogLevel::kWarn, "plugin", "terminating the server");
  health_server.stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!address->abstract) unlink(address->path.c_str());
  return 0;
}

}  // namespace
}  // namespace kmslab::plugin

int main(int argc, char** argv) {
  using namespace kmslab::plugin;
  // Block the stop signals before any thread starts, so only sigwait() in run() takes them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  const char* proxy = std::getenv("HTTPS_PROXY");
  if (!proxy) proxy = std::getenv("https_proxy");
  ParsedOptions parsed = parse_options(args, proxy);
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "%s\n\n%s", parsed.error.c_str(), parsed.help_text.c_str());
    return 2;
  }
  if (parsed.help) {
    std::fputs(parsed.help_text.c_str(), stdout);
    return 0;
  }
  if (parsed.options.version) {
    std::printf("{\"BuildVersion\":\"%s\",\"GitCommit\":\"%s\",\"BuildDate\":\"%s\"}\n",
                kBuildVersion, kGitCommit, kBuildDate);
    return 0;
  }
  try {
    return run(parsed.options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmslab-kms-plugin: %s\n", e.what());
    return 1;
  }
}
