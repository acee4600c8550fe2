#include "emulator/apiserver/encryption/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "emulator/apiserver/encryption/crypto.hpp"
#include "emulator/apiserver/encryption/fqdn.hpp"
#include "emulator/apiserver/encryption/prefix.hpp"
#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/core/base64url.hpp"
#include "emulator/core/go_duration.hpp"

namespace kmslab::apiserver::encryption {
namespace {

constexpr std::string_view kGroupVersion = "apiserver.config.k8s.io/v1";
constexpr std::string_view kKind = "EncryptionConfiguration";
// The name Go's runtime.NewScheme() gives the decoder's scheme (its caller's file:line); the
// line is unverified (U) and only appears in "no kind registered" errors.
constexpr std::string_view kSchemeName = "pkg/runtime/scheme.go:100";

struct DecodeError {
  std::string message;
};

[[noreturn]] void unknown_field(const std::string& path) {
  throw DecodeError{"strict decoding error: unknown field \"" + path + "\""};
}

std::string join(const std::string& parent, const std::string& child) {
  return parent.empty() ? child : parent + "." + child;
}

void only_fields(const YAML::Node& n, const std::string& path, std::set<std::string> allowed) {
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>();
    if (!allowed.count(key)) unknown_field(join(path, key));
  }
}

[[noreturn]] void type_error(const std::string& path, const char* go_type) {
  throw DecodeError{"json: cannot unmarshal into Go struct field " + path + " of type " + go_type};
}

std::string scalar(const YAML::Node& n, const std::string& path) {
  if (!n || n.IsNull()) return {};
  if (!n.IsScalar()) type_error(path, "string");
  return n.Scalar();
}

std::vector<std::string> string_list(const YAML::Node& n, const std::string& path) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) type_error(path, "[]string");
  for (const auto& item : n) out.push_back(scalar(item, path));
  return out;
}

std::vector<KeyConfig> decode_keys(const YAML::Node& n, const std::string& path) {
  if (!n.IsMap()) type_error(path, "apiserver.AESConfiguration");
  only_fields(n, path, {"keys"});
  std::vector<KeyConfig> keys;
  const auto list = n["keys"];
  if (list && !list.IsNull()) {
    if (!list.IsSequence()) type_error(path + ".keys", "[]apiserver.Key");
    for (const auto& k : list) {
      if (!k.IsMap()) type_error(path + ".keys", "apiserver.Key");
      only_fields(k, path + ".keys", {"name", "secret"});
      keys.push_back(
          {scalar(k["name"], path + ".keys.name"), scalar(k["secret"], path + ".keys.secret")});
    }
  }
  return keys;
}

KmsConfig decode_kms(const YAML::Node& n, const std::string& path) {
  if (!n.IsMap()) type_error(path, "apiserver.KMSConfiguration");
  only_fields(n, path, {"apiVersion", "name", "endpoint", "cachesize", "timeout"});
  KmsConfig k;
  k.api_version = scalar(n["apiVersion"], path + ".apiVersion");
  k.name = scalar(n["name"], path + ".name");
  k.endpoint = scalar(n["endpoint"], path + ".endpoint");
  if (const auto c = n["cachesize"]; c && !c.IsNull()) {
    int64_t v = 0;
    if (!c.IsScalar() || !YAML::convert<int64_t>::decode(c, v) || v < INT32_MIN || v > INT32_MAX)
      type_error(path + ".cachesize", "int32");
    k.cache_size = static_cast<int32_t>(v);
  }
  if (const auto t = n["timeout"]; t && !t.IsNull()) {
    const auto text = scalar(t, path + ".timeout");
    auto d = core::parse_go_duration(text);
    if (auto* err = std::get_if<std::string>(&d)) throw DecodeError{*err};
    k.timeout = std::get<core::Duration>(d);
  }
  // SetDefaults_KMSConfiguration: timeout 3s (above), apiVersion v1, cachesize 1000 for v1.
  if (k.api_version.empty()) k.api_version = "v1";
  if (!k.cache_size && k.api_version == "v1") k.cache_size = 1000;
  return k;
}

