// What the AKS supervisor parses from its children: the plugin's log (health port, listening
// line) and the apiserver's kubeconfig; the ports file of a cluster's etcd; and the directory
// names it derives from resource ids; the storage census of its apiserver.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/aks/supervisor/census.hpp"
#include "emulator/aks/supervisor/cluster_files.hpp"
#include "emulator/aks/supervisor/etcd_member.hpp"
#include "emulator/aks/supervisor/probes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto port = kmslab::aks::plugin_healthz_port(text); port && *port == 0) __builtin_trap();
  (void)kmslab::aks::plugin_listening(text);
  if (auto a = kmslab::aks::parse_kubeconfig(text); a && a->url.empty() && a->token.empty()) {
    // Empty strings are valid JSON values; nothing to check beyond not crashing.
  }
  // An apiserver's storage census (any JSON): an answer or unknown, never a crash.
  (void)kmslab::aks::census_says_in_use(nlohmann::json::parse(text, nullptr, false), "p");
  // Either no ports (unusable file) or two distinct non-zero ones.
  const auto ports = kmslab::aks::parse_etcd_ports(std::string(text));
  if ((ports.client == 0) != (ports.peer == 0) || (ports.client != 0 && ports.client == ports.peer))
    __builtin_trap();
  const std::string name = kmslab::aks::cluster_dir_name(std::string(text));
  if (name.find('/') != std::string::npos || name.find('\0') != std::string::npos || name == ".." ||
      name.size() > 24 + 13)
    __builtin_trap();
  return 0;
}
