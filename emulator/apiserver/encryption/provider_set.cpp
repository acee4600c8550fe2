#include "emulator/apiserver/encryption/provider_set.hpp"

#include <map>
#include <mutex>

#include "emulator/apiserver/encryption/aescbc.hpp"
#include "emulator/apiserver/encryption/aesgcm.hpp"
#include "emulator/apiserver/encryption/config.hpp"
#include "emulator/apiserver/encryption/encryption_metrics.hpp"
#include "emulator/apiserver/encryption/identity.hpp"
#include "emulator/apiserver/encryption/kms_grpc.hpp"
#include "emulator/apiserver/encryption/kms_v1.hpp"
#include "emulator/apiserver/encryption/kms_v2_probe.hpp"
#include "emulator/apiserver/encryption/prefix.hpp"
#include "emulator/apiserver/encryption/secretbox.hpp"
#include "emulator/core/base64url.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/rng.hpp"

namespace kmslab::apiserver::encryption {
namespace {

constexpr int kNewestMinor = 32;

TransformObserver observer_for(EncryptionMetrics metrics, std::string resource) {
  return [metrics, resource](std::string_view type, std::string_view prefix,
                             std::string_view status, double seconds) mutable {
    metrics.transformations.inc(
        {resource, std::string(type), std::string(prefix), std::string(status)});
    if (status == "OK")
      metrics.transformation_duration.observe({std::string(type), std::string(prefix)}, seconds);
  };
}

// Resource lookup: exact, then *.group, then *.*, then identity that refuses encrypted data
// ([AS] config.go transformerFromOverrides). Each resource gets its own view of its rule's
// transformer, so the transformation metric names the resource ("secrets", "deployments.apps"),
// not the rule that matched it ("*.*"), as requestInfoTransformer does.
class Registry final : public TransformerRegistry {
 public:
  std::map<GroupResource, std::shared_ptr<PrefixTransformer>> by_resource;
  std::shared_ptr<Transformer> fallback = std::make_shared<IdentityTransformer>();
  std::vector<std::shared_ptr<void>> keep_alive;  // the metrics handles, the rng if owned
  std::shared_ptr<EncryptionMetrics> metrics;

  std::shared_ptr<Transformer> for_resource(std::string_view group_resource) const override {
    std::lock_guard lock(mu_);
    if (auto it = views_.find(group_resource); it != views_.end()) return it->second;
    const GroupResource gr = parse_group_resource(group_resource);
    std::shared_ptr<Transformer> out = fallback;
    for (const auto& key : {gr, GroupResource{"*", gr.group}, GroupResource{"*", "*"}}) {
      if (auto it = by_resource.find(key); it != by_resource.end()) {
        out = it->second->with_observer(observer_for(*metrics, metric_label(gr)));
        break;
      }
    }
    views_.emplace(std::string(group_resource), out);
    return out;
  }

 private:
  // schema.GroupResource.String(): "secrets", "deployments.apps".
  static std::string metric_label(const GroupResource& gr) {
    return gr.group.empty() ? gr.resource : gr.resource + "." + gr.group;
  }
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<Transformer>, std::less<>> views_;
};

struct Built {
  std::vector<PrefixEntry> entries;
  std::vector<HealthCheck> checks;  // named later, by index
  bool v1 = false, v2 = false;
};

struct Builder {
  const ProviderDeps& deps;
  core::Rng& rng;
  EncryptionMetrics& metrics;  // owned by the registry: transformers and probes point at it
  int minor;

  std::shared_ptr<Transformer> keyed(const std::vector<KeyConfig>& keys, const char* what,
                                     auto make) {
    std::vector<PrefixEntry> entries;
    for (const auto& k : keys) {
      auto secret = core::base64_decode(k.secret).value_or("");
      try {
        entries.push_back({k.name + ":", make(std::move(secret))});
      } catch (const TransformError& e) {
        throw ConfigError(std::string("error while creating cipher for named key ") + k.name +
                          ": " + e.what());
      }
    }
    return std::make_shared<PrefixTransformer>(
        std::move(entries),
        std::string("no matching key was found for the provided ") + what + " transformer");
  }

  PrefixEntry kms(const KmsConfig& k, Built& out) {
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(k.timeout);
    if (k.api_version == "v1") {
      if (minor >= 29 && !deps.kms_v1_feature_gate)
        throw ConfigError(
            "KMSv1 is deprecated and will only receive security updates going forward. Use "
            "KMSv2 instead.  Set --feature-gates=KMSv1=true to use the deprecated KMSv1 "
            "feature.");
      auto service = make_grpc_kms_v1(k.endpoint, k.name, timeout, deps.kms_calls);
      auto probe = std::make_shared<KmsV1Probe>(k.name, service, deps.clock);
      out.checks.push_back({"", [probe] { return probe->check(); }});
      out.v1 = true;
      return {
          "k8s:enc:kms:v1:" + k.name + ":",
          std::make_shared<KmsV1Transformer>(service, k.cache_size.value_or(1000), rng, &metrics)};
    }
    if (minor < 27)
      throw ConfigError("could not configure KMSv2 plugin \"" + k.name +
                        "\", KMSv2 feature is not enabled");
    KmsV2Profile profile;
    if (minor < 29) profile = {false, true, {"v2beta1"}, "v2beta1"};
    auto service = make_grpc_kms_v2(k.endpoint, k.name, timeout, &metrics, deps.kms_calls);
    auto probe = std::make_shared<KmsV2Probe>(k.name, service, deps.clock, rng, profile, &metrics,
                                              deps.apiserver_id);
    probe->start();
    out.checks.push_back({"", [probe] { return probe->check(); }});
    out.v2 = true;
    return {"k8s:enc:kms:v2:" + k.name + ":",
            std::make_shared<KmsV2Transformer>(
                service, k.name, [probe] { return probe->current_state(); }, deps.clock, rng,
                &metrics, deps.apiserver_id)};
  }

