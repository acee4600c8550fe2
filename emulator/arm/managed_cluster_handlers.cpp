// Microsoft.ContainerService/managedClusters, the AKS resource provider (aks.md §3):
// PUT 201 Creating / 200 Updating|Upgrading with Azure-AsyncOperation, the operation ending when
// the control planes report (ControlPlanes::apply), GET, list by group and subscription, DELETE
// 202, listClusterUserCredential / listClusterAdminCredential, op-status.
// Clusters persist under /aks/clusters/{lower(id)}; egress addresses count up in /aks/egress.
#include <algorithm>

#include "emulator/aks/errors.hpp"
#include "emulator/aks/names.hpp"
#include "emulator/arm/call.hpp"
#include "emulator/arm/errors.hpp"
#include "emulator/arm/json_fields.hpp"
#include "emulator/arm/managed_cluster_json.hpp"
#include "emulator/core/base64url.hpp"
#include "emulator/core/json_input.hpp"

namespace kmslab::arm {

using core::Reply;
using core::Result;
using nlohmann::json;

namespace {

const std::string kClusterPrefix = "/aks/clusters/";
const std::string kEgressKey = "/aks/egress";
const std::string kPePrefix = "/arm/pe/";  // private_link_handlers.cpp's records

std::string cluster_id(const std::string& sub, const std::string& group, const std::string& name) {
  return "/subscriptions/" + sub + "/resourcegroups/" + group +
         "/providers/Microsoft.ContainerService/managedClusters/" + name;
}

int64_t now_ms(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
      .count();
}

std::string requested_version(const aks::ManagedCluster* old, const json& props) {
  auto it = props.find("kubernetesVersion");
  if (it != props.end() && it->is_string() && !it->get<std::string>().empty()) {
    return it->get<std::string>();
  }
  return old ? old->current_kubernetes_version : aks::kDefaultKubernetesVersion;
}

std::optional<core::ApiError> check_pools(const json& props) {
  const json pools = props.value("agentPoolProfiles", json::array());
  bool system = false;
  for (const auto& p : pools) {
    if (p.value("mode", "User") != "System") continue;
    system = true;
    if (p.value("count", 0) < 1 && !p.value("enableAutoScaling", false)) {
      return aks::errors::system_pool_count(p.value("name", ""));
    }
  }
  if (!system) {
    return errors::bad_request(
        "A managed cluster needs at least one agent pool of mode System "
        "(properties.agentPoolProfiles).");
  }
  return std::nullopt;
}

}  // namespace

std::optional<aks::ManagedCluster> ArmService::find_cluster(const std::string& group,
                                                            const std::string& name) const {
  auto kv = store_.get(kClusterPrefix +
                       core::to_lower(cluster_id(options_.subscription_id, group, name)));
  if (!kv) return std::nullopt;
  return aks::ManagedCluster::from_json(json::parse(kv->value));
}

std::vector<aks::ManagedCluster> ArmService::all_clusters() const {
  std::vector<aks::ManagedCluster> out;
  for (const auto& kv : store_.range(kClusterPrefix).kvs) {
    out.push_back(aks::ManagedCluster::from_json(json::parse(kv.value)));
  }
  return out;
}

void ArmService::save_cluster(const aks::ManagedCluster& c, std::vector<store::Op> with) {
  with.push_back(store::Op::put(kClusterPrefix + c.lower_id(), c.to_json().dump()));
  store_.txn({{}, std::move(with), {}});
}

aks::ValidationContext ArmService::aks_context() const {
  return {vaults_,          keys_,  directory_,         &assignments_,
          options_.subnets, clock_, options_.tenant_id, grandfathered()};
}

Reply ArmService::with_operation_headers(const Call& call, Reply reply,
                                         const aks::ManagedCluster& c) const {
  reply.headers.emplace_back("Azure-AsyncOperation",
                             call.base_url() + "/subscriptions/" + options_.subscription_id +
                                 "/providers/Microsoft.ContainerService/locations/" + c.location +
                                 "/operations/" + c.operation.id + "?api-version=2016-03-30");
  reply.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_seconds));
  return reply;
}

Reply ArmService::cluster_reply(const Call& call, const aks::ManagedCluster& c, unsigned status) {
  (void)call;
  Reply r = Reply::ordered(
      cluster_json({c, directory_, options_.subscription_id, options_.tenant_id}), status);
  r.content_type = "application/json";  // no charset (aks-recorded.md §1)
  return r;
}

