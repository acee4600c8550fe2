#pragma once
// kmslab-emulator's configuration: every setting is a flag with a default, printed by --help.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/clock.hpp"
#include "emulator/core/log.hpp"

namespace kmslab::app {

struct Config {
  std::filesystem::path data_dir = "kmslab-data";
  std::string listen_address = "127.0.0.1";
  uint16_t port = 8443;
  uint16_t proxy_port = 8444;
  bool plain_http = false;
  std::string store;         // empty: sqlite:<data_dir>/store.db
  std::string import_state;  // an incident bundle loaded into the new store at start
  std::vector<std::string> host_names;
  core::VirtualClock::Mode clock_mode = core::VirtualClock::Mode::kSystem;
  std::optional<core::TimePoint> clock_start;
  std::chrono::milliseconds clock_step_timeout{30'000};  // one subscriber step (clock_hub.hpp)
  size_t clock_max_steps = 100'000;
  uint64_t seed = 0;
  core::LogLevel log_level = core::LogLevel::kInfo;
  std::string log_file;  // empty: stderr
  unsigned threads = 2;
  unsigned cpu_workers = 1;  // 0: CPU-heavy requests run on the I/O threads
  size_t cpu_queue = 64;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds read_timeout{30'000};
  std::filesystem::path endpoints_file;  // empty: <data_dir>/endpoints.json
  // Key Vault
  std::vector<std::string> vaults;  // NAME or NAME:standard|premium, created at start if missing
  std::vector<std::string> vault_dns_suffixes = {"vault.azure.net", "vault.localhost"};
  std::vector<std::string> managed_hsms;  // Managed HSM names, created at start if missing
  std::vector<std::string> hsm_dns_suffixes = {"managedhsm.azure.net", "managedhsm.localhost"};
  std::string list_page_sizes = "uneven";  // keyvault::PagePattern::parse
  std::string region = "eastus";
  std::string tenant_id = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8";
  bool accept_any_api_version = false;
  std::chrono::milliseconds deletion_window{1000};
  std::chrono::seconds token_lifetime{3599};                    // Entra ID (identity::kDefault...)
  std::chrono::seconds managed_identity_token_lifetime{86399};  // IMDS (identity::kManaged...)
  bool disabled_key_allows_public_ops = false;
  std::string auth = "strict";  // strict | lenient
  std::string admin_token;      // empty: the admin API needs no token
  bool throttling = true;
  int throttle_create = 20;        // per vault per 10 s window
  int throttle_other = 4000;       // per vault per 10 s window (RSA-2048 / EC weight 1)
  size_t audit_retention = 10000;  // AuditEvent records per vault; 0 = none
  // Identity, ARM, network
  std::string subscription_id = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
  std::string resource_group = "kmslab";  // where --vault vaults live in ARM
  std::string directory = "open";         // open | registered (see --help)
  uint16_t imds_port = 0;                 // plain-HTTP IMDS listener; 0 = pick a free port
  bool imds = true;                       // serve IMDS at all
  std::vector<std::string> subnets;       // CIDR=SUBNET_RESOURCE_ID
  // AKS: processes (the supervisor) | none (ARM-only clusters).
  std::string aks_control_planes = "processes";
  int lro_retry_after = 1;  // Retry-After on ARM long-running operations (AKS sends none)
  std::string aks_second_provider = "azurekmsprovider-2";  // [U] AKS's name is not public
  int aks_kms_cachesize = 1000;                            // KMS v1 cachesize [U]
  std::string apiserver_binary;                            // empty: found (aks::locate_binary)
  std::string kms_plugin_binary;                           // empty: found
  std::string aks_cluster_store = "embedded";              // embedded | etcd (a member each)
  std::string etcd_binary;                                 // empty: etcd on PATH
  std::chrono::milliseconds aks_start_timeout{20'000};

  std::string store_spec() const;
  std::filesystem::path endpoints_path() const;
};

/// Parses argv. Returns nullopt after printing --help (exit 0); throws std::invalid_argument
/// with a message for the user on a bad flag or value.
std::optional<Config> parse_flags(int argc, char** argv);

}  // namespace kmslab::app