ProviderConfig decode_provider(const YAML::Node& n, const std::string& path) {
  if (!n.IsMap()) type_error(path, "apiserver.ProviderConfiguration");
  only_fields(n, path, {"kms", "aesgcm", "aescbc", "secretbox", "identity"});
  ProviderConfig p;
  // A present key with a null value ("identity:") is a nil pointer in Go, i.e. not set.
  auto set = [&](const char* key) { return n[key] && !n[key].IsNull(); };
  if (set("kms")) p.kms = decode_kms(n["kms"], path + ".kms");
  if (set("aesgcm")) p.aesgcm = decode_keys(n["aesgcm"], path + ".aesgcm");
  if (set("aescbc")) p.aescbc = decode_keys(n["aescbc"], path + ".aescbc");
  if (set("secretbox")) p.secretbox = decode_keys(n["secretbox"], path + ".secretbox");
  if (set("identity")) {
    if (!n["identity"].IsMap()) type_error(path + ".identity", "apiserver.IdentityConfiguration");
    only_fields(n["identity"], path + ".identity", {});
    p.identity = true;
  }
  return p;
}

EncryptionConfiguration decode(const YAML::Node& root) {
  if (!root.IsMap())
    throw DecodeError{"couldn't get version/kind; json parse error: expected an object"};
  const std::string api_version =
      root["apiVersion"] && root["apiVersion"].IsScalar() ? root["apiVersion"].Scalar() : "";
  const std::string kind = root["kind"] && root["kind"].IsScalar() ? root["kind"].Scalar() : "";
  if (kind.empty()) throw DecodeError{"Object 'Kind' is missing in the configuration"};
  if (api_version != kGroupVersion || kind != kKind)
    throw DecodeError{"no kind " + go_quote(kind) + " is registered for version " +
                      go_quote(api_version) + " in scheme " + go_quote(kSchemeName)};
  only_fields(root, "", {"apiVersion", "kind", "resources"});
  EncryptionConfiguration c;
  const auto list = root["resources"];
  if (!list || list.IsNull()) return c;
  if (!list.IsSequence()) type_error("resources", "[]apiserver.ResourceConfiguration");
  for (const auto& r : list) {
    if (!r.IsMap()) type_error("resources", "apiserver.ResourceConfiguration");
    only_fields(r, "resources", {"resources", "providers"});
    ResourceConfig rc;
    rc.resources = string_list(r["resources"], "resources.resources");
    if (const auto ps = r["providers"]; ps && !ps.IsNull()) {
      if (!ps.IsSequence()) type_error("resources.providers", "[]apiserver.ProviderConfiguration");
      for (const auto& p : ps) rc.providers.push_back(decode_provider(p, "resources.providers"));
    }
    c.resources.push_back(std::move(rc));
  }
  return c;
}

// --- validation ([AS] validation_encryption.go) -------------------------------------------

