#include "emulator/app/emulator.hpp"

#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <stdexcept>

#include "emulator/app/incident/stand_in_keys.hpp"
#include "emulator/app/incident/state_routes.hpp"
#include "emulator/app/incident/state_snapshot.hpp"
#include "emulator/app/listener_surface.hpp"
#include "emulator/core/admin.hpp"
#include "emulator/core/files.hpp"
#include "emulator/core/ms_duration.hpp"
#include "emulator/core/process.hpp"
#include "emulator/faults/admin_routes.hpp"
#include "emulator/identity/app_token.hpp"
#include "emulator/identity/directory_admin.hpp"
#include "emulator/identity/jwt.hpp"
#include "emulator/identity/managed_identity_routes.hpp"
#include "emulator/identity/routes.hpp"
#include "emulator/identity/service_principals.hpp"

namespace kmslab::app {

namespace fs = std::filesystem;

namespace {

constexpr const char* kClockKey = "/kmslab/clock";
constexpr const char* kClockSubscribersKey = "/kmslab/clock-subscribers";

// The data directory is owner-only (0700), whatever the umask, even when it already existed.
fs::path absolute_dir(const fs::path& dir) {
  try {
    core::ensure_private_directory(dir, core::tls::CertificateAuthority::kCertFile);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("data directory: ") + e.what());
  }
  return fs::absolute(dir).lexically_normal();
}

}  // namespace

Emulator::Emulator(Config config) : config_(std::move(config)) {
  config_.data_dir = absolute_dir(config_.data_dir);
  std::FILE* sink = stderr;
  if (!config_.log_file.empty()) {
    try {
      log_file_.reset(core::open_private_append(config_.log_file));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("--log-file: ") + e.what());
    }
    sink = log_file_.get();
  }
  logger_ = std::make_unique<core::Logger>(sink, config_.log_level);
  clock_ = std::make_unique<core::VirtualClock>(
      config_.clock_mode, config_.clock_start.value_or(core::wall_clock_now()));
  clock_->set_timer_error_handler([this](const std::string& what) {
    logger_->error("clock", "timer failed", {{"what", what}});
  });
  if (config_.clock_mode == core::VirtualClock::Mode::kSystem && config_.clock_start) {
    clock_->set(*config_.clock_start);
  }
  rng_ = core::make_rng(config_.seed);
  // A bad bundle is refused before the store exists: nothing is left behind.
  std::optional<incident::Snapshot> imported;
  if (!config_.import_state.empty()) imported = read_import();
  store_ = store::open_store(config_.store_spec());
  if (imported) import_state(std::move(*imported));
  if (!config_.clock_start) restore_clock();
  ca_ = std::make_unique<core::tls::CertificateAuthority>(
      core::tls::CertificateAuthority::load_or_create(config_.data_dir, core::wall_clock_now()));
  tls_ = std::make_unique<core::tls::ServerTls>(*ca_, certificate_names(), core::wall_clock_now);

  start_clock_hub();
  const auto admin = core::register_admin_routes(
      router_, {*clock_, metrics_, kVersion, [this] { persist_clock(); }, config_.admin_token,
                [this] { return store_->revision(); }, [this] { return store_->check_integrity(); },
                clock_hub_.get()});
  directory_ = std::make_unique<identity::Directory>(*store_, *rng_);
  faults_ = std::make_unique<faults::FaultInjector>(*store_, *clock_, *rng_, &metrics_);
  role_assignments_ = std::make_unique<identity::RoleAssignments>(*store_);
  register_identity();
  tokens_ =
      std::make_unique<identity::TokenVerifier>(signing_key_, *clock_, config_.auth == "lenient");
  load_subnets();
  register_network_admin(admin);
  incident::register_state_routes(router_, admin, *store_, config_.admin_token);
  vaults_ = std::make_unique<keyvault::VaultRegistry>(*store_);
  create_flag_vaults();
  keyvault::KeyVaultOptions kv;
  kv.dns_suffixes = config_.vault_dns_suffixes;
  kv.hsm_dns_suffixes = config_.hsm_dns_suffixes;
  kv.accept_any_api_version = config_.accept_any_api_version;
  kv.deletion_window = config_.deletion_window;
  kv.disabled_key_allows_public_ops = config_.disabled_key_allows_public_ops;
  kv.pages = keyvault::PagePattern::parse(config_.list_page_sizes, config_.seed);
  kv.default_tenant = config_.tenant_id;
  kv.tokens = tokens_.get();
  kv.role_assignments = role_assignments_.get();
  kv.subnets = &subnets_;
  faults::register_fault_routes(router_, admin, *faults_);
  kv.faults = faults_.get();
  kv.throttle.enabled = config_.throttling;
  kv.throttle.create_per_window = config_.throttle_create;
  // The weighted limits keep Azure's ratios when the base is overridden.
  kv.throttle.rsa3072_per_window = std::max(1, config_.throttle_other / 4);
  kv.throttle.rsa4096_per_window = std::max(1, config_.throttle_other / 8);
  kv.throttle.other_per_window = config_.throttle_other;
  kv.audit_retention = config_.audit_retention;
  keyvault_ = std::make_unique<keyvault::KeyVaultService>(*store_, *clock_, *rng_, *vaults_, kv);
  keyvault_->register_routes(router_);
  keyvault_->register_admin_routes(router_, admin);
  keyvault_->resume_timers();
  register_arm(admin);
  dispatcher_ = std::make_unique<core::Dispatcher>(router_, *clock_, *rng_, *logger_, metrics_);
  if (config_.cpu_workers > 0) {
    workers_ = std::make_unique<core::WorkerPool>(
        core::WorkerPool::Options{config_.cpu_workers, config_.cpu_queue});
    dispatcher_->set_worker_pool(workers_.get());
  }
  clock_moves_ = std::make_unique<core::WorkerPool>(core::WorkerPool::Options{1, 16, 0});
  dispatcher_->set_waiting_runner(clock_moves_.get());
  main_sink_ = std::make_unique<SurfaceGuard>(*dispatcher_);
  imds_dispatcher_ =
      std::make_unique<core::Dispatcher>(imds_router_, *clock_, *rng_, *logger_, metrics_);
  imds_dispatcher_->set_unmatched(identity::managed_identity_unmatched);
}

