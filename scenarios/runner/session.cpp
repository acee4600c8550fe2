#include "scenarios/runner/session.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/algorithm/string/predicate.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "emulator/core/base64url.hpp"
#include "emulator/core/client/url.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/files.hpp"
#include "emulator/core/process.hpp"
#include "scenarios/runner/command.hpp"
#include "scenarios/runner/duration.hpp"

extern char** environ;

namespace kmslab::scenario {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

constexpr const char* kKeyVaultResource = "https://vault.azure.net";
constexpr const char* kArmResource = "https://management.azure.com/";
// api-version of the runner's own ARM calls (credentials, the detector); the emulator's
// ContainerService accepts it (tests/integration/aks use it too).
constexpr const char* kAksApiVersion = "2022-11-01";

std::string str(const json& f, const char* key, const std::string& fallback = "") {
  return f.contains(key) ? f[key].get<std::string>() : fallback;
}

std::string body_text(const json& f) {
  if (!f.contains("body") || f["body"].is_null()) return "";
  return f["body"].is_string() ? f["body"].get<std::string>() : f["body"].dump();
}

// A step's own headers replace the runner's of the same name (an Authorization it brings, say).
void add_headers(Headers& h, const json& f) {
  const json given = f.value("headers", json::object());
  for (const auto& item : given.items()) {
    const std::string name = item.key();  // named: clang 14 cannot capture a structured binding
    std::erase_if(h, [&](const auto& have) { return boost::iequals(have.first, name); });
    h.emplace_back(name, item.value().get<std::string>());
  }
}

std::string redact(const std::string& name, const std::string& value) {
  std::string lower = name;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "authorization" ? value.substr(0, value.find(' ')) + " <redacted>" : value;
}

std::pair<std::string, std::string> split_cluster(const std::string& cluster) {
  const size_t slash = cluster.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == cluster.size() ||
      cluster.find('/', slash + 1) != std::string::npos)
    throw StepError("cluster '" + cluster + "' is not RG/NAME");
  return {cluster.substr(0, slash), cluster.substr(slash + 1)};
}

std::string env_name(const std::string& cluster) {
  std::string out = "KUBECONFIG_";
  for (char c : cluster)
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
               : '_';
  return out;
}

// shlex.quote's output back to the value: bare words, or '...' joined by "'"'"'.
std::string shell_unquote(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\'') {
      const size_t end = s.find('\'', i + 1);
      out += s.substr(i + 1, end - i - 1);
      i = end == std::string::npos ? s.size() : end + 1;
    } else if (s[i] == '"') {
      const size_t end = s.find('"', i + 1);
      out += s.substr(i + 1, end - i - 1);
      i = end == std::string::npos ? s.size() : end + 1;
    } else {
      out += s[i++];
    }
  }
  return out;
}

std::chrono::milliseconds left(Session::SteadyTime deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                               std::chrono::steady_clock::now());
}

}  // namespace

std::string query_string(const std::string& api_version, const json& query) {
  std::string out;
  if (!api_version.empty()) out = "api-version=" + core::client::percent_encode(api_version);
  if (query.is_object())
    for (const auto& [k, v] : query.items())
      out += (out.empty() ? "" : "&") + core::client::percent_encode(k) + "=" +
             core::client::percent_encode(v.get<std::string>());
  return out.empty() ? "" : "?" + out;
}

Session::Session(Stack& stack, SessionPaths paths, std::string clock_start)
    : stack_(stack), paths_(std::move(paths)), virtual_now_(std::move(clock_start)) {}

std::vector<Event> Session::take_events() {
  return std::exchange(events_, {});
}

void Session::event(const std::string& kind, const std::string& summary, const std::string& detail,
                    const std::string& status) {
  Event e;
  e.kind = kind;
  e.virtual_time = virtual_now_;
  e.summary = summary;
  e.detail = detail;
  e.status = status;
  events_.push_back(std::move(e));
}

