#include "tests/unit/tls/handshake.hpp"

#include <memory>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include "emulator/core/tls/names.hpp"
#include "tests/unit/tls/test_support.hpp"

namespace kmslab::core::tls::testing {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

std::unique_ptr<ssl::context> client_context(const std::string& ca_pem, const ClientOptions& opt) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  ctx->add_certificate_authority(asio::buffer(ca_pem));
  ctx->set_verify_mode(ssl::verify_peer);
  X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(native), kNowSeconds);
  SSL_CTX_set_min_proto_version(native, opt.min_version);
  SSL_CTX_set_max_proto_version(native, opt.max_version);
  if (!opt.cipher_list.empty() && SSL_CTX_set_cipher_list(native, opt.cipher_list.c_str()) != 1) {
    throw openssl_error("client cipher list");
  }
  return ctx;
}

void expect_name(SSL* ssl, const ClientOptions& opt) {
  if (opt.sni && SSL_set_tlsext_host_name(ssl, opt.sni->c_str()) != 1) {
    throw openssl_error("SNI");
  }
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  const int rc = is_ip_literal(opt.verify_name)
                     ? X509_VERIFY_PARAM_set1_ip_asc(param, opt.verify_name.c_str())
                     : X509_VERIFY_PARAM_set1_host(param, opt.verify_name.c_str(), 0);
  if (rc != 1) throw openssl_error("verify name");
}

void record_session(SSL* ssl, HandshakeResult& result) {
  X509Ptr peer(SSL_get1_peer_certificate(ssl));
  if (peer) result.peer_cert_pem = to_pem(peer.get());
  result.cipher = SSL_get_cipher_name(ssl);
  result.version = SSL_version(ssl);
}

// One client/server pair; results land in `result`, which outlives the io_context run.
struct Pair {
  Pair(asio::io_context& io, ServerTls& tls, const std::string& ca_pem, const ClientOptions& opt)
      : client_ctx(client_context(ca_pem, opt)),
        server(io, tls.context()),
        client(io, *client_ctx) {
    expect_name(client.native_handle(), opt);
  }

  void start(tcp::acceptor& acceptor, HandshakeResult& result) {
    acceptor.async_accept(server.lowest_layer(), [this, &result](boost::system::error_code ec) {
      if (ec) {
        result.server = ec;
        return;
      }
      server.async_handshake(ssl::stream_base::server,
                             [&result](boost::system::error_code hec) { result.server = hec; });
    });
    client.lowest_layer().async_connect(
        acceptor.local_endpoint(), [this, &result](boost::system::error_code ec) {
          if (ec) {
            result.client = ec;
            return;
          }
          client.async_handshake(ssl::stream_base::client,
                                 [this, &result](boost::system::error_code hec) {
                                   result.client = hec;
                                   if (!hec) record_session(client.native_handle(), result);
                                 });
        });
  }

  std::unique_ptr<ssl::context> client_ctx;
  ssl::stream<tcp::socket> server;
  ssl::stream<tcp::socket> client;
};

}  // namespace

std::vector<HandshakeResult> handshake_all(ServerTls& tls, const std::string& ca_pem,
                                           const std::vector<ClientOptions>& clients, int threads) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::vector<HandshakeResult> results(clients.size());
  std::vector<std::unique_ptr<Pair>> pairs;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    pairs.push_back(std::make_unique<Pair>(io, tls, ca_pem, clients[i]));
    pairs.back()->start(acceptor, results[i]);
  }
  // run_for bounds a broken handshake; normal runs return as soon as all work is done.
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back([&io] { io.run_for(std::chrono::seconds(30)); });
  io.run_for(std::chrono::seconds(30));
  for (std::thread& t : pool) t.join();
  return results;
}

}  // namespace kmslab::core::tls::testing