Emulator::~Emulator() {
  stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  if (supervisor_) supervisor_->stop();
}

void Emulator::register_identity() {
  signing_key_ =
      std::make_shared<const identity::SigningKey>(identity::SigningKey::load_or_create(*store_));
  identity::IdentityServices services;
  services.hosts = {"login.microsoftonline.com", "localhost", "127.0.0.1"};
  services.hosts.insert(services.hosts.end(), config_.host_names.begin(), config_.host_names.end());
  services.signing_key = signing_key_;
  services.default_tenant_id = config_.tenant_id;
  services.token_lifetime = config_.token_lifetime;
  services.guard_token = token_fault_guard("identity");
  services.validate_credentials = identity::client_validator(
      *directory_, config_.directory == "registered" ? identity::DirectoryMode::kRegistered
                                                     : identity::DirectoryMode::kOpen);
  identity::register_identity_routes(router_, services);
  identity::register_directory_admin_routes(
      router_, {*directory_, config_.tenant_id, config_.subscription_id, config_.resource_group,
                config_.region, config_.admin_token});
  if (config_.imds) register_managed_identity();
}

// The managed identity endpoints have a router of their own, served by their own plain-HTTP
// listener (start()) and by no other: IMDS serves no Azure API, and Azure's hosts serve no IMDS.
void Emulator::register_managed_identity() {
  // From the system RNG even under --seed: drawing from the seeded one would shift every id
  // that follows.
  identity_header_ = core::make_rng(0)->uuid();
  identity::ManagedIdentityServices mi;
  mi.directory = directory_.get();
  mi.signing_key = signing_key_;
  mi.default_tenant_id = config_.tenant_id;
  mi.identity_header = identity_header_;
  mi.token_lifetime = config_.managed_identity_token_lifetime;
  mi.guard_token = token_fault_guard("imds");
  identity::register_managed_identity_routes(imds_router_, std::move(mi));
}