Answer Session::perform(const std::string& action, const json& f, SteadyTime deadline) {
  if (action == "arm") return arm(f, deadline);
  if (action == "keyvault") return keyvault(f, deadline);
  if (action == "token") return token(f, deadline);
  if (action == "kube") return kube(f, deadline);
  if (action == "stored") return stored(f, deadline);
  if (action == "metrics") return metrics(f, deadline);
  if (action == "clock") return clock(f, deadline);
  if (action == "fault") return fault(f, deadline);
  if (action == "admin")
    return admin(str(f, "method", "GET"), str(f, "path"), f.value("body", json()), deadline);
  if (action == "restart") return restart(f, deadline);
  if (action == "diagnose") return diagnose(f, deadline);
  if (action == "audit") return audit(f, deadline);
  if (action == "run") return run(f, deadline);
  throw StepError("no executor for action " + action);
}

Answer Session::send(core::client::HttpClient& client, const std::string& method,
                     const std::string& url, Headers headers, const std::string& body,
                     SteadyTime deadline) {
  core::client::Request r;
  r.method = method;
  r.url = url;
  r.headers = std::move(headers);
  r.body = body;
  r.deadline = deadline;
  Answer a;
  a.request = method + " " + url + "\n";
  for (const auto& [k, v] : r.headers) a.request += k + ": " + redact(k, v) + "\n";
  if (!body.empty()) a.request += "\n" + body.substr(0, 4000);
  try {
    const auto got = client.send(r);
    a.status = got.status;
    a.headers = got.headers;
    a.body = got.body;
  } catch (const core::client::TransportError& e) {
    throw StepError(method + " " + url + ": no answer: " + e.what());
  } catch (const std::invalid_argument& e) {
    throw StepError(method + " " + url + ": " + e.what());
  }
  return a;
}

std::string Session::bearer(const json& as, const std::string& resource, SteadyTime deadline) {
  const std::string key = as.dump() + "|" + resource;
  if (auto it = tokens_.find(key); it != tokens_.end()) return it->second;
  json t = token({{"resource", resource}, {"as", as}}, deadline).document();
  if (!t.contains("access_token"))
    throw StepError("no token for " + resource + " (" + as.dump() + "): " + t.dump());
  return tokens_[key] = t["access_token"].get<std::string>();
}

Answer Session::token(const json& f, SteadyTime deadline) {
  const std::string resource = str(f, "resource");
  const json as = f.value("as", json());
  const auto& e = stack_.endpoints();
  if (as.is_object() && as.contains("managed_identity")) {
    if (e.imds.empty()) throw StepError("the emulator serves no IMDS (--no-imds)");
    const std::string url = e.imds + "/metadata/identity/oauth2/token?api-version=2018-02-01" +
                            "&resource=" + core::client::percent_encode(resource) + "&client_id=" +
                            core::client::percent_encode(as["managed_identity"].get<std::string>());
    return send(stack_.direct(), "GET", url, {{"Metadata", "true"}}, "", deadline);
  }
  std::string id = stack_.principal().client_id, secret = stack_.principal().client_secret;
  if (as.is_object() && as.contains("service_principal")) {
    id = as["service_principal"]["client_id"];
    secret = as["service_principal"]["client_secret"];
  }
  std::string scope = resource;
  while (!scope.empty() && scope.back() == '/') scope.pop_back();
  const std::string body =
      "grant_type=client_credentials&client_id=" + core::client::percent_encode(id) +
      "&client_secret=" + core::client::percent_encode(secret) +
      "&scope=" + core::client::percent_encode(scope + "/.default");
  Answer a =
      send(stack_.direct(), "POST", e.url + "/" + stack_.principal().tenant + "/oauth2/v2.0/token",
           {{"Content-Type", "application/x-www-form-urlencoded"}}, body, deadline);
  a.request = a.request.substr(0, a.request.find("\n\n")) + "\n\n(client credentials)";
  return a;
}