// The connection AKS makes for a private vault (R1): a private endpoint in the node resource
// group, in the cluster's API server subnet, auto-approved on the vault (the identity's Key
// Vault Contributor role was checked first, R5). Under write_mu_.
void ArmService::connect_private_vault(const aks::ManagedCluster& c) {
  auto parts = aks::parse_key_id(c.kms().key_id);
  auto vault = parts ? vaults_.find(parts->vault) : std::nullopt;
  if (!vault) return;
  const std::string pe_name = "kms-" + c.name + "-" + c.fqdn_hash;  // [U] AKS's naming
  const std::string pe_id = "/subscriptions/" + options_.subscription_id + "/resourceGroups/" +
                            c.node_resource_group() +
                            "/providers/Microsoft.Network/privateEndpoints/" + pe_name;
  const std::string subnet = c.api_server_subnet_id(options_.subscription_id);
  auto& conns = vault->private_endpoint_connections;
  conns.erase(std::remove_if(conns.begin(), conns.end(),
                             [&](const auto& x) {
                               return core::to_lower(x.private_endpoint_id) ==
                                      core::to_lower(pe_id);
                             }),
              conns.end());
  conns.push_back({pe_name + "." + rng_.uuid(), pe_id, subnet, "Approved", "Auto-Approved",
                   "W/\"" + rng_.uuid() + "\"", "Succeeded"});
  vaults_.put(*vault);
  OrderedJson link = {{"name", pe_name},
                      {"id", pe_id + "/privateLinkServiceConnections/" + pe_name},
                      {"properties",
                       {{"provisioningState", "Succeeded"},
                        {"privateLinkServiceId", vault->resource_id()},
                        {"groupIds", {"vault"}},
                        {"privateLinkServiceConnectionState",
                         {{"status", "Approved"},
                          {"description", "Auto-Approved"},
                          {"actionsRequired", "None"}}}}}};
  OrderedJson pe = {{"name", pe_name},
                    {"id", pe_id},
                    {"type", "Microsoft.Network/privateEndpoints"},
                    {"location", c.location},
                    {"properties",
                     {{"provisioningState", "Succeeded"},
                      {"subnet", {{"id", subnet}}},
                      {"privateLinkServiceConnections", {link}},
                      {"manualPrivateLinkServiceConnections", OrderedJson::array()},
                      {"networkInterfaces", OrderedJson::array()},
                      {"customDnsConfigs", OrderedJson::array()}}}};
  store_.put(kPePrefix + core::to_lower(pe_id), pe.dump());
}

// With API Server VNet Integration the plugins' traffic leaves from the API server subnet. A
// private key on a Konnectivity cluster (N2's grandfathered subscriptions) goes through the
// cluster's VNet too, to the private endpoint AKS placed there (one subnet id for both [U]).
void ArmService::register_subnet(const aks::ManagedCluster& c) {
  if (!options_.subnets || c.egress_address.empty()) return;
  auto range = core::parse_ipv4_cidr(c.egress_address);
  if (!range) return;
  const bool private_key = std::any_of(c.keys.begin(), c.keys.end(), [](const aks::KeySlot& k) {
    return k.network_access == "Private";
  });
  if (c.vnet_integration() || private_key) {
    options_.subnets->set(*range, c.api_server_subnet_id(options_.subscription_id));
  } else {
    options_.subnets->remove(*range);
  }
}

Result<aks::ManagedCluster> ArmService::admit_cluster(const aks::ManagedCluster* old,
                                                      aks::ManagedCluster next, bool* apply) {
  auto version = aks::parse_kube_version(requested_version(old, next.properties));
  if (!version) return aks::errors::version_invalid(requested_version(old, next.properties));
  next.current_kubernetes_version = version->to_string();
  if (auto e = check_pools(next.properties)) return *e;
  const auto ctx = aks_context();
  if (auto e = aks::validate_cluster(old, next, ctx)) return *e;
  const bool checkpoint = aks::kms_checkpoint(old, next);
  auto dropped = aks::update_keys(old, next, next.current_kubernetes_version, options_.aks);
  next.operation = aks::Operation{};
  next.operation.id = rng_.uuid();
  next.operation.start = now_ms(clock_);
  next.operation.running_state =
      !old ? "Creating"
           : (old->current_kubernetes_version != next.current_kubernetes_version ? "Upgrading"
                                                                                 : "Updating");
  next.provisioning_state = next.operation.running_state;
  *apply = true;
  if (checkpoint && next.kms().private_access()) {
    if (auto e = aks::check_private_runtime(next, ctx)) {
      // I6: the operation fails with AKS's generic error; the detail says why [U].
      next.operation.status = "Failed";
      next.operation.end = next.operation.start;
      next.operation.error_code = "InternalOperationError";
      next.operation.error_message = "Internal server error";
      next.operation.error_details = json::array({{{"code", e->code}, {"message", e->message}}});
      next.provisioning_state = "Failed";
      *apply = false;
    } else {
      connect_private_vault(next);
    }
  }
  if (*apply && dropped) {
    next.operation.waiting_provider = dropped->provider_name;
    next.operation.dropped_key = dropped;
    next.operation.waiting_for_migration = !migration_done(next);
    *apply = !next.operation.waiting_for_migration;
  }
  register_subnet(next);
  return next;
}