std::string required(const std::string& path, const std::string& detail) {
  return path + ": Required value: " + detail;
}
std::string invalid(const std::string& path, const std::string& value, const std::string& detail) {
  return path + ": Invalid value: " + value + ": " + detail;
}
std::string idx(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string go_string_slice(const std::vector<std::string>& v) {
  std::string out = "[]string{";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + go_quote(v[i]);
  return out + "}";
}

// %#v of the provider element; Go prints pointer addresses, which differ per run (U: shown as
// 0xc000000000 for any set field).
std::string go_provider(const ProviderConfig& p) {
  auto ptr = [](const char* type, bool set) {
    return std::string("(*apiserver.") + type + ")(" + (set ? "0xc000000000" : "nil") + ")";
  };
  return "apiserver.ProviderConfiguration{AESGCM:" + ptr("AESConfiguration", p.aesgcm.has_value()) +
         ", AESCBC:" + ptr("AESConfiguration", p.aescbc.has_value()) +
         ", Secretbox:" + ptr("SecretboxConfiguration", p.secretbox.has_value()) +
         ", Identity:" + ptr("IdentityConfiguration", p.identity) +
         ", KMS:" + ptr("KMSConfiguration", p.kms.has_value()) + "}";
}

void validate_overlap(const std::vector<std::string>& resources, const std::string& path,
                      std::vector<std::string>& errs) {
  if (resources.size() < 2) return;
  std::vector<GroupResource> r;
  for (const auto& s : resources) r.push_back(parse_group_resource(s));
  bool overlap = false, duplicate = false;
  const GroupResource any{"*", "*"};
  for (size_t i = 0; i < r.size(); ++i)
    for (size_t j = 0; j < r.size(); ++j) {
      if (i == j) continue;
      if (r[i] == r[j] && !duplicate) {
        duplicate = true;
        continue;
      }
      if (overlap) continue;
      if (r[i] == any) {
        overlap = true;
        continue;
      }
      if (r[i].group != r[j].group) continue;
      if (r[i].resource == "*" || r[j].resource == "*") overlap = true;
    }
  if (duplicate)
    errs.push_back(invalid(path, go_string_slice(resources),
                           "the same resource cannot be specified multiple times"));
  if (overlap)
    errs.push_back(invalid(path, go_string_slice(resources),
                           "using overlapping resources such as 'secrets' and '*.' in the same "
                           "resource list is not allowed as they will be masked"));
}

void validate_names(const std::vector<std::string>& resources, const std::string& path,
                    std::vector<std::string>& errs) {
  for (size_t j = 0; j < resources.size(); ++j) {
    const auto& res = resources[j];
    const auto p = idx(path, j);
    const auto q = go_quote(res);
    std::string lower = res;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto gr = parse_group_resource(res);
    if (lower != res)
      errs.push_back(invalid(p, q, "resource name should not contain capital letters"));
    else if (res == "*")
      errs.push_back(invalid(p, q,
                             "use '*.' to encrypt all the resources from core API group or *.* "
                             "to encrypt all resources"));
    else if (res == "apiserveripinfo" || res == "serviceipallocations" ||
             res == "servicenodeportallocations")
      errs.push_back(invalid(p, q, "resources which do not have REST API/s cannot be encrypted"));
    else if (gr.group == "events.k8s.io")
      errs.push_back(invalid(p, q,
                             "'*.events.k8s.io' objects are stored using the 'events' API group "
                             "in etcd. Use 'events' instead in the config file"));
    else if (gr.group == "extensions")
      errs.push_back(invalid(p, q,
                             "'extensions' group has been removed and cannot be used for "
                             "encryption"));
    else if (gr.group == "*" && gr.resource != "*")
      errs.push_back(invalid(p, q, "encrypting the same resource across groups is not supported"));
  }
}

void validate_keys(const std::vector<KeyConfig>& keys, const std::string& path,
                   const std::vector<size_t>& sizes, std::vector<std::string>& errs) {
  if (keys.empty()) {
    errs.push_back(required(path, "at least one keys is required"));
    return;
  }
  std::string expected = "[";
  for (size_t i = 0; i < sizes.size(); ++i) expected += (i ? " " : "") + std::to_string(sizes[i]);
  expected += "]";
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto p = idx(path, i);
    if (keys[i].name.empty())
      errs.push_back(required(p + ".name", "name is a mandatory field for a key"));
    if (keys[i].secret.empty()) {
      errs.push_back(required(p + ".secret", "secret is a mandatory field for a key"));
      continue;
    }
    auto secret = core::base64_decode(keys[i].secret);
    if (!secret) {
      errs.push_back(invalid(p + ".secret", "\"REDACTED\"", "secrets must be base64 encoded"));
      continue;
    }
    if (std::find(sizes.begin(), sizes.end(), secret->size()) == sizes.end())
      errs.push_back(invalid(p + ".secret", "\"REDACTED\"",
                             "secret is not of the expected length, got " +
                                 std::to_string(secret->size()) + ", expected one of " + expected));
  }
}

// net/url.Parse errors kube-apiserver can meet in an endpoint (control characters, a colon in
// the first segment); anything else parses.
struct ParsedUrl {
  std::string scheme, error;
};