Answer Session::arm(const json& f, SteadyTime deadline) {
  const std::string method = str(f, "method", "GET");
  const std::string path = str(f, "path");
  if (path.empty() || path[0] != '/') throw StepError("arm path must start with /: " + path);
  const std::string url =
      stack_.endpoints().url + path + query_string(str(f, "api_version"), f.value("query", json()));
  const std::string token = bearer(f.value("as", json()), kArmResource, deadline);
  Headers h = {{"Authorization", "Bearer " + token}};
  const std::string body = body_text(f);
  if (!body.empty()) h.emplace_back("Content-Type", "application/json");
  add_headers(h, f);
  static const std::regex kVault("/providers/Microsoft.KeyVault/vaults/([^/?]+)",
                                 std::regex::icase);
  if (std::smatch m; std::regex_search(path, m, kVault)) vaults_.insert(m[1].str());
  Answer a = send(stack_.direct(), method, url, h, body, deadline);
  if (f.value("wait", false)) a = arm_wait(url, method, std::move(a), token, deadline);
  remember_credentials(path, a);
  return a;
}

// Follows an ARM long-running operation (Azure-AsyncOperation, else Location) until it ends.
// The emulator's operations progress in real time (cluster processes starting): polled every
// 100 ms rather than after Retry-After, bounded by the step's deadline.
Answer Session::arm_wait(const std::string& url, const std::string& method, Answer first,
                         const std::string& token, SteadyTime deadline) {
  const std::string async =
      first.headers.count("azure-asyncoperation") ? first.headers["azure-asyncoperation"] : "";
  const std::string location = first.headers.count("location") ? first.headers["location"] : "";
  if (first.status >= 300 || (async.empty() && location.empty())) return first;
  const Headers h = {{"Authorization", "Bearer " + token}};
  // The operation URLs name ARM's public host (management.azure.com): the same path on the
  // emulator's URL, as a client behind the proxy would reach it.
  const auto parsed = core::client::parse_url(async.empty() ? location : async);
  if (!parsed)
    throw StepError("the operation URL is malformed: " + (async.empty() ? location : async));
  const std::string poll_url = stack_.endpoints().url + parsed->target;
  Answer poll = first;
  while (true) {
    poll = send(stack_.direct(), "GET", poll_url, h, "", deadline);
    const json doc = poll.document();
    // A Location poll may answer with no body at all (202 / 204 without one).
    const std::string status =
        doc.is_object() && doc.contains("status") && doc["status"].is_string()
            ? doc["status"].get<std::string>()
            : "";
    const bool done = async.empty() ? poll.status != 202
                                    : (status == "Succeeded" || status == "Failed" ||
                                       status == "Canceled" || poll.status >= 400);
    if (done) break;
    if (left(deadline) < 150ms)
      throw StepError("the operation did not end in time; last poll:\n" + describe(poll));
    std::this_thread::sleep_for(100ms);
  }
  std::optional<json> operation;
  if (!async.empty()) operation = poll.document();
  Answer out = poll;
  if (method == "PUT" || method == "PATCH")
    out = send(stack_.direct(), "GET", url, h, "", deadline);
  out.operation = operation;
  out.request = first.request;
  return out;
}