// Token requests to Entra ID ("identity") and to the managed identity endpoint ("imds") meet the
// fault rules of their service, as operation "token", matched on the caller's source address.
std::function<core::Handler(core::Handler)> Emulator::token_fault_guard(
    const std::string& service) {
  faults_->add_operations({"token"}, service);
  return [f = faults_.get(), service](core::Handler inner) {
    return f->guard(std::move(inner), [service](const core::RequestContext& ctx) {
      return faults::FaultTarget{service, "", "", "token", "", ctx.connection.peer_address};
    });
  };
}

// ARM's view of a bearer token: the shared verifier's verdict, with the claims as JSON.
identity::jwt::VerifyResult Emulator::check_token(std::string_view token) const {
  const auto verdict = tokens_->verify(token);
  if (verdict.failure) return identity::jwt::VerifyError{*verdict.failure, "refused"};
  auto decoded = identity::jwt::decode_unverified(token);
  if (!decoded) return identity::jwt::VerifyError{identity::jwt::Failure::kMalformed, "not a JWT"};
  return decoded->claims;
}

void Emulator::register_arm(core::Router::GroupId admin) {
  arm::ArmOptions o;
  o.hosts = {"management.azure.com", "localhost", "127.0.0.1"};
  o.hosts.insert(o.hosts.end(), config_.host_names.begin(), config_.host_names.end());
  o.graph_hosts = {"graph.microsoft.com", "localhost", "127.0.0.1"};
  o.graph_hosts.insert(o.graph_hosts.end(), config_.host_names.begin(), config_.host_names.end());
  o.tenant_id = config_.tenant_id;
  o.subscription_id = config_.subscription_id;
  o.default_resource_group = config_.resource_group;
  o.region = config_.region;
  if (!config_.vault_dns_suffixes.empty()) o.vault_dns_suffix = config_.vault_dns_suffixes.front();
  o.accept_any_api_version = config_.accept_any_api_version;
  o.check_token = [this](std::string_view token) { return check_token(token); };
  // --aks-control-planes (config.cpp checks the value): processes = the supervisor, none =
  // ARM-only.
  if (config_.aks_control_planes == "none") {
    control_planes_ = std::make_unique<aks::ArmOnlyControlPlanes>();
    o.control_planes = control_planes_.get();
  } else {
    create_supervisor();
    o.control_planes = supervisor_.get();
  }
  o.retry_after_seconds = config_.lro_retry_after;
  o.aks.second_provider_name = config_.aks_second_provider;
  o.aks.cachesize = config_.aks_kms_cachesize;
  o.subnets = &subnets_;
  arm_ = std::make_unique<arm::ArmService>(*store_, *clock_, *rng_, *vaults_, *directory_,
                                           *role_assignments_, std::move(o));
  arm_->register_routes(router_);
  arm_->register_admin_routes(router_, admin);
  arm_->resume_timers();
}