ParsedUrl url_scheme(const std::string& endpoint) {
  for (unsigned char c : endpoint)
    if (c < 0x20 || c == 0x7f)
      return {"", "parse " + go_quote(endpoint) + ": net/url: invalid control character in URL"};
  const auto colon = endpoint.find(':');
  if (colon == std::string::npos) return {};  // a relative path
  if (colon == 0) return {"", "parse " + go_quote(endpoint) + ": missing protocol scheme"};
  std::string scheme = endpoint.substr(0, colon);
  bool valid = std::isalpha(static_cast<unsigned char>(scheme[0]));
  for (unsigned char c : scheme)
    valid = valid && (std::isalnum(c) || c == '+' || c == '-' || c == '.');
  if (!valid)
    return {"", "parse " + go_quote(endpoint) + ": first path segment in URL cannot contain colon"};
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {scheme, ""};
}

void validate_kms(const KmsConfig& k, const std::string& path, const std::set<std::string>& names,
                  bool reload, std::vector<std::string>& errs) {
  if (k.name.empty())
    errs.push_back(required(path + ".name", "name is a mandatory field for a provider"));
  if (k.api_version != "v1" && k.name.find(':') != std::string::npos)
    errs.push_back(invalid(path + ".name", go_quote(k.name),
                           "invalid KMS provider name " + k.name + ", must not contain ':'"));
  if ((reload || k.api_version != "v1") && names.count(k.name))
    errs.push_back(invalid(path + ".name", go_quote(k.name),
                           "duplicate KMS provider name " + k.name + ", names must be unique"));
  if (k.timeout <= core::Duration(0))
    errs.push_back(invalid(path + ".timeout", go_duration_string(k.timeout),
                           "timeout should be a positive value"));
  if (k.endpoint.empty()) {
    errs.push_back(invalid(path + ".endpoint", "\"\"", "endpoint is a mandatory field for a kms"));
  } else {
    const auto url = url_scheme(k.endpoint);
    if (!url.error.empty())
      errs.push_back(invalid(path + ".endpoint", go_quote(k.endpoint),
                             "invalid endpoint for kms provider, error: " + url.error));
    else if (url.scheme != "unix")
      errs.push_back(invalid(path + ".endpoint", go_quote(k.endpoint),
                             "unsupported scheme " + go_quote(url.scheme) +
                                 " for KMS provider, only unix is supported"));
  }
  if (k.api_version != "v1" && k.cache_size)
    errs.push_back(invalid(path + ".cachesize", std::to_string(*k.cache_size),
                           "cachesize is not supported in v2"));
  if (k.api_version == "v1" && k.cache_size && *k.cache_size == 0)
    errs.push_back(invalid(path + ".cachesize", "0",
                           "cachesize should be a positive value, or negative to disable"));
  if (k.api_version != "v1" && k.api_version != "v2")
    errs.push_back(invalid(path + ".apiVersion", go_quote(k.api_version),
                           "unsupported apiVersion apiVersion for KMS provider, only v1 and v2 "
                           "are supported"));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ConfigError(
        "error while parsing file: error while loading file: error reading "
        "encryption provider configuration file " +
        go_quote(path) + ": open " + path + ": no such file or directory");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.empty())
    throw ConfigError(
        "error while parsing file: error while loading file: encryption provider "
        "configuration file " +
        go_quote(path) + " is empty");
  return data;
}

}  // namespace

GroupResource parse_group_resource(std::string_view s) {
  const auto dot = s.find('.');
  if (dot == std::string_view::npos) return {std::string(s), ""};
  return {std::string(s.substr(0, dot)), std::string(s.substr(dot + 1))};
}

std::string yaml_string(const GroupResource& gr) {
  if (gr.group.empty() && gr.resource == "*") return "*.";
  return gr.group.empty() ? gr.resource : gr.resource + "." + gr.group;
}