void Session::remember_credentials(const std::string& path, const Answer& a) {
  static const std::regex kCreds(
      "/resourceGroups/([^/]+)/providers/Microsoft.ContainerService/managedClusters/([^/]+)/"
      "listCluster(Admin|User)Credential",
      std::regex::icase);
  std::smatch m;
  if (a.status != 200 || !std::regex_search(path, m, kCreds)) return;
  const json doc = a.document();
  const json* value = doc.contains("kubeconfigs") && !doc["kubeconfigs"].empty()
                          ? &doc["kubeconfigs"][0]["value"]
                          : nullptr;
  const auto text =
      value && value->is_string() ? core::base64_decode(value->get<std::string>()) : std::nullopt;
  if (!text) return;
  ClusterAccess c;
  try {
    const YAML::Node k = YAML::Load(*text);
    c.server = k["clusters"][0]["cluster"]["server"].as<std::string>();
    const auto ca = core::base64_decode(
        k["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>(""));
    c.ca_pem = ca.value_or("");
    c.token = k["users"][0]["user"]["token"].as<std::string>("");
  } catch (const YAML::Exception& e) {
    throw StepError(std::string("the credentials hold no readable kubeconfig: ") + e.what());
  }
  const std::string name = m[1].str() + "/" + m[2].str();
  c.kubeconfig = stack_.work_dir() / ("kubeconfig-" + m[1].str() + "-" + m[2].str());
  core::write_file_atomic(c.kubeconfig, *text, 0600);
  exported_[env_name(name)] = c.kubeconfig.string();
  clusters_[name] = c;
}

std::string Session::cluster_id(const std::string& cluster) const {
  const auto [rg, name] = split_cluster(cluster);
  return "/subscriptions/" + stack_.endpoints().subscription + "/resourceGroups/" + rg +
         "/providers/Microsoft.ContainerService/managedClusters/" + name;
}

const ClusterAccess& Session::cluster(const std::string& name, SteadyTime deadline) {
  if (auto it = clusters_.find(name); it != clusters_.end()) return it->second;
  const std::string path = cluster_id(name) + "/listClusterAdminCredential";
  const Answer a =
      arm({{"method", "POST"}, {"path", path}, {"api_version", kAksApiVersion}}, deadline);
  const auto it = clusters_.find(name);
  if (it == clusters_.end())
    throw StepError("no admin credentials for cluster " + name + ":\n" + describe(a));
  return it->second;
}

Answer Session::keyvault(const json& f, SteadyTime deadline) {
  std::string base = str(f, "url");
  if (base.empty()) {
    vaults_.insert(str(f, "vault"));
    base = "https://" + str(f, "vault") + ".vault.azure.net";
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string path = str(f, "path");
  const std::string url =
      base + path + query_string(str(f, "api_version", "7.4"), f.value("query", json()));
  Headers h = {
      {"Authorization", "Bearer " + bearer(f.value("as", json()), kKeyVaultResource, deadline)}};
  const std::string body = body_text(f);
  if (!body.empty()) h.emplace_back("Content-Type", "application/json");
  add_headers(h, f);
  return send(stack_.proxied(), str(f, "method", "GET"), url, h, body, deadline);
}

Answer Session::kube(const json& f, SteadyTime deadline) {
  const ClusterAccess& c = cluster(str(f, "cluster"), deadline);
  Headers h = {{"Authorization", "Bearer " + c.token}, {"Accept", "application/json"}};
  const std::string body = body_text(f);
  if (!body.empty()) h.emplace_back("Content-Type", str(f, "content_type", "application/json"));
  return send(stack_.cluster_client(c.ca_pem), str(f, "method", "GET"), c.server + str(f, "path"),
              h, body, deadline);
}

Answer Session::stored(const json& f, SteadyTime deadline) {
  return kube({{"cluster", f["cluster"]},
               {"path", "/_kmslab/raw?key=" + core::client::percent_encode(str(f, "key"))}},
              deadline);
}

std::vector<fs::path> Session::cluster_logs(const std::string& cluster) const {
  std::vector<fs::path> out;
  const auto [rg, name] = split_cluster(cluster);
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(stack_.data_dir() / "clusters", ec)) {
    const std::string d = dir.path().filename().string();
    if (d.rfind(name.substr(0, 24) + "-", 0) != 0) continue;
    for (const auto& file : fs::directory_iterator(dir.path(), ec))
      if (file.path().extension() == ".log") out.push_back(file.path());
  }
  return out;
}

Answer Session::metrics(const json& f, SteadyTime deadline) {
  if (str(f, "from") == "apiserver")
    return kube({{"cluster", f["cluster"]}, {"path", "/metrics"}}, deadline);
  // The plugin's metrics port is picked at start (--metrics-addr 0) and logged; the last such
  // line in its log is where it listens now.
  // klog's metrics="ADDR/metrics" or a JSON log's "metrics":"ADDR/metrics"
  static const std::regex kListening("metrics\"?[:=]\"([0-9.]+:[0-9]+)/metrics\"");
  std::string address;
  for (const auto& log : cluster_logs(str(f, "cluster"))) {
    if (log.filename() == "apiserver.log") continue;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);)
      if (std::smatch m; std::regex_search(line, m, kListening)) address = m[1].str();
  }
  if (address.empty())
    throw StepError("no kms-plugin of cluster " + str(f, "cluster") + " logged a metrics address");
  return send(stack_.direct(), "GET", "http://" + address + "/metrics", {}, "", deadline);
}

