#include "emulator/apiserver/app/config.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <regex>
#include <stdexcept>

#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/core/flags.hpp"
#include "emulator/core/go_duration.hpp"
#include "emulator/store/etcd_options.hpp"

namespace kmslab::apiserver::app {

namespace po = boost::program_options;

std::string Config::store_spec() const {
  if (!etcd_servers.empty()) return store::etcd_spec_from_urls(etcd_servers, etcd_tls);
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
     "etcd v3 members, http://HOST:PORT[,...] or https://HOST:PORT[,...] (kube-apiserver's "
     "syntax): store in real etcd, failing over between members (default: the embedded store)")
    ("etcd-cafile", po::value<std::string>()->default_value(""),
     "SSL Certificate Authority file used to secure etcd communication (https:// members; "
     "default: the system's roots)")
    ("etcd-certfile", po::value<std::string>()->default_value(""),
     "SSL certification file used to secure etcd communication (the client certificate)")
    ("etcd-keyfile", po::value<std::string>()->default_value(""),
     "SSL key file used to secure etcd communication")
    ("store", po::value<std::string>()->default_value(""),
     "embedded store: memory | sqlite:PATH (default sqlite:<data-dir>/apiserver.db), or "
     "etcd://HOST:PORT[,...][?timeout=SECONDS], or etcd+tls://HOST:PORT[,...]"
     "[?timeout=SECONDS][&ca=PATH][&cert=PATH][&key=PATH]")
    ("encryption-provider-config", po::value<std::string>()->default_value(""),
     "EncryptionConfiguration file (YAML or JSON)")
    ("encryption-provider-config-automatic-reload", po::bool_switch(),
     "reload the EncryptionConfiguration when the file changes")
    ("kubernetes-version", po::value<std::string>()->default_value("1.32.0"),
     "the release to behave as, MAJOR.MINOR[.PATCH]; /version reports it")
    ("feature-gates", po::value<std::string>()->default_value(""),
     "KEY=true|false,... as kube-apiserver: KMSv1 (1.28+), KMSv2 (1.25-1.31), KMSv2KDF (1.28-1.31)")
    ("watch-cache", po::value<std::string>()->default_value("true")->implicit_value("true"),
     "Enable watch caching in the apiserver (only true is modelled)")
    ("default-watch-cache-size", po::value<std::string>()->default_value("100"),
     "events kept per resource for watches resuming from a resourceVersion (kube-apiserver sizes "
     "its caches dynamically since 1.19; kmslab keeps this many, fixed; 0 is not modelled)")
    ("watch-cache-sizes", po::value<std::vector<std::string>>()->composing()->multitoken(),
     "resource[.group]#size,... : the events kept for these resources instead (e.g. secrets#500; "
     "0, no watch cache, is not modelled)")
    ("kubeconfig-out", po::value<std::string>()->default_value(""),
     "where to write the kubeconfig (default <data-dir>/kubeconfig)")
    ("pod", po::value<std::vector<std::string>>()->composing(),
     "a read-only Running pod NAMESPACE/NAME to serve, e.g. kube-system/konnectivity-agent-5d8f9 "
     "(repeatable)")
    ("log-level", po::value<std::string>()->default_value("info"), "debug | info | warn | error")
    ("log-file", po::value<std::string>()->default_value(""),
     "append JSON log lines to this file (default: stderr)")
    ("threads", po::value<unsigned>()->default_value(2), "I/O threads")
    ("request-timeout", po::value<std::string>()->default_value("1m0s"),
     "An optional field indicating the duration a handler must keep a request open before timing "
     "it out. This is the default request timeout for requests but may be overridden by flags such "
     "as --min-request-timeout for specific types of requests. (kube-apiserver's text; a Go "
     "duration, real time. Watches are exempt; a request's ?timeout= may shorten it; 0 times out "
     "every other request at once, as kube-apiserver's deadline is the arrival plus this)")
    ("clock", po::value<std::string>()->default_value("system"),
     "its own clock: system (real time plus the offset POST /_kmslab/clock sets) or manual "
     "(time moves only when POST /_kmslab/clock says); not with --virtual-clock-url")
    ("virtual-clock-url", po::value<std::string>()->default_value(""),
     "follow the virtual clock of the kmslab-emulator at this URL (https://127.0.0.1:PORT): "
     "its advances step this apiserver's timers, in time order")
    ("virtual-clock-ca-file", po::value<std::string>()->default_value(""),
     "the CA that emulator's certificate chains to (its ca.pem)")
    ("virtual-clock-token-file", po::value<std::string>()->default_value(""),
     "a file holding that emulator's --admin-token (when it has one)");
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

// strconv.ParseBool
std::optional<bool> parse_go_bool(const std::string& v) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
    if (v == t) return true;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"})
    if (v == f) return false;
  return std::nullopt;
}