std::string go_duration_string(core::Duration d) {
  using namespace std::chrono;
  auto ns = duration_cast<nanoseconds>(d).count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-ns) : static_cast<uint64_t>(ns);
  auto frac = [](uint64_t v, uint64_t unit) {
    std::string out = std::to_string(v / unit);
    if (uint64_t rest = v % unit) {
      std::string f = std::to_string(rest);
      f.insert(0, std::to_string(unit).size() - 1 - f.size(), '0');
      while (!f.empty() && f.back() == '0') f.pop_back();
      out += "." + f;
    }
    return out;
  };
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) return sign + frac(u, 1'000) + "\xc2\xb5s";
  if (u < 1'000'000'000) return sign + frac(u, 1'000'000) + "ms";
  std::string out;
  const uint64_t h = u / 3'600'000'000'000ULL, m = (u / 60'000'000'000ULL) % 60;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  out += frac(u % 60'000'000'000ULL, 1'000'000'000) + "s";
  return sign + out;
}

EncryptionConfiguration decode_encryption_configuration(std::string_view text,
                                                        const std::string& path) {
  const std::string prefix =
      "error decoding encryption provider configuration file " + go_quote(path) + ": ";
  try {
    return decode(YAML::Load(std::string(text)));
  } catch (const DecodeError& e) {
    throw ConfigError(prefix + e.message);
  } catch (const YAML::Exception& e) {
    throw ConfigError(prefix + "error converting YAML to JSON: yaml: " + e.msg);
  }
}

std::vector<std::string> validate_encryption_configuration(const EncryptionConfiguration& c,
                                                           bool reload) {
  std::vector<std::string> errs;
  if (c.resources.empty()) return {required("resources", "at least one resources is required")};
  std::set<std::string> kms_names;
  for (size_t i = 0; i < c.resources.size(); ++i) {
    const auto& conf = c.resources[i];
    const auto r = idx("resources", i) + ".resources", p = idx("resources", i) + ".providers";
    if (conf.resources.empty()) errs.push_back(required(r, "at least one " + r + " is required"));
    validate_overlap(conf.resources, r, errs);
    validate_names(conf.resources, r, errs);
    if (conf.providers.empty()) errs.push_back(required(p, "at least one " + p + " is required"));
    for (size_t j = 0; j < conf.providers.size(); ++j) {
      const auto& pr = conf.providers[j];
      const auto path = idx(p, j);
      const int found = pr.kms.has_value() + pr.aesgcm.has_value() + pr.aescbc.has_value() +
                        pr.secretbox.has_value() + pr.identity;
      if (found == 0)
        errs.push_back(invalid(path, go_provider(pr),
                               "provider does not contain any of the expected providers: KMS, "
                               "AESGCM, AESCBC, Secretbox, Identity"));
      if (found > 1)
        errs.push_back(invalid(path, go_provider(pr),
                               "more than one provider specified in a single element, should "
                               "split into different list elements"));
      if (pr.kms) {
        validate_kms(*pr.kms, path + ".kms", kms_names, reload, errs);
        kms_names.insert(pr.kms->name);
      } else if (pr.aesgcm) {
        validate_keys(*pr.aesgcm, path + ".aesgcm.keys", {16, 24, 32}, errs);
      } else if (pr.aescbc) {
        validate_keys(*pr.aescbc, path + ".aescbc.keys", {16, 24, 32}, errs);
      } else if (pr.secretbox) {
        validate_keys(*pr.secretbox, path + ".secretbox.keys", {32}, errs);
      }
    }
  }
  return errs;
}

std::string encryption_config_hash(const std::string& path) {
  return hash_if_not_empty(read_file(path));
}

LoadedConfiguration load_encryption_configuration(const std::string& path, bool reload) {
  const std::string data = read_file(path);
  LoadedConfiguration out;
  out.content_hash = hash_if_not_empty(data);
  try {
    out.config = decode_encryption_configuration(data, path);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("error while parsing file: ") + e.what());
  }
  if (auto errs = validate_encryption_configuration(out.config, reload); !errs.empty())
    throw ConfigError("error while parsing file: " + aggregate(errs));
  return out;
}

}  // namespace kmslab::apiserver::encryption
