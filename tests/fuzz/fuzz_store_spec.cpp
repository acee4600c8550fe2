// The etcd store specification (etcd:// and etcd+tls://) and kube-apiserver's --etcd-servers
// URLs: anything parses or is a StoreError, and the TLS file paths survive the trip from the
// URLs and flags to a spec and back (their '%' and '&' escaped). Input: the first line is the
// certificate path, the rest --etcd-servers URLs (one a line); the whole input is also a spec.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/store/etcd_options.hpp"
#include "emulator/store/store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  using kmslab::store::StoreError;
  try {
    kmslab::store::parse_etcd_spec(text);
  } catch (const StoreError&) {
  }
  std::vector<std::string> lines;
  for (size_t start = 0; start <= text.size();) {
    const size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string::npos ? nl : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  const kmslab::store::EtcdTls tls{"/ca.pem", lines.front(), "/key.pem"};
  std::string spec;
  try {
    spec = kmslab::store::etcd_spec_from_urls({lines.begin() + 1, lines.end()}, tls);
  } catch (const StoreError&) {
    return 0;
  }
  const auto options = kmslab::store::parse_etcd_spec(spec);  // what it made must parse
  if (options.tls && (options.tls->cert_file != tls.cert_file ||
                      options.tls->ca_file != tls.ca_file || options.tls->key_file != tls.key_file))
    __builtin_trap();
  return 0;
}