struct GateSpec {
  const char* name;
  int first_minor, last_minor;  // releases that know the gate
  int locked_from;              // GA and locked to true from this minor (0: never)
};

// kube_features.go across releases (kms.md §1.3). KMSv2KDF's removal with KMSv2 in 1.32 is
// unverified.
constexpr GateSpec kGates[] = {
    {"KMSv1", 28, 99, 0},
    {"KMSv2", 25, 31, 29},
    {"KMSv2KDF", 28, 31, 29},
};

void parse_clock_flags(const po::variables_map& vm, Config& c) {
  c.clock_mode = core::flags::clock_mode(vm);
  c.virtual_clock_url = vm["virtual-clock-url"].as<std::string>();
  c.virtual_clock_ca_file = vm["virtual-clock-ca-file"].as<std::string>();
  c.virtual_clock_token_file = vm["virtual-clock-token-file"].as<std::string>();
  if (c.virtual_clock_url.empty()) {
    if (!c.virtual_clock_ca_file.empty() || !c.virtual_clock_token_file.empty())
      throw std::invalid_argument(
          "--virtual-clock-ca-file and --virtual-clock-token-file need --virtual-clock-url");
    return;
  }
  if (!vm["clock"].defaulted())
    throw std::invalid_argument(
        "--clock and --virtual-clock-url exclude each other: a followed clock has the mode of "
        "the clock it follows");
  if (!c.virtual_clock_url.starts_with("https://") && !c.virtual_clock_url.starts_with("http://"))
    throw std::invalid_argument("--virtual-clock-url: expected https://HOST:PORT, got '" +
                                c.virtual_clock_url + "'");
}

// strconv.Atoi: an optional sign and decimal digits, within int64.
std::optional<long long> parse_go_int(const std::string& text) {
  if (!std::regex_match(text, std::regex(R"([+-]?[0-9]+)"))) return std::nullopt;
  try {
    return std::stoll(text);
  } catch (const std::out_of_range&) {
    return std::nullopt;
  }
}

// kmslab keeps every resource's events in its watch cache; kube-apiserver's uncached path (a
// size of 0, --watch-cache=false) serves watches from etcd directly, which is not built.
std::invalid_argument no_uncached_watch(const std::string& what) {
  return std::invalid_argument(what +
                               ": serving watches without the watch cache is not modelled by "
                               "kmslab-apiserver; give a size of 1 or more");
}

void parse_watch_cache_flags(const po::variables_map& vm, Config& c) {
  const std::string enabled = vm["watch-cache"].as<std::string>();
  const auto on = parse_go_bool(enabled);
  if (!on)
    throw std::invalid_argument("invalid argument \"" + enabled +
                                "\" for \"--watch-cache\" flag: "
                                "strconv.ParseBool: parsing \"" +
                                enabled + "\": invalid syntax");
  if (!*on) throw no_uncached_watch("--watch-cache=false");
  const std::string size = vm["default-watch-cache-size"].as<std::string>();
  const auto value = parse_go_int(size);
  if (!value) {
    throw std::invalid_argument("invalid argument \"" + size +
                                "\" for \"--default-watch-cache-size\" flag: strconv.ParseInt: "
                                "parsing \"" +
                                size + "\": invalid syntax");
  }
  if (*value <= 0) throw no_uncached_watch("--default-watch-cache-size=" + size);
  c.default_watch_cache_size = static_cast<size_t>(*value);
  if (!vm.count("watch-cache-sizes")) return;
  c.watch_cache_sizes =
      parse_watch_cache_sizes(split_commas(vm["watch-cache-sizes"].as<std::vector<std::string>>()));
  for (const auto& [resource, n] : c.watch_cache_sizes) {
    if (n == 0) throw no_uncached_watch("--watch-cache-sizes " + resource + "#0");
  }
}

// pflag's DurationVar (time.ParseDuration) and ServerRunOptions.Validate's check.
core::Duration request_timeout_flag(const std::string& text) {
  auto parsed = core::parse_go_duration(text);
  if (auto* err = std::get_if<std::string>(&parsed))
    throw std::invalid_argument("invalid argument \"" + text +
                                "\" for \"--request-timeout\" flag: " + *err);
  const core::Duration d = std::get<core::Duration>(parsed);
  if (d < core::Duration::zero())
    throw std::invalid_argument("--request-timeout can not be negative value");
  return d;
}

}  // namespace