Answer Session::admin(const std::string& method, const std::string& path, const json& body,
                      SteadyTime deadline) {
  Headers h = {{"Authorization", "Bearer " + stack_.options().admin_token}};
  const std::string text = body.is_null()     ? ""
                           : body.is_string() ? body.get<std::string>()
                                              : body.dump();
  if (!text.empty()) h.emplace_back("Content-Type", "application/json");
  return send(stack_.direct(), method, stack_.endpoints().url + path, h, text, deadline);
}

Answer Session::clock(const json& f, SteadyTime deadline) {
  json body;
  std::string summary;
  if (f.contains("advance")) {
    const auto d = parse_go_duration(str(f, "advance"));
    if (!d) throw StepError("advance: not a duration: " + str(f, "advance"));
    body = {{"advance", std::to_string(d->count()) + "ms"}};
    summary = "+" + format_duration(*d);
  } else {
    if (!core::parse_rfc3339(str(f, "set"))) throw StepError("set: not an RFC 3339 time");
    body = {{"set", str(f, "set")}};
    summary = "set " + str(f, "set");
  }
  Answer a = admin("POST", "/_kmslab/clock", body, deadline);
  const json doc = a.document();
  if (a.status == 200 && doc.contains("now")) {
    tokens_.clear();  // tokens expire on the virtual clock
    event("clock_jump", summary + " -> " + doc["now"].get<std::string>(), "");
    virtual_now_ = doc["now"].get<std::string>();
  }
  return a;
}

Answer Session::fault(const json& f, SteadyTime deadline) {
  if (f.contains("delete"))
    return admin("DELETE", "/_kmslab/faults/" + core::client::percent_encode(str(f, "delete")),
                 json(), deadline);
  return admin("POST", "/_kmslab/faults", f["rule"], deadline);
}

Answer Session::restart(const json& f, SteadyTime deadline) {
  if (f.value("emulator", false)) {
    Answer a;
    a.request = "kill -9 kmslab-emulator (pid " + std::to_string(stack_.endpoints().pid) +
                "), start it again on " + stack_.data_dir().string();
    stack_.restart_emulator(std::max(left(deadline), 1000ms));
    tokens_.clear();
    a.status = 200;
    a.body = json{{"restarted", "emulator"}, {"pid", stack_.endpoints().pid}}.dump();
    event("process", "emulator killed (-9) and started again", a.request);
    return a;
  }
  const json body = {{"cluster", str(f, "cluster")},
                     {"process", str(f, "process")},
                     {"signal", str(f, "signal", "KILL")}};
  Answer a = admin("POST", "/_kmslab/aks/processes/restart", body, deadline);
  event("process", "restart " + str(f, "cluster") + " " + str(f, "process"), a.body,
        a.status < 300 ? "ok" : "error");
  return a;
}

// The detector's api-version is the runner's choice (AKS's diagnostics API versions are not in
// the references): configurable by sending the ARM request yourself with an `arm` step.
Answer Session::diagnose(const json& f, SteadyTime deadline) {
  return arm(
      {{"path", cluster_id(str(f, "cluster")) + "/detectors/azure-keyvault-kms-integration-issues"},
       {"api_version", kAksApiVersion}},
      deadline);
}

Answer Session::audit(const json& f, SteadyTime deadline) {
  const std::string since = str(f, "since");
  return admin("GET",
               "/_kmslab/vaults/" + core::client::percent_encode(str(f, "vault")) +
                   "/audit-events" +
                   (since.empty() ? "" : "?since=" + core::client::percent_encode(since)),
               json(), deadline);
}