// Each binary is found now, so --help's order is what runs; one not found fails clusters (with
// the places looked at), not the emulator.
void Emulator::create_supervisor() {
  aks::SupervisorOptions o;
  o.data_dir = config_.data_dir;
  o.start_timeout = config_.aks_start_timeout;
  o.tunnels = &tunnels_;
  o.debug_logs = config_.log_level == core::LogLevel::kDebug;
  // Every cluster's apiserver follows this emulator's virtual clock (core/clock_protocol.md).
  o.follow_clock = true;
  if (!config_.admin_token.empty()) {
    o.clock_token_file = config_.data_dir / "admin-token";
    core::write_file_atomic(o.clock_token_file, config_.admin_token, 0600);
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec).parent_path();
  const char* path = std::getenv("PATH");
  auto find = [&](const std::string& flag, const char* name, const char* relative) -> fs::path {
    try {
      return aks::locate_binary(flag, name, self, relative, path ? path : "");
    } catch (const std::runtime_error& e) {
      logger_->log(core::LogLevel::kWarn, "emulator", "AKS clusters cannot start",
                   {{"why", e.what()}});
      return flag.empty() ? fs::path(name) : fs::path(flag);
    }
  };
  o.apiserver_binary =
      find(config_.apiserver_binary, "kmslab-apiserver", "apiserver/kmslab-apiserver");
  o.kms_plugin_binary =
      find(config_.kms_plugin_binary, "kmslab-kms-plugin", "../plugin/kmslab-kms-plugin");
  if (config_.aks_cluster_store == "etcd") o.etcd_binary = etcd_binary(path ? path : "");
  supervisor_ = std::make_unique<aks::ProcessSupervisor>(std::move(o), *logger_, *clock_);
}

// Unlike the kmslab binaries (built here), etcd comes from a Debian package: without it the
// emulator does not start, and says which package to install.
fs::path Emulator::etcd_binary(const std::string& path_env) const {
  std::vector<fs::path> given;
  if (!config_.etcd_binary.empty()) given.emplace_back(config_.etcd_binary);
  if (auto found = core::find_program(given, "etcd", given.empty() ? path_env : "")) return *found;
  throw std::invalid_argument(
      "--aks-cluster-store=etcd runs etcd, which is not installed (" +
      (given.empty() ? std::string("not on PATH") : config_.etcd_binary + " is not executable") +
      "): apt-get install etcd-server, or give --etcd-binary");
}

void Emulator::create_flag_vaults() {
  std::vector<std::pair<std::string, keyvault::VaultSettings>> made;
  for (const auto& item : config_.vaults) {
    made.emplace_back("--vault " + item,
                      keyvault::vault_from_flag(item, config_.tenant_id, config_.region));
  }
  for (const auto& name : config_.managed_hsms) {
    made.emplace_back("--managed-hsm " + name,
                      keyvault::managed_hsm_from_flag(name, config_.tenant_id, config_.region));
  }
  for (auto& [flag, vault] : made) {
    vault.subscription_id = config_.subscription_id;
    vault.resource_group = config_.resource_group;
    if (vaults_->find_any(vault.name))
      continue;  // created earlier (flag or ARM): keep its settings
    try {
      vaults_->put(vault);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(flag + ": " + e.what());
    }
  }
}

std::vector<std::string> Emulator::certificate_names() const {
  std::vector<std::string> names = {
      "localhost",          "127.0.0.1", "::1", "management.azure.com", "login.microsoftonline.com",
      "graph.microsoft.com"};
  for (const auto& suffix : config_.vault_dns_suffixes) names.push_back("*." + suffix);
  for (const auto& suffix : config_.hsm_dns_suffixes) names.push_back("*." + suffix);
  if (config_.listen_address != "0.0.0.0" && config_.listen_address != "::" &&
      std::find(names.begin(), names.end(), config_.listen_address) == names.end()) {
    names.push_back(config_.listen_address);
  }
  names.insert(names.end(), config_.host_names.begin(), config_.host_names.end());
  return names;
}

// --import-state: an incident bundle's state, into a store that holds none yet. Said at start when
// the bundle has no key material, since stored values will not decrypt.
incident::Snapshot Emulator::read_import() {
  try {
    auto snapshot = incident::read_bundle(config_.import_state);
    import_cluster_ = incident::read_cluster_objects(config_.import_state);
    incident::check_replay_store(import_cluster_, config_.aks_control_planes,
                                 config_.aks_cluster_store);
    return snapshot;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("--import-state: ") + e.what());
  }
}

