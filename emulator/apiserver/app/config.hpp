#pragma once
// kmslab-apiserver's flags: kube-apiserver's names where kube-apiserver has the flag.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/clock.hpp"
#include "emulator/core/log.hpp"
#include "emulator/store/etcd_options.hpp"

namespace kmslab::apiserver::app {

/// --feature-gates, as far as they change what this server does (kms.md §1.3).
struct FeatureGates {
  bool kms_v1 = true;  // KMSv1: on until 1.28, off from 1.29
};

/// Parses "KMSv1=true,KMSv2=true" as kube-apiserver's featuregate.Set does for `minor`:
/// unknown gates, bad booleans and locked gates are refused with its messages; gates whose
/// effect kmslab does not model are refused with a message that says so.
FeatureGates parse_feature_gates(const std::string& text, int minor);

struct Config {
  std::filesystem::path data_dir = "kmslab-apiserver-data";
  std::string bind_address = "127.0.0.1";
  std::string external_hostname;  // also in the serving certificate (an AKS cluster's FQDN)
  unsigned secure_port = 6443;
  std::string etcd_prefix = "/registry";
  std::vector<std::string> etcd_servers;
  store::EtcdTls etcd_tls;  // --etcd-cafile, --etcd-certfile, --etcd-keyfile
  std::string store;        // "" = sqlite:<data-dir>/apiserver.db
  std::string encryption_provider_config;
  bool encryption_provider_config_automatic_reload = false;
  std::string kubernetes_version = "1.32.0";
  FeatureGates feature_gates{false};
  size_t default_watch_cache_size = 100;            // kube-apiserver's --default-watch-cache-size
  std::map<std::string, size_t> watch_cache_sizes;  // --watch-cache-sizes: group resource -> size
  std::filesystem::path kubeconfig;                 // "" = <data-dir>/kubeconfig
  std::vector<std::string> pods;                    // NAMESPACE/NAME
  core::LogLevel log_level = core::LogLevel::kInfo;
  std::string log_file;
  unsigned threads = 2;
  // --request-timeout (real time): kube-apiserver's default, RequestTimeout 60 s in
  // k8s.io/apiserver pkg/server/config.go.
  core::Duration request_timeout = std::chrono::seconds(60);
  // Time: its own clock (--clock), or the emulator's, followed (clock_protocol.md).
  core::VirtualClock::Mode clock_mode = core::VirtualClock::Mode::kSystem;
  std::string virtual_clock_url;  // "" = its own clock
  std::string virtual_clock_ca_file;
  std::string virtual_clock_token_file;

  /// The store opened: --etcd-servers' etcd spec, else --store, else the SQLite file in the data
  /// dir. Throws store::StoreError for a malformed --etcd-servers URL.
  std::string store_spec() const;
  std::filesystem::path kubeconfig_path() const;
};

/// kube-apiserver's --watch-cache-sizes entries, "resource[.group]#size", with the messages of
/// its ParseWatchCacheSizes (k8s.io/apiserver/pkg/server/options/etcd.go); keys as
/// schema.ParseGroupResource writes them back ("secrets", "deployments.apps").
std::map<std::string, size_t> parse_watch_cache_sizes(const std::vector<std::string>& entries);

/// nullopt after --help (printed to stdout); throws std::invalid_argument for bad flags, with
/// the message to print.
std::optional<Config> parse_flags(int argc, char** argv);

}  // namespace kmslab::apiserver::app