  PrefixEntry provider(const ProviderConfig& p, Built& out) {
    if (p.aesgcm)
      return {"k8s:enc:aesgcm:v1:", keyed(*p.aesgcm, "AES", [&](std::string key) {
                return std::make_shared<GcmTransformer>(std::move(key), rng);
              })};
    if (p.aescbc)
      return {"k8s:enc:aescbc:v1:", keyed(*p.aescbc, "AES", [&](std::string key) {
                return std::make_shared<CbcTransformer>(std::move(key), rng);
              })};
    if (p.secretbox)
      return {"k8s:enc:secretbox:v1:", keyed(*p.secretbox, "Secretbox", [&](std::string key) {
                return std::make_shared<SecretboxTransformer>(std::move(key), rng);
              })};
    if (p.kms) return kms(*p.kms, out);
    return {"", std::make_shared<IdentityTransformer>()};
  }
};

}  // namespace

int kubernetes_minor(const std::string& version) {
  if (version.empty()) return kNewestMinor;
  std::string_view v = version;
  if (v.starts_with("v")) v.remove_prefix(1);
  if (!v.starts_with("1.")) throw ConfigError("invalid Kubernetes version " + version);
  v.remove_prefix(2);
  int minor = 0;
  size_t i = 0;
  for (; i < v.size() && i < 3 && std::isdigit(static_cast<unsigned char>(v[i])); ++i)
    minor = minor * 10 + (v[i] - '0');
  if (i == 0 || (i < v.size() && v[i] != '.'))
    throw ConfigError("invalid Kubernetes version " + version);
  return minor;
}

ProviderSet identity_provider_set() {
  return {std::make_shared<Registry>(), {}, ""};
}

ProviderSet load_provider_set(const std::string& path, const ProviderDeps& deps) {
  const int minor = kubernetes_minor(deps.kubernetes_version);
  LoadedConfiguration loaded = load_encryption_configuration(path, deps.automatic_reload);
  auto registry = std::make_shared<Registry>();
  core::Rng* rng = deps.rng;
  if (!rng) {
    auto owned = std::make_shared<core::SystemRng>();
    rng = owned.get();
    registry->keep_alive.push_back(owned);
  }
  auto metrics = std::make_shared<EncryptionMetrics>(EncryptionMetrics::declare(deps.metrics));
  registry->keep_alive.push_back(metrics);
  registry->metrics = metrics;
  Builder builder{deps, *rng, *metrics, minor};
  std::vector<HealthCheck> checks;
  std::map<GroupResource, std::vector<PrefixEntry>> lists;
  bool v1 = false, v2 = false;
  try {
    for (const auto& rule : loaded.config.resources) {
      Built built;
      for (const auto& p : rule.providers) built.entries.push_back(builder.provider(p, built));
      for (auto& c : built.checks) checks.push_back(std::move(c));
      v1 = v1 || built.v1;
      v2 = v2 || built.v2;
      for (const auto& res : rule.resources) {
        const GroupResource gr = parse_group_resource(res);
        for (const auto& mask : {GroupResource{"*", gr.group}, GroupResource{"*", "*"}})
          if (lists.count(mask))
            throw ConfigError("resource \"" + yaml_string(gr) + "\" is masked by earlier rule \"" +
                              yaml_string(mask) + "\"");
        // A resource named in several rules reads with all of them, in order.
        auto& entries = lists[gr];
        entries.insert(entries.end(), built.entries.begin(), built.entries.end());
      }
    }
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("error while building transformers: ") + e.what());
  }
  for (auto& [gr, list] : lists)
    registry->by_resource[gr] =
        std::make_shared<PrefixTransformer>(list, "no matching prefix found");
  for (size_t i = 0; i < checks.size(); ++i) {
    checks[i].name = "kms-provider-" + std::to_string(i);
    // A check may outlive the set's registry; the rng and metrics its probe uses live there.
    checks[i].probe = [probe = std::move(checks[i].probe), registry] { return probe(); };
  }
  if (deps.automatic_reload || (v2 && !v1)) {
    // One combined check: "kms-provider-<i>: <err>" joined as Go's aggregate.
    HealthCheck combined{"kms-providers", [checks] {
                           std::vector<std::string> errs;
                           for (const auto& c : checks)
                             if (auto e = c.probe()) errs.push_back(c.name + ": " + *e);
                           return errs.empty() ? std::nullopt
                                               : std::optional<std::string>(aggregate(errs));
                         }};
    checks = {std::move(combined)};
  }
  return {registry, std::move(checks), loaded.content_hash};
}

}  // namespace kmslab::apiserver::encryption
