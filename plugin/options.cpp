#include "plugin/options.hpp"

#include <boost/program_options.hpp>
#include <sstream>

#include "emulator/core/clock.hpp"

namespace kmslab::plugin {
namespace po = boost::program_options;

namespace {

po::options_description describe(Options& o, std::string& healthz_timeout) {
  po::options_description upstream("Upstream flags (Azure/kubernetes-kms v0.11.0)");
  upstream.add_options()("help", "print this help and exit")(
      "listen-addr", po::value(&o.listen_addr)->default_value(o.listen_addr),
      "gRPC listen address (unix:///path, or unix:///@name for an abstract socket)")(
      "keyvault-name", po::value(&o.keyvault_name), "Azure Key Vault name")(
      "key-name", po::value(&o.key_name), "Azure Key Vault KMS key name")(
      "key-version", po::value(&o.key_version), "Azure Key Vault KMS key version")(
      "managed-hsm", po::bool_switch(&o.managed_hsm), "Azure Key Vault Managed HSM")(
      "log-format-json", po::bool_switch(&o.log_format_json), "set log formatter to json")(
      "v", po::value(&o.log_level)->default_value(0),
      "In order of increasing verbosity: 0=warning/error, 2=info, 4=debug, 6=trace, 10=all")(
      "configFilePath", po::value<std::string>(),
      "[DEPRECATED] Path for Azure Cloud Provider config file (ignored)")(
      "config-file-path", po::value(&o.config_file_path)->default_value(o.config_file_path),
      "Path for Azure Cloud Provider config file")("version", po::bool_switch(&o.version),
                                                   "Prints the version information")(
      "healthz-port", po::value(&o.healthz_port)->default_value(o.healthz_port),
      "port for health check (0: any free port)")(
      "healthz-path", po::value(&o.healthz_path)->default_value(o.healthz_path),
      "path for health check")("healthz-timeout", po::value(&healthz_timeout)->default_value("20s"),
                               "RPC timeout for health check")(
      "metrics-backend", po::value(&o.metrics_backend)->default_value(o.metrics_backend),
      "Backend used for metrics")("metrics-addr",
                                  po::value(&o.metrics_addr)->default_value(o.metrics_addr),
                                  "The address the metric endpoint binds to")(
      "proxy-mode", po::bool_switch(&o.proxy_mode), "Proxy mode")(
      "proxy-address", po::value(&o.proxy_address), "proxy address")(
      "proxy-port", po::value(&o.proxy_port)->default_value(o.proxy_port), "port for proxy");
  po::options_description ours("kmslab flags");
  ours.add_options()(
      "ca-bundle", po::value(&o.ca_bundle),
      "PEM file of CAs to trust for Key Vault, Entra ID and IMDS (default: the system store)")(
      "imds-endpoint", po::value(&o.imds_endpoint)->default_value(o.imds_endpoint),
      "managed identity endpoint (IMDS) base URL")(
      "source-address", po::value(&o.source_address),
      "local IP address outgoing connections are bound to (what the vault firewall sees, through "
      "HTTPS_PROXY too)")("bind-address", po::value(&o.bind_address)->default_value(o.bind_address),
                          "address the health and metrics listeners bind to");
  po::options_description all;
  all.add(upstream).add(ours);
  return all;
}

std::string sanitize(const std::string& s) {
  // upstream utils.SanitizeString: trim spaces, then quotes, then spaces.
  auto trim = [](std::string v, const char* set) {
    const auto b = v.find_first_not_of(set);
    if (b == std::string::npos) return std::string();
    return v.substr(b, v.find_last_not_of(set) - b + 1);
  };
  return trim(trim(trim(s, " \t\r\n"), "\""), " \t\r\n");
}

}  // namespace

ParsedOptions parse_options(const std::vector<std::string>& args, const char* https_proxy_env) {
  ParsedOptions p;
  std::string healthz_timeout;
  auto desc = describe(p.options, healthz_timeout);
  std::ostringstream help;
  help << "Usage: kmslab-kms-plugin [flags]\n"
       << "KMS plugin for Azure Key Vault (gRPC KMS v1beta1 and v2 on one Unix socket).\n"
       << "Environment: HTTPS_PROXY (or https_proxy) names an http://host:port CONNECT proxy for\n"
       << "Key Vault and Entra ID, as for upstream's Go client. Single-dash long flags (-v 2) "
          "work.\n"
       << desc;
  p.help_text = help.str();
  try {
    po::variables_map vm;
    const auto style =
        po::command_line_style::unix_style | po::command_line_style::allow_long_disguise;
    po::store(po::command_line_parser(args).options(desc).style(style).run(), vm);
    po::notify(vm);
    p.help = vm.count("help") > 0;
  } catch (const po::error& e) {
    p.error = e.what();
    return p;
  }
  Options& o = p.options;
  if (o.log_level > 255) {
    p.error = "invalid log level: " + std::to_string(o.log_level);
    return p;
  }
  auto timeout = core::parse_duration(healthz_timeout);
  if (!timeout) {
    p.error = "invalid value \"" + healthz_timeout + "\" for flag -healthz-timeout: parse error";
    return p;
  }
  o.healthz_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
  if (o.metrics_backend != "prometheus") {
    p.error =
        "failed to initialize metrics exporter: unsupported metrics backend: " + o.metrics_backend;
    return p;
  }
  o.keyvault_name = sanitize(o.keyvault_name);
  o.key_name = sanitize(o.key_name);
  o.key_version = sanitize(o.key_version);
  if (https_proxy_env) o.https_proxy = https_proxy_env;
  return p;
}

}  // namespace kmslab::plugin
