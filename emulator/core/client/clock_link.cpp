#include "emulator/core/client/clock_link.hpp"

#include <cctype>
#include <stdexcept>

#include "emulator/core/json_input.hpp"

namespace kmslab::core::client {
namespace {

using nlohmann::json;
namespace protocol = clock_protocol;

ClientOptions step_client_options(const protocol::Registration& r) {
  ClientOptions o;
  o.ca_pem = r.ca_pem;
  o.connect_timeout = std::chrono::milliseconds(5'000);
  o.read_timeout = std::chrono::hours(1);  // each step's own deadline bounds it
  o.retry.max_attempts = 1;                // a step is answered once or reported
  o.max_idle_per_host = 2;
  o.body_limit = 64 * 1024;
  o.user_agent = "kmslab-clock";
  return o;
}

std::string escape_query_value(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

LeaderClock leader_clock(const Response& r, const std::string& what) {
  const json j = parse_untrusted_json(r.body);
  const auto mode = j.is_object() ? j.value("mode", "") : "";
  if (!j.is_object() || !j.contains("unix_nano") || !j["unix_nano"].is_number_integer() ||
      !j.contains("offset_nano") || !j["offset_nano"].is_number_integer() ||
      (mode != "manual" && mode != "system"))
    throw std::runtime_error(what + ": the answer is not a kmslab clock: " + r.body.substr(0, 200));
  return {mode == "manual" ? VirtualClock::Mode::kManual : VirtualClock::Mode::kSystem,
          protocol::from_unix_nano(j["unix_nano"].get<int64_t>()),
          std::chrono::nanoseconds(j["offset_nano"].get<int64_t>())};
}

}  // namespace

HttpsStepTransport::HttpsStepTransport(const core::Clock& clock, Rng& rng)
    : clock_(clock), rng_(rng) {}

std::string HttpsStepTransport::accept(const protocol::Registration& r) {
  if (!parse_url(r.step_url)) return "\"step_url\" is not a valid http(s) URL: " + r.step_url;
  std::shared_ptr<HttpClient> client;
  try {
    client = std::make_shared<HttpClient>(step_client_options(r), clock_, rng_);
  } catch (const std::invalid_argument& e) {
    return std::string("\"ca_pem\" is not usable: ") + e.what();
  }
  std::lock_guard l(mu_);
  clients_[r.name] = std::move(client);
  return {};
}

void HttpsStepTransport::forget(const std::string& name) {
  std::lock_guard l(mu_);
  clients_.erase(name);
}

StepOutcome HttpsStepTransport::step(const protocol::Registration& r, TimePoint now,
                                     std::chrono::milliseconds timeout) {
  std::shared_ptr<HttpClient> client;
  {
    std::lock_guard l(mu_);
    if (auto it = clients_.find(r.name); it != clients_.end()) client = it->second;
  }
  if (!client) return {std::nullopt, "not registered", true};
  Request req;
  req.method = "POST";
  req.url = r.step_url;
  req.headers = {{"Authorization", "Bearer " + r.secret}, {"Content-Type", "application/json"}};
  req.body = protocol::to_json(protocol::StepRequest{now}).dump();
  req.deadline = std::chrono::steady_clock::now() + timeout;
  Response res;
  try {
    res = client->send(req);
  } catch (const TransportError& e) {
    // No answer in time: kept, and skipped for this move. Anything else (refused, reset, TLS):
    // the process that registered is gone.
    const std::string what = e.what();
    const bool timed_out = what.find("i/o timeout") != std::string::npos;
    return {std::nullopt,
            timed_out ? "no answer within " + std::to_string(timeout.count()) + " ms" : what,
            !timed_out};
  }
  if (res.status == 401 || res.status == 404) {
    return {
        std::nullopt,
        "step answered HTTP " + std::to_string(res.status) + ": not the process that registered",
        true};
  }
  if (res.status != 200)
    return {std::nullopt, "step answered HTTP " + std::to_string(res.status), false};
  auto answer = protocol::parse_step_answer(res.body);
  if (auto* e = std::get_if<std::string>(&answer))
    return {std::nullopt, "malformed step answer: " + *e, false};
  return {std::get<protocol::StepAnswer>(answer), {}, false};
}

ClockLeader::ClockLeader(Options options, const core::Clock& clock, Rng& rng)
    : options_(std::move(options)),
      client_(
          [&] {
            if (!parse_url(options_.url))
              throw std::invalid_argument("not an http(s) URL: '" + options_.url + "'");
            ClientOptions o;
            o.ca_bundle_file = options_.ca_file;
            o.connect_timeout = std::chrono::milliseconds(5'000);
            o.read_timeout = std::chrono::milliseconds(30'000);
            o.user_agent = "kmslab-clock";
            // A leader that is not there is said at once (start, graceful stop), not in seconds.
            o.retry.max_attempts = 3;
            o.retry.base_delay = std::chrono::milliseconds(200);
            return o;
          }(),
          clock, rng) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
}

Response ClockLeader::call(const std::string& method, const std::string& path,
                           const std::string& body) {
  Request req;
  req.method = method;
  req.url = options_.url + path;
  req.body = body;
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  if (!options_.token.empty())
    req.headers.emplace_back("Authorization", "Bearer " + options_.token);
  req.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  try {
    return client_.send(req);
  } catch (const TransportError& e) {
    throw std::runtime_error(method + " " + req.url + ": " + e.what());
  }
}

LeaderClock ClockLeader::read() {
  const Response r = call("GET", "/_kmslab/clock", "");
  const std::string what = "GET " + options_.url + "/_kmslab/clock";
  if (r.status != 200)
    throw std::runtime_error(what + ": HTTP " + std::to_string(r.status) + " " + r.body);
  return leader_clock(r, what);
}

LeaderClock ClockLeader::subscribe(const protocol::Registration& reg) {
  const Response r = call("POST", "/_kmslab/clock/subscribers", protocol::to_json(reg).dump());
  const std::string what = "POST " + options_.url + "/_kmslab/clock/subscribers";
  if (r.status != 200 && r.status != 201)
    throw std::runtime_error(what + ": HTTP " + std::to_string(r.status) + " " + r.body);
  return leader_clock(r, what);
}

void ClockLeader::unsubscribe(const std::string& name) {
  const Response r =
      call("DELETE", "/_kmslab/clock/subscribers?name=" + escape_query_value(name), "");
  if (r.status != 204 && r.status != 404)
    throw std::runtime_error("DELETE " + options_.url + "/_kmslab/clock/subscribers: HTTP " +
                             std::to_string(r.status) + " " + r.body);
}

}  // namespace kmslab::core::client