// The cluster's objects (etcd store) are left for its supervisor before the state is loaded, and
// taken back if the load fails: the import is all or nothing.
void Emulator::import_state(incident::Snapshot snapshot) {
  size_t stand_ins = 0;
  fs::path seed;
  try {
    stand_ins = incident::make_stand_in_keys(snapshot);
    incident::require_empty(*store_);
    if (config_.aks_control_planes != "none")
      seed = incident::write_etcd_seed(import_cluster_, config_.data_dir);
    incident::load(*store_, snapshot);
  } catch (const std::exception& e) {
    std::error_code ec;
    if (!seed.empty()) fs::remove(seed, ec);
    throw std::runtime_error(std::string("--import-state: ") + e.what());
  }
  say_cluster_objects();
  logger_->info("emulator", "state imported",
                {{"bundle", config_.import_state},
                 {"entries", std::to_string(snapshot.entries.size())},
                 {"key_material", snapshot.key_material ? "included" : "withheld"}});
  if (!snapshot.key_material) {
    const std::string why =
        "the bundle has no key material: " + std::to_string(stand_ins) +
        " key version(s) got a stand-in private key; everything replays (new values encrypt "
        "and decrypt) but the decryption of values encrypted before the export, which answers "
        "403 KeyMaterialWithheld";
    logger_->log(core::LogLevel::kWarn, "emulator", "replay without key material", {{"why", why}});
    std::fprintf(stderr, "kmslab-emulator: %s\n", why.c_str());
  }
}

// What a replay does with the cluster's stored objects, said at start like the key material.
void Emulator::say_cluster_objects() const {
  const auto& c = import_cluster_;
  if (c.store != "etcd") return;
  std::string what;
  if (config_.aks_control_planes == "none")
    what =
        "its cluster ran on etcd, but --aks-control-planes=none runs no cluster processes: its "
        "stored objects are not replayed";
  else if (!c.objects)
    what =
        "its cluster ran on etcd but the bundle has no stored-objects.json (the export could "
        "not read that etcd; see the manifest's notes): the cluster's etcd starts empty";
  else
    what = std::to_string(c.objects->size()) +
           " stored object(s) of its cluster go into the cluster's new etcd before its apiserver "
           "starts";
  logger_->info("emulator", "cluster objects", {{"cluster", c.cluster_id}, {"what", what}});
  std::fprintf(stderr, "kmslab-emulator: the bundle's %s\n", what.c_str());
}

// The virtual time survives a restart: a vault whose keys expired after "advance 400d" must not
// see them come back to life when the emulator restarts.
void Emulator::restore_clock() {
  auto kv = store_->get(kClockKey);
  if (!kv) return;
  const auto j = nlohmann::json::parse(kv->value, nullptr, false);
  auto ms = [&](const char* name) -> std::optional<core::Duration> {
    if (!j.is_object() || !j.contains(name) || !j[name].is_number_integer()) return std::nullopt;
    return core::duration_from_ms(j[name].get<int64_t>());
  };
  const auto now = ms("now_ms");
  const auto offset = ms("offset_ms");
  // A damaged record starts the clock afresh rather than refusing to start.
  if (!now || !offset) return;
  if (config_.clock_mode == core::VirtualClock::Mode::kManual) {
    clock_->set(core::TimePoint(*now));
  } else {
    clock_->set(core::wall_clock_now() + *offset);
  }
}

