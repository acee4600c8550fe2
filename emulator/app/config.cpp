#include "emulator/app/config.hpp"

#include <boost/program_options.hpp>
#include <iostream>
#include <stdexcept>

#include "emulator/core/flags.hpp"
#include "emulator/keyvault/paging.hpp"

namespace kmslab::app {

namespace po = boost::program_options;

std::string Config::store_spec() const {
  return store.empty() ? "sqlite:" + (data_dir / "store.db").string() : store;
}

std::filesystem::path Config::endpoints_path() const {
  return endpoints_file.empty() ? data_dir / "endpoints.json" : endpoints_file;
}

namespace {

po::options_description describe() {
  po::options_description d(
      "kmslab-emulator: an offline Azure (Key Vault, Entra ID, ARM, AKS KMS) for tests.\n"
      "Serves HTTPS on --port and a CONNECT proxy on --proxy-port that makes real Azure host "
      "names\n"
      "(*.vault.azure.net, management.azure.com, login.microsoftonline.com) reach this process.\n"
      "Writes <data-dir>/endpoints.json once ready.\n\nOptions");
  // clang-format off
  d.add_options()
    ("help,h", "print this help and exit")
    ("data-dir", po::value<std::string>()->default_value("kmslab-data"),
     "directory for the CA, the store and endpoints.json (created if missing)")
    ("listen-address", po::value<std::string>()->default_value("127.0.0.1"),
     "address to bind; keep loopback unless you mean to expose the emulator")
    ("port", po::value<unsigned>()->default_value(8443), "HTTPS port (0 = pick a free port)")
    ("proxy-port", po::value<unsigned>()->default_value(8444),
     "CONNECT proxy port (0 = pick a free port; defaults to 0 when --port is 0)")
    ("plain-http", po::bool_switch(), "serve plain HTTP instead of HTTPS on --port")
    ("store", po::value<std::string>()->default_value(""),
     "memory | sqlite:PATH[?sync=normal|full] (default sqlite:<data-dir>/store.db)")
    ("host-name", po::value<std::vector<std::string>>()->composing(),
     "extra DNS name or IP for the server certificate and the proxy allow-list (repeatable)")
    ("clock", po::value<std::string>()->default_value("system"),
     "system: real time plus an offset the admin API moves; manual: time moves only when told")
    ("clock-start", po::value<std::string>()->default_value(""),
     "initial virtual time, RFC 3339 (default: now)")
    ("clock-step-timeout", po::value<std::string>()->default_value("30s"),
     "how long a clock subscriber (a kmslab-apiserver) may take to answer one step of an "
     "advance; one that does not is skipped for that advance, and dropped after 3 in a row")
    ("clock-max-steps", po::value<size_t>()->default_value(100000),
     "due instants one advance steps through one by one; past them the rest of the interval "
     "runs at once (the spin guard)")
    ("import-state", po::value<std::string>()->default_value(""),
     "load an incident bundle's state (a bundle directory or its state.json, from `tools/kmslab "
     "incident export`) into a NEW data directory at start; a bundle without key material loads "
     "everything but the keys' private material (operations needing it answer 403)")
    ("seed", po::value<uint64_t>()->default_value(0),
     "seed that reproduces ids, names, key versions, request ids and ordering (0 = "
     "cryptographic randomness). Never key material, secrets, ciphertexts or /rng bytes: those "
     "always come from OpenSSL's CSPRNG")
    ("log-level", po::value<std::string>()->default_value("info"), "debug | info | warn | error")
    ("log-file", po::value<std::string>()->default_value(""),
     "append JSON log lines to this file (default: stderr)")
    ("threads", po::value<unsigned>()->default_value(2), "I/O threads")
    ("cpu-workers", po::value<unsigned>()->default_value(1),
     "threads for CPU-heavy requests (key creation and import, rotation, backup, restore), so "
     "that they never hold an I/O thread; 0 = run them on the I/O threads")
    ("cpu-queue", po::value<size_t>()->default_value(64),
     "CPU-heavy requests that may wait for a worker; beyond it they get 429 Throttled at once")
    ("max-header-bytes", po::value<size_t>()->default_value(16 * 1024),
     "largest request header block accepted (431 beyond)")
    ("max-body-bytes", po::value<size_t>()->default_value(4 * 1024 * 1024),
     "largest request body accepted (413 beyond)")
    ("read-timeout", po::value<std::string>()->default_value("30s"),
     "time allowed to read one request, and idle keep-alive time")
    ("endpoints-file", po::value<std::string>()->default_value(""),
     "where to write endpoints.json (default <data-dir>/endpoints.json)")
    ("vault", po::value<std::vector<std::string>>()->composing(),
     "create vault(s) at start if missing: NAME[:standard|premium][,NAME...] (repeatable)")
    ("vault-dns-suffix", po::value<std::vector<std::string>>()->composing(),
     "DNS suffix vaults are reached under, {vault}.SUFFIX (repeatable; default vault.azure.net "
     "and vault.localhost)")
    ("managed-hsm", po::value<std::vector<std::string>>()->composing(),
     "create Managed HSM(s) at start if missing: NAME[,NAME...] (repeatable), served for keys at "
     "https://NAME.managedhsm.azure.net and https://NAME.managedhsm.localhost:PORT with the HSM's "
     "challenge (resource https://managedhsm.azure.net), headers and messages; open to every "
     "authenticated caller of the tenant (no local RBAC), soft delete 7 days; names are shared "
     "with vaults")
    ("managed-hsm-dns-suffix", po::value<std::vector<std::string>>()->composing(),
     "DNS suffix Managed HSMs are reached under, {hsm}.SUFFIX (repeatable; default "
     "managedhsm.azure.net and managedhsm.localhost)")
    ("list-page-sizes", po::value<std::string>()->default_value("uneven"),
     "items per page of /keys, /keys/NAME/versions, /deletedkeys: uneven (as Key Vault: 1..maxresults "
     "a page and up to 4 empty pages with a nextLink at the end, the same for the same --seed), "
     "full (maxresults a page), or sizes in turn such as 6,12,0,13 (0: an empty page that keeps "
     "a nextLink)")
    ("region", po::value<std::string>()->default_value("eastus"),
     "Azure region of vaults created with --vault (x-ms-keyvault-region)")
    ("tenant", po::value<std::string>()->default_value("6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8"),
     "the default Entra ID tenant id")
    ("admin-token", po::value<std::string>()->default_value(""),
     "require 'Authorization: Bearer TOKEN' on admin API changes (POST, DELETE /_kmslab/...)")
    ("auth", po::value<std::string>()->default_value("strict"),
     "strict: the data plane accepts only tokens this emulator issued, unexpired; lenient: any "
     "well-formed JWT bearer token")
    ("accept-any-api-version", po::bool_switch(),
     "accept any api-version on the Key Vault data plane (default: only 7.0-7.6, 2025-07-01)")
    ("token-lifetime", po::value<std::string>()->default_value("3599s"),
     "lifetime of the Entra ID tokens the token endpoint issues (expires_in, exp); it runs in REAL "
     "time, as every token's does here, so an advance of the virtual clock never expires one")
    ("managed-identity-token-lifetime", po::value<std::string>()->default_value("86399s"),
     "lifetime of the managed identity (IMDS) tokens, in REAL time; 300s or less makes a KMS "
     "plugin ask IMDS again on every call (adal refreshes 300 s before expiry)")
    ("deletion-window", po::value<std::string>()->default_value("1s"),
     "REAL time a deleted key stays 'being deleted' (GET /deletedkeys/NAME 404, create 409 "
     "ObjectIsBeingDeleted) before it is a deleted key, as on Key Vault; 0s: at once")
    ("disabled-key-public-ops", po::value<std::string>()->default_value("refuse"),
     "refuse: encrypt, wrapKey and verify on a disabled key answer 403 KeyDisabled, as the docs "
     "say; allow: they work, as one live report says (decrypt, sign, unwrapKey always refuse)")
    ("throttling", po::value<std::string>()->default_value("azure"),
     "azure: Key Vault's per-vault 10-second limits (429 Throttled); off: no limits")
    ("throttle-create", po::value<int>()->default_value(20),
     "key CREATE requests per vault per 10 s (HSM keys count double)")
    ("throttle-other", po::value<int>()->default_value(4000),
     "other key requests per vault per 10 s, weighted (RSA-3072 x4, RSA-4096 x8, HSM x2)")
    ("audit-retention", po::value<long long>()->default_value(10000),
     "AuditEvent records kept per vault (GET /_kmslab/vaults/NAME/audit-events), the oldest "
     "dropped first; 0: no audit log")
    ("subscription", po::value<std::string>()->default_value("3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"),
     "the ARM subscription id (GUID) the emulated account owns")
    ("resource-group", po::value<std::string>()->default_value("kmslab"),
     "resource group that vaults made with --vault belong to in ARM")
    ("directory", po::value<std::string>()->default_value("open"),
     "open: any client id with a non-empty secret signs in (registered apps must give their own "
     "secret); registered: only registered apps and managed identities sign in (AADSTS700016)")
    ("imds-port", po::value<unsigned>()->default_value(0),
     "plain-HTTP port of the managed identity endpoints (IMDS, MSI_ENDPOINT, IDENTITY_ENDPOINT); "
     "0 = pick a free port")
    ("no-imds", po::bool_switch(), "do not serve the managed identity endpoints")
    ("subnet", po::value<std::vector<std::string>>()->composing(),
     "CIDR=SUBNET_ID: callers from CIDR are in that virtual subnet (network rules and private "
     "endpoints), e.g. 127.0.1.0/24=/subscriptions/S/resourceGroups/G/providers/"
     "Microsoft.Network/virtualNetworks/V/subnets/X (repeatable)")
    ("aks-control-planes", po::value<std::string>()->default_value("processes"),
     "processes: each AKS cluster runs a kmslab-apiserver (and kmslab-kms-plugin with KMS); "
     "none: ARM-only clusters (resources only, operations succeed at once, no Kubernetes API)")
    ("lro-retry-after", po::value<int>()->default_value(1),
     "Retry-After seconds on ARM long-running operations (the real AKS RP sends none, so az "
     "would poll every 30 s)")
    ("aks-second-provider-name", po::value<std::string>()->default_value("azurekmsprovider-2"),
     "EncryptionConfiguration name of a cluster's second KMS key after a rotation (the first is "
     "azurekmsprovider; AKS's real name is unverified)")
    ("aks-kms-cachesize", po::value<int>()->default_value(1000),
     "cachesize of KMS v1 providers (AKS's real value is unverified)")

    ("apiserver-binary", po::value<std::string>()->default_value(""),
     "kmslab-apiserver for AKS clusters (default: beside this binary, then the build tree's "
     "emulator/apiserver/, then PATH)")
    ("kms-plugin-binary", po::value<std::string>()->default_value(""),
     "kmslab-kms-plugin for AKS clusters (default: beside this binary, then the build tree's "
     "plugin/, then PATH)")
    ("aks-cluster-store", po::value<std::string>()->default_value("embedded"),
     "where each AKS cluster's apiserver stores: embedded (its own SQLite store) or etcd (a real "
     "etcd member per cluster, from Debian's etcd-server, its endpoint in the cluster's "
     "etcd-endpoint file)")
    ("etcd-binary", po::value<std::string>()->default_value(""),
     "etcd for --aks-cluster-store=etcd (default: etcd on PATH)")
    ("aks-start-timeout", po::value<std::string>()->default_value("20s"),
     "how long a cluster's processes get to serve before the operation fails");
  // clang-format on
  return d;
}

/// The items of a repeatable "A,B" flag.
std::vector<std::string> split_names(const po::variable_value& value) {
  std::vector<std::string> out;
  for (const auto& item : value.as<std::vector<std::string>>()) {
    for (size_t start = 0; start <= item.size();) {
      const size_t comma = std::min(item.find(',', start), item.size());
      if (comma > start) out.push_back(item.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

uint16_t port_value(const po::variables_map& vm, const char* name) {
  const unsigned v = vm[name].as<unsigned>();
  if (v > 65535) throw std::invalid_argument(std::string("--") + name + " must be 0..65535");
  return static_cast<uint16_t>(v);
}

// A token lifetime: whole seconds, at least one (expires_in is an integer count of seconds).
std::chrono::seconds lifetime_flag(const po::variables_map& vm, const char* name) {
  const auto text = vm[name].as<std::string>();
  const auto d = core::parse_duration(text);
  if (!d || *d < std::chrono::seconds(1) || *d % std::chrono::seconds(1) != core::Duration::zero())
    throw std::invalid_argument(
        std::string("--") + name +
        ": expected whole seconds of at least 1s, such as 3599s or 1h, not '" + text + "'");
  return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

}  // namespace

std::optional<Config> parse_flags(int argc, char** argv) {
  const auto parsed = core::flags::parse(describe(), argc, argv);
  if (!parsed) return std::nullopt;
  const po::variables_map& vm = *parsed;
  Config c;
  c.data_dir = vm["data-dir"].as<std::string>();
  c.listen_address = vm["listen-address"].as<std::string>();
  c.port = port_value(vm, "port");
  c.proxy_port = (c.port == 0 && vm["proxy-port"].defaulted()) ? 0 : port_value(vm, "proxy-port");
  c.plain_http = vm["plain-http"].as<bool>();
  c.store = vm["store"].as<std::string>();
  c.import_state = vm["import-state"].as<std::string>();
  if (vm.count("host-name")) c.host_names = vm["host-name"].as<std::vector<std::string>>();
  c.clock_mode = core::flags::clock_mode(vm);
  if (const auto start = vm["clock-start"].as<std::string>(); !start.empty()) {
    c.clock_start = core::parse_rfc3339(start);
    if (!c.clock_start) {
      throw std::invalid_argument("--clock-start '" + start +
                                  "' is not an RFC 3339 time such as 2027-01-01T00:00:00Z");
    }
  }
  const auto step_timeout = core::parse_duration(vm["clock-step-timeout"].as<std::string>());
  if (!step_timeout || *step_timeout <= core::Duration::zero())
    throw std::invalid_argument("--clock-step-timeout must be a duration such as 30s or 500ms");
  c.clock_step_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*step_timeout);
  c.clock_max_steps = std::max<size_t>(1, vm["clock-max-steps"].as<size_t>());
  c.seed = vm["seed"].as<uint64_t>();
  c.log_level = core::flags::log_level(vm);
  c.log_file = vm["log-file"].as<std::string>();
  c.threads = std::max(1u, vm["threads"].as<unsigned>());
  c.cpu_workers = vm["cpu-workers"].as<unsigned>();
  c.cpu_queue = vm["cpu-queue"].as<size_t>();
  c.max_header_bytes = vm["max-header-bytes"].as<size_t>();
  c.max_body_bytes = vm["max-body-bytes"].as<size_t>();
  const auto timeout = core::parse_duration(vm["read-timeout"].as<std::string>());
  if (!timeout || *timeout <= core::Duration::zero()) {
    throw std::invalid_argument("--read-timeout must be a duration such as 30s or 500ms");
  }
  c.read_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
  c.endpoints_file = vm["endpoints-file"].as<std::string>();
  if (vm.count("vault")) c.vaults = split_names(vm["vault"]);
  if (vm.count("managed-hsm")) c.managed_hsms = split_names(vm["managed-hsm"]);
  if (vm.count("managed-hsm-dns-suffix")) {
    c.hsm_dns_suffixes = vm["managed-hsm-dns-suffix"].as<std::vector<std::string>>();
  }
  c.list_page_sizes = vm["list-page-sizes"].as<std::string>();
  try {
    (void)keyvault::PagePattern::parse(c.list_page_sizes, 0);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("--list-page-sizes: ") + e.what());
  }
  if (vm.count("vault-dns-suffix")) {
    c.vault_dns_suffixes = vm["vault-dns-suffix"].as<std::vector<std::string>>();
  }
  c.region = vm["region"].as<std::string>();
  c.tenant_id = vm["tenant"].as<std::string>();
  c.accept_any_api_version = vm["accept-any-api-version"].as<bool>();
  c.token_lifetime = lifetime_flag(vm, "token-lifetime");
  c.managed_identity_token_lifetime = lifetime_flag(vm, "managed-identity-token-lifetime");
  const auto window = core::parse_duration(vm["deletion-window"].as<std::string>());
  if (!window) throw std::invalid_argument("--deletion-window: not a duration (e.g. 1s, 500ms)");
  c.deletion_window = std::chrono::duration_cast<std::chrono::milliseconds>(*window);
  const auto public_ops = vm["disabled-key-public-ops"].as<std::string>();
  if (public_ops != "refuse" && public_ops != "allow") {
    throw std::invalid_argument("--disabled-key-public-ops must be refuse or allow");
  }
  c.disabled_key_allows_public_ops = public_ops == "allow";
  c.admin_token = vm["admin-token"].as<std::string>();
  c.auth = vm["auth"].as<std::string>();
  if (c.auth != "strict" && c.auth != "lenient") {
    throw std::invalid_argument("--auth must be strict or lenient, not '" + c.auth + "'");
  }
  const auto throttling = vm["throttling"].as<std::string>();
  if (throttling != "azure" && throttling != "off") {
    throw std::invalid_argument("--throttling must be azure or off, not '" + throttling + "'");
  }
  c.throttling = throttling == "azure";
  c.throttle_create = vm["throttle-create"].as<int>();
  c.throttle_other = vm["throttle-other"].as<int>();
  if (c.throttle_create < 1 || c.throttle_other < 1) {
    throw std::invalid_argument("--throttle-create and --throttle-other must be at least 1");
  }
  const long long audit_retention = vm["audit-retention"].as<long long>();
  if (audit_retention < 0) throw std::invalid_argument("--audit-retention must be 0 or more");
  c.audit_retention = static_cast<size_t>(audit_retention);
  c.subscription_id = vm["subscription"].as<std::string>();
  c.resource_group = vm["resource-group"].as<std::string>();
  c.directory = vm["directory"].as<std::string>();
  if (c.directory != "open" && c.directory != "registered") {
    throw std::invalid_argument("--directory must be open or registered, not '" + c.directory +
                                "'");
  }
  c.imds_port = port_value(vm, "imds-port");
  c.imds = !vm["no-imds"].as<bool>();
  if (vm.count("subnet")) c.subnets = vm["subnet"].as<std::vector<std::string>>();
  c.aks_control_planes = vm["aks-control-planes"].as<std::string>();
  c.lro_retry_after = vm["lro-retry-after"].as<int>();
  c.aks_second_provider = vm["aks-second-provider-name"].as<std::string>();
  c.aks_kms_cachesize = vm["aks-kms-cachesize"].as<int>();
  if (c.lro_retry_after < 0 || c.lro_retry_after > 3600) {
    throw std::invalid_argument("--lro-retry-after must be 0..3600 seconds");
  }
  if (c.aks_second_provider.empty() || c.aks_second_provider == "azurekmsprovider") {
    throw std::invalid_argument("--aks-second-provider-name must differ from azurekmsprovider");
  }
  if (c.aks_kms_cachesize < 0) throw std::invalid_argument("--aks-kms-cachesize must be >= 0");
  if (c.aks_control_planes != "processes" && c.aks_control_planes != "none") {
    throw std::invalid_argument("--aks-control-planes must be processes or none, not '" +
                                c.aks_control_planes + "'");
  }
  c.aks_cluster_store = vm["aks-cluster-store"].as<std::string>();
  if (c.aks_cluster_store != "embedded" && c.aks_cluster_store != "etcd") {
    throw std::invalid_argument("--aks-cluster-store must be embedded or etcd, not '" +
                                c.aks_cluster_store + "'");
  }
  c.etcd_binary = vm["etcd-binary"].as<std::string>();
  c.apiserver_binary = vm["apiserver-binary"].as<std::string>();
  c.kms_plugin_binary = vm["kms-plugin-binary"].as<std::string>();
  const auto aks_timeout = core::parse_duration(vm["aks-start-timeout"].as<std::string>());
  if (!aks_timeout || *aks_timeout <= core::Duration::zero())
    throw std::invalid_argument("--aks-start-timeout must be a duration such as 20s");
  c.aks_start_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*aks_timeout);
  return c;
}

}  // namespace kmslab::app