namespace {

std::map<std::string, std::string> inherited_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const char* proxy : {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY",
                            "no_proxy", "ALL_PROXY", "all_proxy"})
    env.erase(proxy);
  std::string& path = env["PATH"];
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin"})
    if ((":" + path + ":").find(std::string(":") + dir + ":") == std::string::npos)
      path += (path.empty() ? "" : ":") + std::string(dir);
  return env;
}

std::vector<std::string> as_list(const std::map<std::string, std::string>& env) {
  std::vector<std::string> v;
  for (const auto& [k, val] : env) v.push_back(k + "=" + val);
  return v;
}

// Whether a command invokes az (a word of its own): only then is az signed in, which costs
// several seconds of az's start-up per scenario.
bool invokes_az(const json& command) {
  static const std::regex kAz("(^|[^A-Za-z0-9_./-])az([^A-Za-z0-9_.-]|$)");
  if (command.is_string()) return std::regex_search(command.get<std::string>(), kAz);
  return !command.empty() && fs::path(command[0].get<std::string>()).filename() == "az";
}

}  // namespace

// tools/kmslab env's exports (the CA, the proxy, the service principal, managed identity,
// AZURE_CONFIG_DIR); with `az`, its --apply too (cloud registered, az logged in), once.
std::map<std::string, std::string> Session::run_environment(SteadyTime deadline, bool az) {
  if (!run_env_ || (az && !az_ready_)) {
    auto env = inherited_environment();
    std::vector<std::string> argv = {paths_.python.string(), paths_.kmslab_env.string(),
                                     "--data-dir",           stack_.data_dir().string(),
                                     "--admin-token",        stack_.options().admin_token};
    if (az) argv.push_back("--apply");
    const auto got =
        run_command(argv, as_list(env), "", std::max(left(deadline), 1000ms), stack_.work_dir());
    if (got.exit_code != 0)
      throw StepError("tools/kmslab env" + std::string(az ? " --apply" : "") + " failed (" +
                      std::to_string(got.exit_code) + "):\n" + got.err);
    static const std::regex kExport("^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$");
    std::istringstream lines(got.out);
    for (std::string line; std::getline(lines, line);)
      if (std::smatch m; std::regex_match(line, m, kExport))
        env[m[1].str()] = shell_unquote(m[2].str());
    run_env_ = env;
    az_ready_ = az_ready_ || az;
  }
  auto env = *run_env_;
  std::string kubeconfig;
  for (const auto& [name, c] : clusters_)
    kubeconfig += (kubeconfig.empty() ? "" : ":") + c.kubeconfig.string();
  if (!kubeconfig.empty()) env["KUBECONFIG"] = kubeconfig;
  for (const auto& [k, v] : exported_) env[k] = v;
  return env;
}

Answer Session::run(const json& f, SteadyTime deadline) {
  auto env = run_environment(deadline, invokes_az(f["command"]));
  const json extra = f.value("env", json::object());
  for (const auto& [k, v] : extra.items()) env[k] = v.get<std::string>();
  std::vector<std::string> argv;
  if (f["command"].is_string())
    argv = {"bash", "-c", f["command"].get<std::string>()};
  else
    argv = f["command"].get<std::vector<std::string>>();
  const auto envv = as_list(env);
  auto timeout = parse_go_duration(str(f, "timeout", "60s")).value_or(60s);
  timeout = std::min(timeout, std::max(left(deadline), 1ms));
  const auto got = run_command(argv, envv, str(f, "stdin"), timeout, stack_.work_dir());
  Answer a;
  a.command = true;
  a.exit_code = got.exit_code;
  a.out = got.out;
  a.err = got.err;
  a.request =
      "$ " + (f["command"].is_string() ? f["command"].get<std::string>() : json(argv).dump());
  return a;
}

}  // namespace kmslab::scenario