bool ArmService::migration_done(aks::ManagedCluster& c) const {
  if (!c.operation.waiting_for_migration && c.operation.waiting_provider.empty()) return true;
  auto in_use = control_planes_->provider_in_use(c.lower_id(), c.operation.waiting_provider);
  return !in_use.value_or(false);
}

Result<aks::ManagedCluster> ArmService::accept_cluster(const Call& call, const Build& build) {
  aks::ManagedCluster accepted;
  bool apply = false;
  {
    std::lock_guard l(write_mu_);
    auto group = group_of(call);
    if (!group) return group.error();
    auto old = find_cluster(group->name, call.param("name"));
    if (old && old->broken)
      return aks::errors::cluster_unrecoverable(old->name, old->broken_reason);
    if (old && old->operation.running()) {
      return aks::errors::operation_in_progress(old->operation.running_state);
    }
    auto next = build(old ? &*old : nullptr);
    if (!next) return next.error();
    std::vector<store::Op> with;
    if (!old) {
      next->id = "/subscriptions/" + options_.subscription_id + "/resourcegroups/" + group->name +
                 "/providers/Microsoft.ContainerService/managedClusters/" + call.param("name");
      next->resource_group = group->name;
      next->fqdn_hash = aks::fqdn_hash(next->lower_id());
      next->kubelet_client_id = rng_.uuid();
      next->kubelet_object_id = rng_.uuid();
      auto kv = store_.get(kEgressKey);
      const uint32_t index = kv ? static_cast<uint32_t>(std::stoul(kv->value)) : 0;
      auto address = aks::egress_address(index);
      if (!address) return errors::bad_request("No egress address is left for a new cluster.");
      next->egress_address = *address;
      with.push_back(store::Op::put(kEgressKey, std::to_string(index + 1)));
    }
    auto admitted = admit_cluster(old ? &*old : nullptr, std::move(*next), &apply);
    if (!admitted) return admitted.error();
    if (!old) {
      groups_.put({admitted->node_resource_group(), admitted->location, json::object()});
    }
    save_cluster(*admitted, std::move(with));
    accepted = std::move(*admitted);
  }
  if (apply) apply_cluster(accepted);
  // The reply shows the operation running, whatever the control planes said meanwhile.
  accepted.provisioning_state = accepted.operation.running_state;
  return accepted;
}

void ArmService::apply_cluster(const aks::ManagedCluster& c, bool report) {
  aks::IdentityRef ref;
  if (auto id = aks::user_assigned_identity_id(c.identity)) {
    if (auto m = directory_.find_managed_identity(*id)) ref = {m->client_id, m->id};
  }
  const auto spec = aks::spec_of(c, options_.tenant_id, ref, options_.aks);
  std::weak_ptr<Link> weak = link_;
  control_planes_->apply(spec, [weak, report, id = c.lower_id(),
                                op = c.operation.id](const aks::ControlPlaneState& state) {
    auto link = report ? weak.lock() : nullptr;
    if (!link) return;
    std::lock_guard l(link->mu);
    if (link->self) link->self->finish_operation(id, op, state);
  });
}

void ArmService::finish_operation(const std::string& lower_id, const std::string& op_id,
                                  const aks::ControlPlaneState& state) {
  std::lock_guard l(write_mu_);
  auto kv = store_.get(kClusterPrefix + lower_id);
  if (!kv) return;
  auto c = aks::ManagedCluster::from_json(json::parse(kv->value));
  if (c.operation.id != op_id || !c.operation.running()) return;
  c.operation.end = now_ms(clock_);
  if (state.phase == aks::ControlPlaneState::Phase::kFailed) {
    c.operation.status = "Failed";
    c.operation.error_code = "ControlPlaneFailed";  // [U]
    c.operation.error_message = state.message;
    c.provisioning_state = "Failed";
  } else {
    c.operation.status = "Succeeded";
    c.provisioning_state = "Succeeded";
  }
  save_cluster(c);
}

