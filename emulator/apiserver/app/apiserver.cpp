#include "emulator/apiserver/app/apiserver.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <stdexcept>

#include "emulator/apiserver/health/kms_calls.hpp"
#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/status.hpp"
#include "emulator/core/clock_admin.hpp"
#include "emulator/core/constant_time.hpp"
#include "emulator/core/files.hpp"
#include "emulator/store/etcd_options.hpp"

namespace kmslab::apiserver::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kClockStepPath = "/_kmslab/clock/step";
// Handler threads and queued requests for non-long-running requests: enough that a few slow
// lists (KMS v1 decrypts past the DEK cache) leave the rest of the API answering.
constexpr unsigned kRequestHandlers = 8;
constexpr size_t kRequestQueue = 256;

std::vector<json> flag_pods(const std::vector<std::string>& specs, const std::string& created,
                            core::Rng& rng) {
  std::vector<json> pods;
  for (const auto& spec : specs) {
    const std::string ns = spec.substr(0, spec.find('/'));
    const std::string name = spec.substr(spec.find('/') + 1);
    pods.push_back({{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata",
                     {{"name", name},
                      {"namespace", ns},
                      {"creationTimestamp", created},
                      {"uid", rng.uuid()},
                      {"resourceVersion", "1"}}},
                    {"spec", {{"containers", {{{"name", name.substr(0, name.rfind('-'))}}}}}},
                    {"status", {{"phase", "Running"}}}});
  }
  return pods;
}

}  // namespace

Apiserver::Apiserver(Config config) : config_(std::move(config)) {
  core::ensure_directory(config_.data_dir, 0700);
  config_.data_dir = fs::absolute(config_.data_dir).lexically_normal();
  std::FILE* sink = stderr;
  if (!config_.log_file.empty()) {
    log_file_.reset(std::fopen(config_.log_file.c_str(), "a"));
    if (!log_file_) throw std::runtime_error("cannot open --log-file " + config_.log_file);
    sink = log_file_.get();
  }
  logger_ = std::make_unique<core::Logger>(sink, config_.log_level);
  rng_ = core::make_rng(0);
  clock_ = make_clock();
  clock_->set_timer_error_handler([this](const std::string& what) {
    logger_->error("clock", "timer failed", {{"what", what}});
  });
  try {
    // --etcd-servers: real etcd v3 (emulator/store/etcd_store.hpp), as kube-apiserver.
    if (!config_.etcd_servers.empty() && !config_.store.empty())
      throw store::StoreError("--etcd-servers and --store name two stores; give one");
    store_ = store::open_store(config_.store_spec());
  } catch (const store::StoreError& e) {
    throw std::runtime_error(e.what());
  }
  storage_ = std::make_unique<storage::ObjectStorage>(*store_, config_.etcd_prefix,
                                                      load_encryption(), &metrics_);
  ca_ = std::make_unique<core::tls::CertificateAuthority>(
      core::tls::CertificateAuthority::load_or_create(config_.data_dir, core::wall_clock_now()));
  std::vector<std::string> names = {"localhost",  "127.0.0.1",          "::1",
                                    "kubernetes", "kubernetes.default", "kubernetes.default.svc"};
  if (config_.bind_address != "0.0.0.0" && config_.bind_address != "::" &&
      std::find(names.begin(), names.end(), config_.bind_address) == names.end())
    names.push_back(config_.bind_address);
  if (!config_.external_hostname.empty()) names.push_back(config_.external_hostname);
  tls_ = std::make_unique<core::tls::ServerTls>(*ca_, names, core::wall_clock_now);
  token_ = load_or_create_token();
  k8s::ApiOptions options;
  options.kubernetes_version = config_.kubernetes_version;
  options.bearer_token = token_;
  options.kms_checks = kms_checks_;
  options.pods = flag_pods(config_.pods, core::format_rfc3339(clock_->now()), *rng_);
  watch_cache_ = std::make_shared<k8s::WatchCache>(
      *store_, *storage_, *clock_, config_.default_watch_cache_size, config_.watch_cache_sizes);
  options.watch_cache = watch_cache_;
  api_ = std::make_unique<k8s::KubeApi>(*storage_, *clock_, *rng_, std::move(options));
  api_->ensure_default_namespaces();
  prime_watch_cache();
  observe_object_counts();
  register_clock_routes();
  api_->register_routes(router_);
  register_metrics_route();
  dispatcher_ = std::make_unique<core::Dispatcher>(router_, *clock_, *rng_, *logger_, metrics_,
                                                   k8s::status_from_api_error);
  clock_steps_ = std::make_unique<core::WorkerPool>(core::WorkerPool::Options{1, 4, 0});
  dispatcher_->set_waiting_runner(clock_steps_.get());
  // kube-apiserver runs each request in a goroutine, bounded by priority and fairness (not
  // modelled): here a fixed set of handler threads and a queue, then its 429.
  request_handlers_ = std::make_unique<core::WorkerPool>(
      core::WorkerPool::Options{kRequestHandlers, kRequestQueue, 0});
  timeout_sink_ = std::make_unique<RequestTimeoutSink>(
      *dispatcher_, *request_handlers_, ioc_.get_executor(), config_.request_timeout);
}