// The subscriber list survives a restart (the subscribers keep running); one that died
// meanwhile is dropped at the first advance that cannot reach it.
void Emulator::start_clock_hub() {
  step_transport_ = std::make_unique<core::client::HttpsStepTransport>(*clock_, *rng_);
  core::ClockHubOptions options;
  options.step_timeout = config_.clock_step_timeout;
  options.max_instants = config_.clock_max_steps;
  clock_hub_ = std::make_unique<core::ClockHub>(*clock_, *step_transport_, options, logger_.get());
  if (auto kv = store_->get(kClockSubscribersKey)) {
    std::vector<core::clock_protocol::Registration> list;
    const auto j = nlohmann::json::parse(kv->value, nullptr, false);
    for (const auto& item : j.is_array() ? j : nlohmann::json::array()) {
      auto r = core::clock_protocol::parse_registration(item.dump());
      if (auto* reg = std::get_if<core::clock_protocol::Registration>(&r)) list.push_back(*reg);
    }
    clock_hub_->restore(list);
  }
  clock_hub_->on_change([this](const std::vector<core::clock_protocol::Registration>& list) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : list) j.push_back(core::clock_protocol::to_json(r));
    store_->put(kClockSubscribersKey, j.dump());
  });
}

void Emulator::persist_clock() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const nlohmann::json j = {
      {"now_ms", duration_cast<milliseconds>(clock_->now().time_since_epoch()).count()},
      {"offset_ms", duration_cast<milliseconds>(clock_->offset()).count()}};
  store_->put(kClockKey, j.dump());
}

void Emulator::start() {
  core::ServerOptions options;
  options.header_limit = config_.max_header_bytes;
  options.body_limit = config_.max_body_bytes;
  options.read_timeout = config_.read_timeout;
  options.proxy_allow = certificate_names();
  options.tunnel_routes = &tunnels_;
  server_ =
      std::make_unique<core::HttpServer>(ioc_, *main_sink_, &tls_->context(), options, metrics_);
  const auto kind =
      config_.plain_http ? core::HttpServer::Kind::kHttp : core::HttpServer::Kind::kHttps;
  const uint16_t port = server_->listen(config_.listen_address, config_.port, kind);
  const uint16_t proxy_port =
      server_->listen(config_.listen_address, config_.proxy_port, core::HttpServer::Kind::kProxy);

  const std::string host = config_.listen_address.find(':') != std::string::npos
                               ? "[" + config_.listen_address + "]"
                               : config_.listen_address;
  endpoints_.main_url =
      std::string(config_.plain_http ? "http://" : "https://") + host + ":" + std::to_string(port);
  endpoints_.proxy_url = "http://" + host + ":" + std::to_string(proxy_port);
  endpoints_.ca_path = ca_->cert_path().string();
  if (config_.imds) {
    // Loopback only, whatever --listen says: on a VM, IMDS is reachable from the machine alone.
    imds_server_ =
        std::make_unique<core::HttpServer>(ioc_, *imds_dispatcher_, nullptr, options, metrics_);
    const uint16_t imds_port =
        imds_server_->listen("127.0.0.1", config_.imds_port, core::HttpServer::Kind::kHttp);
    endpoints_.imds_url = "http://127.0.0.1:" + std::to_string(imds_port);
  }

  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) stop();
  });
  for (unsigned i = 0; i < config_.threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  if (supervisor_)
    supervisor_->start({endpoints_.main_url, endpoints_.proxy_url, endpoints_.imds_url,
                        endpoints_.ca_path,
                        config_.vault_dns_suffixes.empty() ? std::string("vault.azure.net")
                                                           : config_.vault_dns_suffixes.front()});
  write_endpoints_file();
  // The clusters' processes need the listeners (IMDS, Key Vault) bound first.
  arm_->resume_clusters();
  logger_->info("emulator", "ready",
                {{"main", endpoints_.main_url},
                 {"proxy", endpoints_.proxy_url},
                 {"ca", endpoints_.ca_path},
                 {"store", config_.store_spec()}});
}