Result<Reply> ArmService::put_cluster(Call& call) {
  const std::string& name = call.param("name");
  if (name.empty() || name.size() > 63)
    return errors::invalid_resource_name(name, "managedClusters");
  auto body = call.body();
  if (!body) return body.error();
  auto request = parse_cluster_request(*body);
  if (!request) return request.error();
  const std::string api_version = call.api_version;
  auto accepted =
      accept_cluster(call, [&](const aks::ManagedCluster* old) -> Result<aks::ManagedCluster> {
        aks::ManagedCluster next = old ? *old : aks::ManagedCluster{};
        if (!old) {
          if (!request->location) return errors::location_required();
          next.name = name;
          next.location = normalise_location(*request->location);
        }
        next.tags = request->tags;
        next.identity = request->identity;
        if (next.identity.value("type", "") == "SystemAssigned") {
          next.identity["principalId"] =
              old ? old->identity.value("principalId", rng_.uuid()) : rng_.uuid();
        }
        next.properties = request->properties;
        if (old) keep_unknown_fields(old->properties, next.properties, api_version);
        return next;
      });
  if (!accepted) return accepted.error();
  const bool created = accepted->operation.running_state == "Creating";
  return with_operation_headers(call, cluster_reply(call, *accepted, created ? 201 : 200),
                                *accepted);
}

Result<Reply> ArmService::get_cluster(Call& call) {
  if (auto e = check_group(call)) return *e;
  auto c = find_cluster(call.param("rg"), call.param("name"));
  if (!c) return aks::errors::cluster_not_found(call.param("name"), call.param("rg"));
  return cluster_reply(call, *c, 200);
}

Result<Reply> ArmService::list_clusters_in_group(Call& call) {
  if (auto e = check_group(call)) return *e;
  OrderedJson value = OrderedJson::array();
  for (const auto& c : all_clusters()) {
    if (core::to_lower(c.resource_group) != core::to_lower(call.param("rg"))) continue;
    value.push_back(cluster_json({c, directory_, options_.subscription_id, options_.tenant_id}));
  }
  return Reply::ordered(OrderedJson{{"value", value}});
}

Result<Reply> ArmService::list_clusters(Call&) {
  OrderedJson value = OrderedJson::array();
  for (const auto& c : all_clusters()) {
    value.push_back(cluster_json({c, directory_, options_.subscription_id, options_.tenant_id}));
  }
  return Reply::ordered(OrderedJson{{"value", value}});
}

// 202 + Azure-AsyncOperation + Location (aks-recorded.md §1, delete --no-wait). The processes
// stop and their data goes with the cluster, its node resource group, private endpoint and
// subnet registration.
Result<Reply> ArmService::delete_cluster(Call& call) {
  std::string lower_id;
  std::string location;
  {
    std::lock_guard l(write_mu_);
    if (auto e = check_group(call)) return *e;
    auto c = find_cluster(call.param("rg"), call.param("name"));
    if (!c) return Reply::empty(204);
    lower_id = c->lower_id();
    location = c->location;
    std::vector<store::Op> ops = {store::Op::del(kClusterPrefix + lower_id),
                                  groups_.erase_op(c->node_resource_group())};
    const std::string node_prefix =
        core::to_lower("/subscriptions/" + options_.subscription_id + "/resourceGroups/" +
                       c->node_resource_group() + "/");
    ops.push_back(store::Op::del_prefix(kPePrefix + node_prefix));
    store_.txn({{}, ops, {}});
    for (auto vault : vaults_.list()) {
      auto& conns = vault.private_endpoint_connections;
      const size_t before = conns.size();
      conns.erase(
          std::remove_if(conns.begin(), conns.end(),
                         [&](const auto& x) {
                           return core::to_lower(x.private_endpoint_id).rfind(node_prefix, 0) == 0;
                         }),
          conns.end());
      if (conns.size() != before) vaults_.put(vault);
    }
    if (options_.subnets) {
      if (auto range = core::parse_ipv4_cidr(c->egress_address)) options_.subnets->remove(*range);
    }
  }
  control_planes_->remove(lower_id);
  const std::string op = new_operation();
  const std::string base = call.base_url() + "/subscriptions/" + options_.subscription_id +
                           "/providers/Microsoft.ContainerService/locations/" + location;
  Reply reply = Reply::empty(202);
  reply.headers.emplace_back("Azure-AsyncOperation",
                             base + "/operations/" + op + "?api-version=2016-03-30");
  reply.headers.emplace_back("Location",
                             base + "/operationresults/" + op + "?api-version=2016-03-30");
  reply.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_seconds));
  return reply;
}

