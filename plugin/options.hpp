#pragma once
// The plugin's command line: upstream's flags with upstream's names, defaults and validation
// (cmd/server/main.go, reference §7.1), then kmslab's own, all shown by --help.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kmslab::plugin {

struct Options {
  std::string listen_addr = "unix:///opt/azurekms.socket";
  std::string keyvault_name, key_name, key_version;
  bool managed_hsm = false;
  std::string config_file_path = "/etc/kubernetes/azure.json";
  unsigned healthz_port = 8787;
  std::string healthz_path = "/healthz";
  std::chrono::milliseconds healthz_timeout{20'000};
  std::string metrics_backend = "prometheus";
  std::string metrics_addr = "8095";
  bool proxy_mode = false;
  std::string proxy_address;
  int proxy_port = 7788;
  bool log_format_json = false;
  unsigned log_level = 0;
  bool version = false;
  // kmslab's own.
  std::string ca_bundle;
  std::string imds_endpoint = "http://169.254.169.254";
  std::string source_address;
  std::string https_proxy;  // from HTTPS_PROXY / https_proxy, as Go's net/http reads it
  std::string bind_address = "127.0.0.1";  // health and metrics listeners
};

struct ParsedOptions {
  Options options;
  bool help = false;
  std::string help_text;
  std::string error;  // non-empty: print and exit 2
};

ParsedOptions parse_options(const std::vector<std::string>& args, const char* https_proxy_env);

}  // namespace kmslab::plugin
