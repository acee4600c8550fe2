#include "emulator/apiserver/app/apiserver.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <stdexcept>

#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/status.hpp"
#include "emulator/core/constant_time.hpp"
#include "emulator/core/files.hpp"
#include "emulator/store/etcd_options.hpp"

namespace kmslab::apiserver::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

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
  clock_ = std::make_unique<core::VirtualClock>(core::VirtualClock::Mode::kSystem);
  rng_ = core::make_rng(0);
  try {
    // --etcd-servers: real etcd v3 (emulator/store/etcd_store.hpp), as kube-apiserver.
    if (!config_.etcd_servers.empty() && !config_.store.empty())
      throw store::StoreError("--etcd-servers and --store name two stores; give one");
    store_ = store::open_store(config_.etcd_servers.empty()
                                   ? config_.store_spec()
                                   : store::etcd_spec_from_urls(config_.etcd_servers));
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
  api_ = std::make_unique<k8s::KubeApi>(*storage_, *clock_, *rng_, std::move(options));
  api_->ensure_default_namespaces();
  prime_watch_cache();
  observe_object_counts();
  api_->register_routes(router_);
  register_metrics_route();
  dispatcher_ = std::make_unique<core::Dispatcher>(router_, *clock_, *rng_, *logger_, metrics_,
                                                   k8s::status_from_api_error);
}

// --encryption-provider-config[-automatic-reload]: the encryption layer's providers, or
// identity for everything. A file kube-apiserver would refuse stops the start here.
std::shared_ptr<const encryption::TransformerRegistry> Apiserver::load_encryption() {
  const std::string& path = config_.encryption_provider_config;
  if (path.empty()) return encryption::identity_provider_set().registry;
  encryption::ProviderDeps deps{*clock_, metrics_, config_.kubernetes_version, false,
                                config_.encryption_provider_config_automatic_reload};
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
// decrypts every object (the KMS v1 cold-start storm). This pass does the same reads, a page at a
// time so that memory does not grow with the number of objects; LISTs are still served from
// storage afterwards (there is no cache to serve them from).
void Apiserver::prime_watch_cache() {
  constexpr size_t kPage = 500;
  for (const auto& kind : k8s::served_kinds()) {
    if (kind.read_only) continue;
    size_t objects = 0;
    std::string after;
    // Bounded: every page moves `after` forward, and an empty continuation ends the pass.
    while (true) {
      auto page = storage_->list(kind.resource, "", {kPage, after, {}});
      if (auto* e = std::get_if<storage::StorageError>(&page)) {
        logger_->error("apiserver", "initial list failed",
                       {{"resource", kind.resource}, {"error", e->message}});
        break;
      }
      auto& listed = std::get<storage::ListPage>(page);
      objects += listed.items.size();
      if (listed.continue_after.empty()) {
        logger_->info("apiserver", "initial list",
                      {{"resource", kind.resource}, {"objects", objects}});
        break;
      }
      after = std::move(listed.continue_after);
    }
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
      std::make_unique<core::HttpServer>(ioc_, *dispatcher_, &tls_->context(), options, metrics_);
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
  logger_->info("apiserver", "stopped");
}

}  // namespace kmslab::apiserver::app