std::unique_ptr<core::VirtualClock> Apiserver::make_clock() {
  using Mode = core::VirtualClock::Mode;
  if (config_.virtual_clock_url.empty())
    return std::make_unique<core::VirtualClock>(config_.clock_mode, core::wall_clock_now());
  std::string token;
  if (!config_.virtual_clock_token_file.empty()) {
    try {
      token = core::read_file(config_.virtual_clock_token_file);
    } catch (const std::exception& e) {
      throw std::runtime_error("--virtual-clock-token-file: " + std::string(e.what()));
    }
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
      token.pop_back();
  }
  try {
    leader_ = std::make_unique<core::client::ClockLeader>(
        core::client::ClockLeader::Options{config_.virtual_clock_url, config_.virtual_clock_ca_file,
                                           token},
        wall_clock_, *rng_);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("--virtual-clock-url / --virtual-clock-ca-file: " +
                             std::string(e.what()));
  }
  // Timers armed from here on are on the leader's time; the registration in start() says when
  // the first one is due.
  const core::client::LeaderClock leader = leader_->read();
  if (leader.mode == Mode::kManual)
    return std::make_unique<core::VirtualClock>(Mode::kManual, leader.now);
  auto clock = std::make_unique<core::VirtualClock>(Mode::kSystem);
  clock->set(core::wall_clock_now() + leader.offset);
  return clock;
}

// /_kmslab/clock behind the kubeconfig's bearer token; and, when following, the step endpoint
// behind a secret only the leader is given.
void Apiserver::register_clock_routes() {
  const auto admin = router_.add_group("kmslab-admin", {"*"});
  router_.add_filter(admin, [this](core::RequestContext& ctx) -> std::optional<core::ApiError> {
    if (core::constant_time_equal(ctx.request[core::http::field::authorization],
                                  "Bearer " + token_))
      return std::nullopt;
    return core::ApiError{401, "Unauthorized", "Unauthorized", std::nullopt, {}};
  });
  health::register_kms_calls_route(router_, admin, kms_calls_);
  core::register_clock_routes(router_, admin,
                              {*clock_, {}, nullptr, leader_ ? leader_->url() : std::string()});
  if (!leader_) return;
  step_secret_ = core::SystemRng().hex(32);
  core::register_clock_step_route(router_, *clock_, step_secret_, kClockStepPath);
}

std::string Apiserver::subscriber_name() const {
  const std::string dir = config_.data_dir.string();
  return "kmslab-apiserver " +
         (dir.size() > 200 ? dir.substr(dir.size() - 200) : dir);  // the protocol's bound
}

// Registers with the leader; if its clock moved since make_clock() read it, catches up (what
// fell due in between runs now, in order).
void Apiserver::follow_leader() {
  const core::clock_protocol::Registration r{subscriber_name(), url_ + kClockStepPath, step_secret_,
                                             core::read_file(ca_->cert_path()), clock_->next_due()};
  const core::client::LeaderClock leader = leader_->subscribe(r);
  core::apply_step(*clock_, leader.mode == core::VirtualClock::Mode::kManual
                                ? leader.now
                                : core::wall_clock_now() + leader.offset);
  logger_->info("apiserver", "following the virtual clock",
                {{"url", leader_->url()}, {"now", core::format_rfc3339(clock_->now())}});
}