void Emulator::write_endpoints_file() const {
  nlohmann::json j = {{config_.plain_http ? "http" : "https", endpoints_.main_url},
                      {"proxy", endpoints_.proxy_url},
                      {"ca", endpoints_.ca_path},
                      {"store", config_.store_spec()},
                      {"pid", static_cast<int>(::getpid())},
                      {"version", kVersion},
                      {"tenant", config_.tenant_id},
                      {"subscription", config_.subscription_id}};
  // Where the request log goes (tools/kmslab incident export takes its tail).
  if (!config_.log_file.empty()) j["logFile"] = fs::absolute(config_.log_file).string();
  if (!endpoints_.imds_url.empty()) {
    j["imds"] = endpoints_.imds_url;
    // Like IMDS's Metadata header it only proves the caller is not a forwarded request; the
    // file is owner-only all the same, as everything in the data directory but the CA.
    j["identity_header"] = identity_header_;
  }
  core::write_file_atomic(config_.endpoints_path(), j.dump(2) + "\n", 0600);
}

void Emulator::stop() {
  if (!server_) return;
  boost::asio::post(ioc_, [this] {
    boost::system::error_code ec;
    signals_.cancel(ec);
    server_->shutdown();
    if (imds_server_) imds_server_->shutdown();
    std::vector<core::HttpServer*> servers{server_.get()};
    if (imds_server_) servers.push_back(imds_server_.get());
    core::stop_when_idle(ioc_, std::move(servers),
                         std::chrono::steady_clock::now() + std::chrono::seconds(5));
  });
}

void Emulator::wait() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  if (supervisor_) supervisor_->stop();  // no cluster process outlives the emulator
  std::error_code ec;
  fs::remove(config_.endpoints_path(), ec);  // a stopped emulator has no endpoints
  logger_->info("emulator", "stopped");
}

std::string Emulator::banner() const {
  const std::string& ca = endpoints_.ca_path;
  std::string out = std::string("kmslab-emulator ") + kVersion + " ready\n";
  out +=
      "  " + std::string(config_.plain_http ? "http:  " : "https: ") + endpoints_.main_url + "\n";
  out += "  proxy: " + endpoints_.proxy_url + "\n";
  if (!endpoints_.imds_url.empty()) out += "  imds:  " + endpoints_.imds_url + "\n";
  out += "  CA:    " + ca + "\n";
  out += "  store: " + config_.store_spec() + "\n";
  out += "  endpoints file: " + config_.endpoints_path().string() + "\n";
  out += "Try:\n";
  out += "  curl --cacert " + ca + " " + endpoints_.main_url + "/_kmslab/health\n";
  out += "  curl --cacert " + ca + " --proxy " + endpoints_.proxy_url +
         " https://myvault.vault.azure.net/_kmslab/health\n";
  out += "  curl --cacert " + ca + " -d '{\"advance\":\"400d\"}' " + endpoints_.main_url +
         "/_kmslab/clock\n";
  for (const auto& vault : vaults_->list()) {
    out += "Vault " + vault.name + ": https://" + vault.name +
           ".vault.azure.net (through the proxy), " + "https://" + vault.name +
           ".vault.localhost:" + endpoints_.main_url.substr(endpoints_.main_url.rfind(':') + 1) +
           "\n";
  }
  for (const auto& hsm : vaults_->list_managed_hsms()) {
    out +=
        "Managed HSM " + hsm.name + ": https://" + hsm.name +
        ".managedhsm.azure.net (through the proxy), https://" + hsm.name +
        ".managedhsm.localhost:" + endpoints_.main_url.substr(endpoints_.main_url.rfind(':') + 1) +
        "\n";
  }
  out += "Clients: export SSL_CERT_FILE=" + ca + " REQUESTS_CA_BUNDLE=" + ca +
         " NODE_EXTRA_CA_CERTS=" + ca + " HTTPS_PROXY=" + endpoints_.proxy_url + "\n";
  out += "  or: eval \"$(tools/kmslab env --data-dir " + config_.data_dir.string() + ")\"\n";
  return out;
}

}  // namespace kmslab::app
