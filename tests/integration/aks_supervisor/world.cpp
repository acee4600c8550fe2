#include "tests/integration/aks_supervisor/world.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include "emulator/core/base64url.hpp"
#include "emulator/core/files.hpp"
#include "emulator/core/process.hpp"

namespace kmslab::test {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string oid_of(const std::string& jwt) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  const auto payload = core::base64url_decode(jwt.substr(first + 1, second - first - 1));
  if (!payload) throw std::runtime_error("token is not a JWT");
  return json::parse(*payload).at("oid").get<std::string>();
}

json checked(const core::client::Response& r, const std::string& what) {
  if (r.status >= 300)
    throw std::runtime_error(what + ": " + std::to_string(r.status) + " " + r.body);
  return r.body.empty() ? json::object() : json::parse(r.body);
}

}  // namespace

World::World(const fs::path& dir, std::chrono::milliseconds start_timeout,
             const std::string& cluster_store) {
  app::Config config;
  config.data_dir = dir;
  config.port = 0;
  config.proxy_port = 0;
  config.imds_port = 0;
  config.log_file = (dir.parent_path() / (dir.filename().string() + "-emulator.log")).string();
  config.apiserver_binary = KMSLAB_APISERVER_BINARY;
  config.kms_plugin_binary = KMSLAB_KMS_PLUGIN_BINARY;
  config.aks_start_timeout = start_timeout;
  config.aks_cluster_store = cluster_store;
  emulator_ = std::make_unique<app::Emulator>(config);
  emulator_->start();
  clock_ = std::make_unique<core::VirtualClock>(core::VirtualClock::Mode::kSystem);
  rng_ = core::make_rng(0);
  core::client::ClientOptions o;
  o.ca_bundle_file = emulator_->endpoints().ca_path;
  o.proxy = emulator_->endpoints().proxy_url;
  o.retry.max_attempts = 1;
  http_ = std::make_unique<core::client::HttpClient>(o, *clock_, *rng_);

  const std::string arm = token("https://management.azure.com/.default");
  vault_token_ = token("https://vault.azure.net/.default");
  const std::string rg = std::string("/subscriptions/") + kSubscription + "/resourcegroups/aks";
  checked(call("PUT", "https://management.azure.com" + rg + "?api-version=2021-04-01", arm,
               R"({"location":"eastus"})"),
          "resource group");
  const json mi =
      checked(call("POST", emulator_->endpoints().main_url + "/_kmslab/identity/managed-identities",
                   "", R"({"name":"aks-kms","resourceGroup":"aks"})"),
              "managed identity");
  identity_client_id = mi.at("properties").at("clientId");
  identity_principal_id = mi.at("properties").at("principalId");
  identity_resource_id = mi.at("id");
  const json policies = json::array({{{"tenantId", kTenant},
                                      {"objectId", oid_of(vault_token_)},
                                      {"permissions", {{"keys", {"get", "create", "list"}}}}},
                                     {{"tenantId", kTenant},
                                      {"objectId", identity_principal_id},
                                      {"permissions", {{"keys", {"get", "encrypt", "decrypt"}}}}}});
  const std::string vault_path = rg + "/providers/Microsoft.KeyVault/vaults/" + vault;
  const json body = {{"location", "eastus"},
                     {"properties",
                      {{"tenantId", kTenant},
                       {"sku", {{"family", "A"}, {"name", "standard"}}},
                       {"accessPolicies", policies}}}};
  const std::string url = "https://management.azure.com" + vault_path + "?api-version=2023-07-01";
  checked(call("PUT", url, arm, body.dump()), "vault");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (checked(call("GET", url, arm), "vault").at("properties").value("provisioningState", "") !=
         "Succeeded") {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("vault not provisioned");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

World::~World() = default;

std::string World::token(const std::string& scope) {
  const auto r = call(
      "POST", std::string("https://login.microsoftonline.com/") + kTenant + "/oauth2/v2.0/token",
      "", "grant_type=client_credentials&client_id=aks-test-admin&client_secret=s&scope=" + scope,
      "application/x-www-form-urlencoded");
  return checked(r, "token").at("access_token").get<std::string>();
}

aks::KmsKey World::key(const std::string& version, const std::string& provider) const {
  aks::KmsKey k;
  k.provider_name = provider;
  k.vault_name = vault;
  k.key_name = "kek";
  k.key_version = version;
  k.key_id = "https://" + vault + ".vault.azure.net/keys/kek/" + version;
  return k;
}

aks::ControlPlaneSpec World::spec(const std::string& name, std::vector<aks::KmsKey> keys) const {
  aks::ControlPlaneSpec s;
  s.cluster_id = std::string("/subscriptions/") + kSubscription +
                 "/resourcegroups/aks/providers/microsoft.containerservice/managedclusters/" + name;
  s.kubernetes_version = "1.29.4";
  s.fqdn = name + "-5c2b7a9e.hcp.eastus.azmk8s.io";
  s.tenant_id = kTenant;
  s.identity_client_id = identity_client_id;
  s.identity_resource_id = identity_resource_id;
  s.kms = std::move(keys);
  return s;
}

aks::ControlPlaneState World::apply(const aks::ControlPlaneSpec& spec) {
  auto promise = std::make_shared<std::promise<aks::ControlPlaneState>>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto future = promise->get_future();
  supervisor().apply(spec, [promise, calls](const aks::ControlPlaneState& st) {
    if (calls->fetch_add(1) == 0) promise->set_value(st);
  });
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready)
    throw std::runtime_error("no done for " + spec.cluster_id);
  auto state = future.get();
  if (calls->load() != 1) throw std::runtime_error("done called more than once");
  return state;
}

std::string World::create_key(const std::string& name) {
  const auto r =
      call("POST", "https://" + vault + ".vault.azure.net/keys/" + name + "/create?api-version=7.4",
           vault_token_, R"({"kty":"RSA","key_size":2048})");
  const std::string kid = checked(r, "key").at("key").at("kid");
  return kid.substr(kid.rfind('/') + 1);
}

core::client::Response World::call(const std::string& method, const std::string& url,
                                   const std::string& token, const std::string& body,
                                   const std::string& content_type) {
  core::client::Request r;
  r.method = method;
  r.url = url;
  r.body = body;
  if (!body.empty()) r.headers.emplace_back("Content-Type", content_type);
  if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
  return http_->send(r);
}

fs::path temp_dir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("kmslab-akssup-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool alive(pid_t pid) {
  return fs::exists("/proc/" + std::to_string(pid));
}

std::string cmdline(pid_t pid) {
  try {
    return core::read_file("/proc/" + std::to_string(pid) + "/cmdline");
  } catch (const std::exception&) {
    return "";
  }
}

int run(const std::string& program, const std::vector<std::string>& args,
        const std::vector<std::string>& env, const fs::path& output,
        std::chrono::milliseconds timeout) {
  std::error_code ec;
  fs::remove(output, ec);
  auto child = core::ChildProcess::spawn({program, args, env, output});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (child.running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      child.terminate(std::chrono::seconds(1));
      throw std::runtime_error(program + " did not finish");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *child.wait_status();
}

}  // namespace kmslab::test