// --encryption-provider-config[-automatic-reload]: the encryption layer's providers, or
// identity for everything. A file kube-apiserver would refuse stops the start here.
std::shared_ptr<const encryption::TransformerRegistry> Apiserver::load_encryption() {
  const std::string& path = config_.encryption_provider_config;
  if (path.empty()) return encryption::identity_provider_set().registry;
  encryption::ProviderDeps deps{*clock_, metrics_, config_.kubernetes_version,
                                config_.feature_gates.kms_v1,
                                config_.encryption_provider_config_automatic_reload};
  // Every plugin call at debug level: method, duration, status, never the payload.
  deps.kms_calls = [this](const encryption::KmsCall& c) {
    kms_calls_.record(c);
    logger_->log(
        core::LogLevel::kDebug, "kms", "plugin call",
        {{"provider", c.provider}, {"method", c.method}, {"seconds", c.seconds}, {"code", c.code}});
  };
  try {
    if (!config_.encryption_provider_config_automatic_reload) {
      auto set = encryption::load_provider_set(path, deps);
      kms_checks_ = set.checks;
      return set.registry;
    }
    watcher_ = std::make_unique<encryption::ConfigWatcher>(path, deps);
  } catch (const encryption::ConfigError& e) {
    throw std::runtime_error("--encryption-provider-config " + path + ": " + e.what());
  }
  // One check that follows whichever configuration is current (kms.md §5.4).
  kms_checks_ = {{"kms-providers", [this]() -> std::optional<std::string> {
                    for (const auto& check : watcher_->current()->checks) {
                      if (auto err = check.probe()) return err;
                    }
                    return std::nullopt;
                  }}};
  schedule_config_poll();
  return watcher_->current()->registry;
}

void Apiserver::schedule_config_poll() {
  poll_timer_ = clock_->schedule_at(clock_->now() + encryption::kConfigPollInterval, [this] {
    const auto outcome = watcher_->poll();
    if (outcome == encryption::ConfigWatcher::Outcome::kReloaded) {
      storage_->set_transformers(watcher_->current()->registry);
      logger_->info("apiserver", "encryption configuration reloaded",
                    {{"hash", watcher_->current()->content_hash}});
    } else if (outcome == encryption::ConfigWatcher::Outcome::kFailed) {
      logger_->error("apiserver",
                     "encryption configuration reload failed; keeping the last good one",
                     {{"error", watcher_->last_error()}});
    }
    schedule_config_poll();
  });
}

// kube-apiserver fills its watch cache at start by listing every resource from storage, which
// decrypts every object (the KMS v1 cold-start storm); the cache then feeds every watch. LISTs
// are still served from storage (the cache does not answer them).
void Apiserver::prime_watch_cache() {
  const auto counts = watch_cache_->start();
  for (const auto& kind : k8s::served_kinds()) {
    if (kind.read_only) continue;
    const auto it = counts.find(kind.resource);
    const auto filled = it == counts.end() ? k8s::WatchCache::Filled{} : it->second;
    if (filled.undecodable) {
      logger_->error("apiserver", "initial list: values that do not decode",
                     {{"resource", kind.resource}, {"undecodable", filled.undecodable}});
    }
    logger_->info("apiserver", "initial list",
                  {{"resource", kind.resource}, {"objects", filled.objects}});
  }
}

// /metrics, for the bearer token as kube-apiserver serves it to an authorised caller: the
// apiserver_storage_*, apiserver_envelope_encryption_* and HTTP series.
void Apiserver::register_metrics_route() {
  const auto group = router_.add_group("k8s-metrics", {"*"});
  router_.add_filter(group, [this](core::RequestContext& ctx) -> std::optional<core::ApiError> {
    const std::string_view auth = ctx.request[core::http::field::authorization];
    if (core::constant_time_equal(auth, "Bearer " + token_)) return std::nullopt;
    return core::ApiError{401, "Unauthorized", "Unauthorized", std::nullopt, {}};
  });
  router_.add(group, core::http::verb::get, "/metrics", "k8s.metrics",
              [this](core::RequestContext&) -> core::Result<core::Reply> {
                core::Reply r = core::Reply::text(metrics_.render());
                r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                return r;
              });
}

