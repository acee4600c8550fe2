#pragma once
// Runs real TLS handshakes between asio ssl client streams and a ServerTls over loopback TCP.

#include <optional>
#include <string>
#include <vector>

#include <boost/system/error_code.hpp>

#include "emulator/core/tls/server_tls.hpp"

namespace kmslab::core::tls::testing {

struct ClientOptions {
  std::optional<std::string> sni;  // server name sent in the ClientHello, if any
  std::string verify_name;         // host (or IP literal) the client checks the cert against
  int min_version = TLS1_2_VERSION;
  int max_version = 0;      // 0: highest supported
  std::string cipher_list;  // empty: OpenSSL default; for TLS <= 1.2 clients only
};

struct HandshakeResult {
  boost::system::error_code client;
  boost::system::error_code server;
  std::string peer_cert_pem;  // what the client received, when the handshake succeeded
  std::string cipher;
  int version = 0;
};

// One handshake per entry of `clients`, all concurrently on one io_context run by `threads`
// threads. Clients verify against `ca_pem` at the fixed test time.
std::vector<HandshakeResult> handshake_all(ServerTls& server, const std::string& ca_pem,
                                           const std::vector<ClientOptions>& clients,
                                           int threads = 1);

inline HandshakeResult handshake(ServerTls& server, const std::string& ca_pem,
                                 const ClientOptions& client) {
  return handshake_all(server, ca_pem, {client}).front();
}

}  // namespace kmslab::core::tls::testing
