#pragma once
// kmslab-apiserver's flags: kube-apiserver's names where kube-apiserver has the flag.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/log.hpp"

namespace kmslab::apiserver::app {

struct Config {
  std::filesystem::path data_dir = "kmslab-apiserver-data";
  std::string bind_address = "127.0.0.1";
  std::string external_hostname;  // also in the serving certificate (an AKS cluster's FQDN)
  unsigned secure_port = 6443;
  std::string etcd_prefix = "/registry";
  std::vector<std::string> etcd_servers;
  std::string store;  // "" = sqlite:<data-dir>/apiserver.db
  std::string encryption_provider_config;
  bool encryption_provider_config_automatic_reload = false;
  std::string kubernetes_version = "1.32.0";
  std::filesystem::path kubeconfig;  // "" = <data-dir>/kubeconfig
  std::vector<std::string> pods;     // NAMESPACE/NAME
  core::LogLevel log_level = core::LogLevel::kInfo;
  std::string log_file;
  unsigned threads = 2;

  std::string store_spec() const;
  std::filesystem::path kubeconfig_path() const;
};

/// nullopt after --help (printed to stdout); throws std::invalid_argument for bad flags, with
/// the message to print.
std::optional<Config> parse_flags(int argc, char** argv);

}  // namespace kmslab::apiserver::app