Result<Reply> ArmService::list_user_credential(Call& call) {
  return credentials(call, false);
}

Result<Reply> ArmService::list_admin_credential(Call& call) {
  return credentials(call, true);
}

// CredentialResults {"kubeconfigs":[{"name","value": base64 kubeconfig}]} (python3-azure
// v2022_11_01). The first entry's server is the cluster's FQDN (az aks get-credentials writes
// it; the CONNECT proxy reaches it); a second entry "kmslab-loopback", present while the
// apiserver serves, points at its loopback URL.
Result<Reply> ArmService::credentials(Call& call, bool admin) {
  if (auto e = check_group(call)) return *e;
  auto c = find_cluster(call.param("rg"), call.param("name"));
  if (!c) return aks::errors::cluster_not_found(call.param("name"), call.param("rg"));
  if (c->broken) return aks::errors::cluster_unrecoverable(c->name, c->broken_reason);
  auto state = control_planes_->state(c->lower_id());
  const auto* s = state ? &*state : nullptr;
  OrderedJson list = OrderedJson::array();
  list.push_back(
      {{"name", admin ? "clusterAdmin" : "clusterUser"},
       {"value", core::base64_encode(kubeconfig(*c, s, admin, "https://" + c->fqdn() + ":443"))}});
  if (s && !s->apiserver_url.empty()) {
    list.push_back({{"name", "kmslab-loopback"},
                    {"value", core::base64_encode(kubeconfig(*c, s, admin, s->apiserver_url))}});
  }
  return Reply::ordered(OrderedJson{{"kubeconfigs", list}});
}

Result<Reply> ArmService::cluster_operation(Call& call) {
  const std::string op = core::to_lower(call.param("op"));
  std::optional<aks::ManagedCluster> apply;
  OrderedJson body;
  {
    std::lock_guard l(write_mu_);
    for (auto& c : all_clusters()) {
      if (core::to_lower(c.operation.id) != op) continue;
      if (c.operation.running() && c.operation.waiting_for_migration && migration_done(c)) {
        c.operation.waiting_for_migration = false;
        save_cluster(c);
        apply = c;
      }
      body = operation_json(c.operation);
      break;
    }
  }
  if (apply) apply_cluster(*apply);
  if (!body.is_null()) {
    // azure-core's ARMPolling waits for each poll answer's Retry-After, else 30 s; the real RP
    // sends none, so this is the same emulator choice as on the PUT (--lro-retry-after).
    Reply reply = Reply::ordered(body);
    if (body.value("status", "") == "InProgress") {
      reply.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_seconds));
    }
    return reply;
  }
  if (operations_.contains(op)) {  // a delete: done when answered
    aks::Operation done;
    done.id = op;
    done.status = "Succeeded";
    done.start = done.end = now_ms(clock_);
    return Reply::ordered(operation_json(done));
  }
  return errors::operation_not_found(call.param("op"));
}

// The Location of a stop/start (final-state-via location): 202 while the cluster's operation
// runs, then 204 (no body, as begin_stop/begin_start expect); a delete's is done at once.
Result<Reply> ArmService::cluster_operation_result(Call& call) {
  const std::string op = core::to_lower(call.param("op"));
  for (const auto& c : all_clusters()) {
    if (core::to_lower(c.operation.id) != op) continue;
    if (!c.operation.running()) return Reply::empty(204);
    Reply r = Reply::empty(202);
    r.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_seconds));
    return r;
  }
  if (operations_.contains(op)) return Reply::empty(204);
  return errors::operation_not_found(call.param("op"));
}

void ArmService::resume_clusters() {
  std::vector<aks::ManagedCluster> clusters;
  {
    std::lock_guard l(write_mu_);
    for (auto& c : all_clusters()) {
      register_subnet(c);
      // An operation the restart interrupted restarts with its processes.
      clusters.push_back(std::move(c));
    }
  }
  for (auto& c : clusters) {
    if (!c.operation.waiting_for_migration || !c.operation.dropped_key) {
      apply_cluster(c);
      continue;
    }
    // A rotation still waiting for its migration (I8): the keys from before it, and the
    // operation keeps waiting.
    c.keys.erase(c.keys.begin());
    c.keys.push_back(*c.operation.dropped_key);
    apply_cluster(c, false);
  }
}

}  // namespace kmslab::arm
