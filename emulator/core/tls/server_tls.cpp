#include "emulator/core/tls/server_tls.hpp"

#include <algorithm>
#include <utility>

#include "emulator/core/tls/names.hpp"
#include "emulator/core/tls/ssl_ctx.hpp"

namespace kmslab::core::tls {

ServerTls::ServerTls(const CertificateAuthority& ca, std::vector<std::string> default_names,
                     Clock now, std::size_t cache_capacity)
    : ca_(ca),
      default_names_(std::move(default_names)),
      now_(std::move(now)),
      cache_(cache_capacity),
      context_(boost::asio::ssl::context::tls_server) {
  SSL_CTX* ctx = context_.native_handle();
  apply_server_policy(ctx);
  use_certificate(ctx, ca_.issue(default_names_, now_()));
  SSL_CTX_set_tlsext_servername_callback(ctx, &ServerTls::on_server_name);
  SSL_CTX_set_tlsext_servername_arg(ctx, this);
}

std::shared_ptr<SSL_CTX> ServerTls::context_for(std::string_view server_name) {
  const std::string host = to_lower_ascii(strip_trailing_dot(server_name));
  if (covered_by_default(host) || !is_valid_dns_name(host)) return nullptr;
  if (std::shared_ptr<SSL_CTX> hit = cache_.find(host)) return hit;
  // Issued outside the cache lock so a new name does not stall other handshakes; when two
  // threads race on the same name the first insert wins and both use it.
  return cache_.insert(host, make_server_ctx(ca_.issue({host}, now_())));
}

bool ServerTls::covered_by_default(std::string_view host) const {
  return std::any_of(default_names_.begin(), default_names_.end(),
                     [host](const std::string& pattern) { return host_matches(pattern, host); });
}

// Runs inside OpenSSL during the ClientHello: nothing may throw through it. On any failure the
// handshake goes on with the default certificate, so the client sees a name mismatch it can
// report, instead of an opaque handshake abort.
int ServerTls::on_server_name(SSL* ssl, int* /*alert*/, void* self) noexcept {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_OK;
  try {
    const std::shared_ptr<SSL_CTX> ctx = static_cast<ServerTls*>(self)->context_for(name);
    if (ctx && SSL_set_SSL_CTX(ssl, ctx.get()) == nullptr) drain_openssl_errors();
  } catch (...) {
    drain_openssl_errors();
  }
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace kmslab::core::tls
