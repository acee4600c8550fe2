#include "plugin/health/healthz.hpp"

#include <grpcpp/grpcpp.h>

#include "kms/v1beta1/api.grpc.pb.h"
#include "kms/v2/api.grpc.pb.h"

namespace kmslab::plugin {
namespace {

namespace http = core::http;

// What Go's status.Error(...).Error() prints for an RPC failure.
std::string rpc_error_text(const grpc::Status& s) {
  static const char* names[] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  const int code = static_cast<int>(s.error_code());
  const std::string name =
      code >= 0 && code <= 16 ? names[code] : "Code(" + std::to_string(code) + ")";
  return "rpc error: code = " + name + " desc = " + s.error_message();
}

void set_deadline(grpc::ClientContext& ctx, std::chrono::milliseconds timeout) {
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
}

}  // namespace

HealthCheck::HealthCheck(const ListenAddress& socket, KmsContract& kms,
                         std::chrono::milliseconds rpc_timeout)
    : target_(socket.grpc_target()), kms_(kms), timeout_(rpc_timeout) {}

HealthResult HealthCheck::check() {
  auto channel = grpc::CreateChannel(target_, grpc::InsecureChannelCredentials());
  auto v1 = v1beta1::KeyManagementService::NewStub(channel);
  auto v2 = v2::KeyManagementService::NewStub(channel);
  {
    grpc::ClientContext ctx;
    set_deadline(ctx, timeout_);
    v1beta1::VersionResponse version;
    auto s = v1->Version(&ctx, v1beta1::VersionRequest(), &version);
    if (!s.ok()) return {503, rpc_error_text(s)};
    if (version.version() != kKmsV1ApiVersion || version.runtime_name() != kRuntimeName ||
        version.runtime_version() != kms_.build_version()) {
      return {503, "failed to get correct version response"};
    }
  }
  {
    grpc::ClientContext ctx;
    set_deadline(ctx, timeout_);
    v2::StatusResponse status;
    auto s = v2->Status(&ctx, v2::StatusRequest(), &status);
    if (!s.ok()) return {503, rpc_error_text(s)};
    if (status.version() != kKmsV2ApiVersion) {
      return {503, std::string("failed to get correct version response for v2 expected: ") +
                       kKmsV2ApiVersion + ", got: " + status.version()};
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  KmsError e;
  const std::string cipher = kms_.v1_encrypt(kHealthCheckPlaintext, deadline, e);
  if (!e.message.empty()) return {500, e.message};
  if (kms_.v1_decrypt(cipher, deadline, e) != kHealthCheckPlaintext) {
    return {500, e.message.empty() ? "plain text mismatch after decryption" : e.message};
  }
  // (upstream also sends uid "local-healthz-check-<uuid>"; Key Vault never sees a uid.)
  V2Encrypted enc = kms_.v2_encrypt(kHealthCheckPlaintext, deadline, e);
  if (!e.message.empty()) return {500, e.message};
  if (kms_.v2_decrypt(enc.ciphertext, enc.key_id, enc.annotations, deadline, e) !=
      kHealthCheckPlaintext) {
    return {500, e.message.empty() ? "plain text mismatch after decryption with KMSv2" : e.message};
  }
  return {};
}

HealthServer::HealthServer(HealthCheck& check, std::string healthz_path,
                           core::MetricsRegistry& metrics)
    : check_(check), path_(std::move(healthz_path)), metrics_(metrics) {}

HealthServer::~HealthServer() {
  stop();
}

std::pair<uint16_t, uint16_t> HealthServer::start(const std::string& address, uint16_t healthz_port,
                                                  uint16_t metrics_port) {
  core::ServerOptions options;
  options.read_timeout = std::chrono::seconds(5);  // upstream ReadHeaderTimeout
  server_ = std::make_unique<core::HttpServer>(ioc_, *this, nullptr, options, metrics_);
  healthz_port_ = server_->listen(address, healthz_port, core::HttpServer::Kind::kHttp);
  metrics_port_ = server_->listen(address, metrics_port, core::HttpServer::Kind::kHttp);
  thread_ = std::thread([this] { ioc_.run(); });
  return {healthz_port_, metrics_port_};
}

void HealthServer::stop() {
  if (!thread_.joinable()) return;
  server_->shutdown();
  ioc_.stop();
  thread_.join();
}

core::HttpResponse HealthServer::handle(core::HttpRequest&& request,
                                        const core::ConnectionInfo& info) {
  core::HttpResponse response{http::status::not_found, request.version()};
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.body() = "404 page not found\n";
  const std::string target(request.target().substr(0, request.target().find('?')));
  if (info.local_port == healthz_port_ && target == path_) {
    HealthResult r = check_.check();
    response.result(r.status);
    // Go's http.Error appends a newline and sets nosniff; the 200 body is exactly "ok".
    response.body() = r.status == 200 ? r.body : r.body + "\n";
    if (r.status != 200) response.set("X-Content-Type-Options", "nosniff");
  } else if (info.local_port == metrics_port_ && target == "/metrics") {
    response.result(http::status::ok);
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = metrics_.render();
  }
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

core::HttpResponse HealthServer::reject(const core::ApiError& error, unsigned version,
                                        const core::ConnectionInfo&) {
  core::HttpResponse response{static_cast<http::status>(error.status), version};
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.body() = error.message + "\n";
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

}  // namespace kmslab::plugin