// apiserver_storage_objects: at start, then every poll period on the (virtual) clock.
void Apiserver::observe_object_counts() {
  std::vector<std::string> resources;
  for (const auto& kind : k8s::served_kinds())
    if (!kind.read_only) resources.push_back(kind.resource);
  storage_->observe_object_counts(resources);
  count_timer_ =
      clock_->schedule_at(clock_->now() + std::chrono::seconds(storage::kCountPollSeconds),
                          [this] { observe_object_counts(); });
}

Apiserver::~Apiserver() {
  if (count_timer_) clock_->cancel(count_timer_);
  if (poll_timer_) clock_->cancel(poll_timer_);
  stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

// The admin's bearer token survives restarts, so a kubeconfig written earlier keeps working.
std::string Apiserver::load_or_create_token() {
  const fs::path path = config_.data_dir / "token";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::string token = core::read_file(path);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (!token.empty()) return token;
  }
  std::string token = core::SystemRng().hex(32);
  core::write_file_atomic(path, token + "\n", 0600);
  return token;
}

void Apiserver::write_kubeconfig() const {
  // JSON is YAML: kubectl reads it as any kubeconfig.
  const json kubeconfig = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters",
       {{{"name", "kmslab"},
         {"cluster", {{"server", url_}, {"certificate-authority", ca_->cert_path().string()}}}}}},
      {"users", {{{"name", "kmslab-admin"}, {"user", {{"token", token_}}}}}},
      {"contexts",
       {{{"name", "kmslab"},
         {"context",
          {{"cluster", "kmslab"}, {"user", "kmslab-admin"}, {"namespace", "default"}}}}}},
      {"current-context", "kmslab"}};
  core::write_file_atomic(config_.kubeconfig_path(), kubeconfig.dump(2) + "\n", 0600);
}

void Apiserver::start() {
  core::ServerOptions options;
  options.body_limit = 3 * 1024 * 1024;  // kube-apiserver's --max-request-bytes default (3 MiB)
  server_ =
      std::make_unique<core::HttpServer>(ioc_, *timeout_sink_, &tls_->context(), options, metrics_);
  const uint16_t port =
      server_->listen(config_.bind_address, static_cast<uint16_t>(config_.secure_port),
                      core::HttpServer::Kind::kHttps);
  const std::string host =
      config_.bind_address.find(':') != std::string::npos
          ? "[" + config_.bind_address + "]"
          : (config_.bind_address == "0.0.0.0" ? "127.0.0.1" : config_.bind_address);
  url_ = "https://" + host + ":" + std::to_string(port);
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) stop();
  });
  for (unsigned i = 0; i < config_.threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  if (leader_) follow_leader();
  write_kubeconfig();
  logger_->info("apiserver", "ready",
                {{"url", url_},
                 {"kubeconfig", config_.kubeconfig_path().string()},
                 {"store", config_.store_spec()},
                 {"etcd_prefix", storage_->prefix()},
                 {"kubernetes_version", config_.kubernetes_version}});
}

void Apiserver::stop() {
  if (!server_) return;
  timeout_sink_->stop();
  boost::asio::post(ioc_, [this] {
    boost::system::error_code ec;
    signals_.cancel(ec);
    server_->shutdown();
    core::stop_when_idle(ioc_, {server_.get()},
                         std::chrono::steady_clock::now() + std::chrono::seconds(5));
  });
}

void Apiserver::wait() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  if (leader_) {
    try {
      leader_->unsubscribe(subscriber_name());
    } catch (const std::exception& e) {
      // It drops this apiserver at its next advance anyway (the step is refused).
      logger_->error("apiserver", "could not leave the virtual clock", {{"error", e.what()}});
    }
  }
  logger_->info("apiserver", "stopped");
}

}  // namespace kmslab::apiserver::app