std::map<std::string, size_t> parse_watch_cache_sizes(const std::vector<std::string>& entries) {
  std::map<std::string, size_t> sizes;
  for (const std::string& entry : entries) {
    const size_t hash = entry.find('#');
    if (hash == std::string::npos || entry.find('#', hash + 1) != std::string::npos)
      throw std::invalid_argument("invalid value of watch cache size: " + entry);
    const auto size = parse_go_int(entry.substr(hash + 1));
    if (!size) throw std::invalid_argument("invalid size of watch cache size: " + entry);
    if (*size < 0) throw std::invalid_argument("watch cache size cannot be negative: " + entry);
    // schema.ParseGroupResource: the resource is up to the first '.', the group the rest.
    sizes[entry.substr(0, hash)] = static_cast<size_t>(*size);
  }
  return sizes;
}

FeatureGates parse_feature_gates(const std::string& text, int minor) {
  FeatureGates gates{minor < 29};
  for (const std::string& item : split_commas({text})) {
    const size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    if (eq == std::string::npos) throw std::invalid_argument("missing bool value for " + name);
    const std::string raw = item.substr(eq + 1);
    const auto value = parse_go_bool(raw);
    if (!value) {
      throw std::invalid_argument("invalid value of " + name + "=" + raw +
                                  ", err: strconv.ParseBool: parsing \"" + raw +
                                  "\": invalid syntax");
    }
    const GateSpec* spec = nullptr;
    for (const auto& g : kGates)
      if (name == g.name && minor >= g.first_minor && minor <= g.last_minor) spec = &g;
    if (!spec) throw std::invalid_argument("unrecognized feature gate: " + name);
    if (spec->locked_from && minor >= spec->locked_from) {
      if (!*value) {
        throw std::invalid_argument("cannot set feature gate " + name +
                                    " to false, feature is locked to true");
      }
      continue;
    }
    if (name == "KMSv1") {
      gates.kms_v1 = *value;
    } else if (name == "KMSv2" ? *value != (minor >= 27) : *value) {
      // KMSv2 off in 1.27-1.28, on in 1.25-1.26 (v2alpha1), KMSv2KDF on in 1.28.
      throw std::invalid_argument(name + "=" + raw + " on 1." + std::to_string(minor) +
                                  " is not modelled by kmslab-apiserver");
    }
  }
  return gates;
}

std::optional<Config> parse_flags(int argc, char** argv) {
  const auto parsed = core::flags::parse(describe(), argc, argv);
  if (!parsed) return std::nullopt;
  const po::variables_map& vm = *parsed;
  Config c;
  c.data_dir = vm["data-dir"].as<std::string>();
  c.bind_address = vm["bind-address"].as<std::string>();
  c.external_hostname = vm["external-hostname"].as<std::string>();
  c.secure_port = vm["secure-port"].as<unsigned>();
  if (c.secure_port > 65535) throw std::invalid_argument("--secure-port must be 0-65535");
  c.etcd_prefix = vm["etcd-prefix"].as<std::string>();
  if (vm.count("etcd-servers"))
    c.etcd_servers = split_commas(vm["etcd-servers"].as<std::vector<std::string>>());
  c.etcd_tls = {vm["etcd-cafile"].as<std::string>(), vm["etcd-certfile"].as<std::string>(),
                vm["etcd-keyfile"].as<std::string>()};
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
  const std::string gates = vm["feature-gates"].as<std::string>();
  try {
    c.feature_gates =
        parse_feature_gates(gates, encryption::kubernetes_minor(c.kubernetes_version));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("invalid argument \"" + gates +
                                "\" for \"--feature-gates\" flag: " + e.what());
  }
  parse_watch_cache_flags(vm, c);
  c.kubeconfig = vm["kubeconfig-out"].as<std::string>();
  if (vm.count("pod")) c.pods = vm["pod"].as<std::vector<std::string>>();
  for (const auto& p : c.pods) {
    if (std::count(p.begin(), p.end(), '/') != 1 || p.front() == '/' || p.back() == '/')
      throw std::invalid_argument("--pod: expected NAMESPACE/NAME, got '" + p + "'");
  }
  c.log_level = core::flags::log_level(vm);
  c.log_file = vm["log-file"].as<std::string>();
  c.threads = std::max(1u, vm["threads"].as<unsigned>());
  c.request_timeout = request_timeout_flag(vm["request-timeout"].as<std::string>());
  parse_clock_flags(vm, c);
  return c;
}

}  // namespace kmslab::apiserver::app
