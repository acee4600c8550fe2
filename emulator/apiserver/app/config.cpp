#include "emulator/apiserver/app/config.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <regex>
#include <stdexcept>

namespace kmslab::apiserver::app {

namespace po = boost::program_options;

std::string Config::store_spec() const {
  return store.empty() ? "sqlite:" + (data_dir / "apiserver.db").string() : store;
}

std::filesystem::path Config::kubeconfig_path() const {
  return kubeconfig.empty() ? data_dir / "kubeconfig" : kubeconfig;
}

namespace {

po::options_description describe() {
  po::options_description d(
      "kmslab-apiserver: a simulated kube-apiserver (Kubernetes API subset for kubectl, "
      "EncryptionConfiguration, KMS v1/v2) on loopback.\n"
      "Writes <data-dir>/kubeconfig (bearer token + CA) once ready.\n\nOptions");
  // clang-format off
  d.add_options()
    ("help,h", "print this help and exit")
    ("data-dir", po::value<std::string>()->default_value("kmslab-apiserver-data"),
     "directory for the CA, the token, the embedded store and the kubeconfig")
    ("bind-address", po::value<std::string>()->default_value("127.0.0.1"), "address to serve on")
    ("external-hostname", po::value<std::string>()->default_value(""),
     "the hostname clients use to reach this server (kube-apiserver's flag); the serving "
     "certificate covers it too")
    ("secure-port", po::value<unsigned>()->default_value(6443), "HTTPS port (0 = pick a free port)")
    ("etcd-prefix", po::value<std::string>()->default_value("/registry"),
     "the prefix of every storage key")
    ("etcd-servers", po::value<std::vector<std::string>>()->composing()->multitoken(),
     "etcd v3 members, http://HOST:PORT[,...] (kube-apiserver's syntax; no TLS): store in real "
     "etcd, failing over between members (default: the embedded store)")
    ("store", po::value<std::string>()->default_value(""),
     "embedded store: memory | sqlite:PATH (default sqlite:<data-dir>/apiserver.db), or "
     "etcd://HOST:PORT[,...][?timeout=SECONDS]")
    ("encryption-provider-config", po::value<std::string>()->default_value(""),
     "EncryptionConfiguration file (YAML or JSON)")
    ("encryption-provider-config-automatic-reload", po::bool_switch(),
     "reload the EncryptionConfiguration when the file changes")
    ("kubernetes-version", po::value<std::string>()->default_value("1.32.0"),
     "the release to behave as, MAJOR.MINOR[.PATCH]; /version reports it")
    ("kubeconfig-out", po::value<std::string>()->default_value(""),
     "where to write the kubeconfig (default <data-dir>/kubeconfig)")
    ("pod", po::value<std::vector<std::string>>()->composing(),
     "a read-only Running pod NAMESPACE/NAME to serve, e.g. kube-system/konnectivity-agent-5d8f9 "
     "(repeatable)")
    ("log-level", po::value<std::string>()->default_value("info"), "debug | info | warn | error")
    ("log-file", po::value<std::string>()->default_value(""),
     "append JSON log lines to this file (default: stderr)")
    ("threads", po::value<unsigned>()->default_value(2), "I/O threads");
  // clang-format on
  return d;
}

std::vector<std::string> split_commas(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      const size_t comma = item.find(',', start);
      std::string part =
          item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

}  // namespace

std::optional<Config> parse_flags(int argc, char** argv) {
  const auto desc = describe();
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw std::invalid_argument(std::string(e.what()) + " (see --help)");
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }
  Config c;
  c.data_dir = vm["data-dir"].as<std::string>();
  c.bind_address = vm["bind-address"].as<std::string>();
  c.external_hostname = vm["external-hostname"].as<std::string>();
  c.secure_port = vm["secure-port"].as<unsigned>();
  if (c.secure_port > 65535) throw std::invalid_argument("--secure-port must be 0-65535");
  c.etcd_prefix = vm["etcd-prefix"].as<std::string>();
  if (vm.count("etcd-servers"))
    c.etcd_servers = split_commas(vm["etcd-servers"].as<std::vector<std::string>>());
  c.store = vm["store"].as<std::string>();
  c.encryption_provider_config = vm["encryption-provider-config"].as<std::string>();
  c.encryption_provider_config_automatic_reload =
      vm["encryption-provider-config-automatic-reload"].as<bool>();
  if (c.encryption_provider_config_automatic_reload && c.encryption_provider_config.empty()) {
    // kube-apiserver's own check (pkg/server/options/etcd.go).
    throw std::invalid_argument(
        "--encryption-provider-config-automatic-reload must be set with "
        "--encryption-provider-config");
  }
  c.kubernetes_version = vm["kubernetes-version"].as<std::string>();
  if (!std::regex_match(c.kubernetes_version, std::regex(R"(v?1\.\d{1,2}(\.\d{1,3})?)"))) {
    throw std::invalid_argument(
        "--kubernetes-version: expected MAJOR.MINOR[.PATCH] like 1.29 or 1.29.4, got '" +
        c.kubernetes_version + "'");
  }
  if (c.kubernetes_version.front() == 'v') c.kubernetes_version.erase(0, 1);
  c.kubeconfig = vm["kubeconfig-out"].as<std::string>();
  if (vm.count("pod")) c.pods = vm["pod"].as<std::vector<std::string>>();
  for (const auto& p : c.pods) {
    if (std::count(p.begin(), p.end(), '/') != 1 || p.front() == '/' || p.back() == '/')
      throw std::invalid_argument("--pod: expected NAMESPACE/NAME, got '" + p + "'");
  }
  auto level = core::parse_log_level(vm["log-level"].as<std::string>());
  if (!level) throw std::invalid_argument("--log-level: expected debug, info, warn or error");
  c.log_level = *level;
  c.log_file = vm["log-file"].as<std::string>();
  c.threads = std::max(1u, vm["threads"].as<unsigned>());
  return c;
}

}  // namespace kmslab::apiserver::app
