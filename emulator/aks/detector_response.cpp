#include "emulator/aks/detector_response.hpp"

namespace kmslab::aks {

namespace {

using Json = nlohmann::ordered_json;

// AppLens' HealthStatus order: Critical, Warning, Info, Success (statusId 0..3) [U: read from
// its public portal code, not from a recorded ARM answer].
int status_id(const std::string& status) {
  if (status == "critical") return 0;
  if (status == "warning") return 1;
  if (status == "info") return 2;
  return 3;
}

std::string insight_status(const std::string& status) {
  if (status == "critical") return "Critical";
  if (status == "warning") return "Warning";
  if (status == "info") return "Info";
  return "Success";
}

Json column(const char* name, const char* type) {
  return {{"columnName", name}, {"dataType", type}, {"columnType", nullptr}};
}

// One insight (renderingProperties.type 7): every row carries the same Status and Message and
// one Data.Name / Data.Value pair.
Json insight(const std::string& status, const std::string& message,
             const std::vector<std::pair<std::string, std::string>>& data) {
  Json rows = Json::array();
  for (const auto& [name, value] : data) rows.push_back({status, message, name, value, true, ""});
  if (rows.empty()) rows.push_back({status, message, "", "", false, ""});
  return {{"renderingProperties",
           {{"type", 7}, {"title", nullptr}, {"description", nullptr}, {"isVisible", true}}},
          {"table",
           {{"tableName", ""},
            {"columns",
             {column("Status", "String"), column("Message", "String"),
              column("Data.Name", "String"), column("Data.Value", "String"),
              column("Expanded", "Boolean"), column("Solutions", "String")}},
            {"rows", rows}}}};
}

std::string text(const nlohmann::json& v) {
  if (v.is_null()) return "";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// D4: the section "Cluster is configured to use Azure KeyVault KMS Integration" shows whether
// KMS is on and the key in use.
Json configuration_insight(const Diagnosis& d) {
  const auto& k = d.kms;
  const bool on = k.value("enabled", false);
  return insight(on ? "Success" : "Info",
                 on ? "Cluster is configured to use Azure KeyVault KMS Integration"
                    : "Cluster is not configured to use Azure KeyVault KMS Integration",
                 {{"Enabled", on ? "true" : "false"},
                  {"Key ID", text(k["keyId"])},
                  {"Key vault network access", text(k["keyVaultNetworkAccess"])},
                  {"Key vault resource ID", text(k["keyVaultResourceId"])},
                  {"Current key version", text(k["currentKeyVersion"])},
                  {"Previous key version", text(k["previousKeyVersion"])},
                  {"KMS plugin healthy", text(k["pluginHealthy"])}});
}

}  // namespace

Json detector_resource(const std::string& cluster_id, const ManagedCluster& cluster,
                       const Diagnosis& d) {
  Json dataset = Json::array();
  dataset.push_back(configuration_insight(d));
  for (const auto& f : d.findings) {
    std::vector<std::pair<std::string, std::string>> data;
    for (const auto& r : f.remedies) data.emplace_back("Recommended action", r);
    dataset.push_back(insight(insight_status(f.status), f.message, data));
  }
  const std::string overall = d.overall();
  std::string message;
  for (const auto& f : d.findings)
    if (f.status == overall) message = message.empty() ? f.message : message;
  return {{"id", cluster_id + "/detectors/" + kKmsDetectorId},
          {"name", kKmsDetectorId},
          {"type", "Microsoft.ContainerService/managedClusters/detectors"},
          {"location", cluster.location},
          {"properties",
           {{"metadata",
             {{"id", kKmsDetectorId},
              {"name", kKmsDetectorName},
              {"description",
               "Checks the cluster's Azure Key Vault KMS integration: the key in use, the KMS "
               "plugin's health and known failing scenarios such as an expired key."},
              {"category", "Identity and Security"},
              {"type", "Detector"}}},
            {"dataset", dataset},
            {"status", {{"statusId", status_id(overall)}, {"message", message}}},
            {"kmslab", Json::parse(d.to_json().dump())}}}};
}

}  // namespace kmslab::aks
