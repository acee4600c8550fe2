#include "emulator/apiserver/k8s/table.hpp"

namespace kmslab::apiserver::k8s {

using nlohmann::json;
using nlohmann::ordered_json;

bool wants_table(std::string_view accept) {
  return accept.find("as=Table") != std::string_view::npos;
}

std::string human_duration(core::Duration d) {
  using namespace std::chrono;
  const int64_t s = duration_cast<seconds>(d).count();
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return std::to_string(s) + "s";
  const int64_t m = s / 60;
  if (m < 10)
    return s % 60 == 0 ? std::to_string(m) + "m"
                       : std::to_string(m) + "m" + std::to_string(s % 60) + "s";
  if (m < 180) return std::to_string(m) + "m";
  const int64_t h = m / 60;
  if (h < 8)
    return m % 60 == 0 ? std::to_string(h) + "h"
                       : std::to_string(h) + "h" + std::to_string(m % 60) + "m";
  if (h < 48) return std::to_string(h) + "h";
  if (h < 192)
    return h % 24 == 0 ? std::to_string(h / 24) + "d"
                       : std::to_string(h / 24) + "d" + std::to_string(h % 24) + "h";
  if (h < 24 * 365 * 2) return std::to_string(h / 24) + "d";
  if (h < 24 * 365 * 8) {
    const int64_t dy = (h / 24) % 365;
    return dy == 0 ? std::to_string(h / 24 / 365) + "y"
                   : std::to_string(h / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(h / 24 / 365) + "y";
}

namespace {

ordered_json column(const std::string& name, const std::string& type, const std::string& format,
                    const std::string& description) {
  return {{"name", name},
          {"type", type},
          {"format", format},
          {"description", description},
          {"priority", 0}};
}

// The object's metadata, or an empty object: a stored value may lack it or hold another type,
// and a Table row is still made for it (the watch and list paths must not throw on odd data).
const json& metadata_of(const json& object) {
  static const json kEmpty = json::object();
  if (!object.is_object()) return kEmpty;
  const auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

std::string string_field(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string age(const json& object, core::TimePoint now) {
  auto created = core::parse_rfc3339(string_field(metadata_of(object), "creationTimestamp"));
  return created ? human_duration(now - *created) : "<unknown>";
}

}  // namespace

ordered_json make_table(const Kind& kind, const std::vector<json>& objects,
                        const json& list_metadata, core::TimePoint now) {
  ordered_json columns = ordered_json::array();
  columns.push_back(
      column("Name", "string", "name",
             "Name must be unique within a namespace. Is required when creating "
             "resources, although some resources may allow a client to request the "
             "generation of an appropriate name automatically. Name is primarily "
             "intended for creation idempotence and configuration definition. Cannot "
             "be updated. More info: "
             "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"));
  for (const auto& c : kind.columns)
    columns.push_back(column(c.name, c.type, c.format, c.description));
  columns.push_back(column("Age", "string", "",
                           "CreationTimestamp is a timestamp representing the server time when "
                           "this object was created. It is not guaranteed to be set in happens-"
                           "before order across separate operations. Clients may not set this "
                           "value. It is represented in RFC3339 form and is in UTC.\n\nPopulated "
                           "by the system. Read-only. Null for lists. More info: "
                           "https://git.k8s.io/community/contributors/devel/sig-architecture/"
                           "api-conventions.md#metadata"));
  ordered_json rows = ordered_json::array();
  for (const auto& object : objects) {
    const json& meta = metadata_of(object);
    ordered_json cells = ordered_json::array({string_field(meta, "name")});
    for (auto& cell : table_cells(kind, object)) cells.push_back(ordered_json::parse(cell.dump()));
    cells.push_back(age(object, now));
    rows.push_back(
        ordered_json{{"cells", cells},
                     {"object", ordered_json{{"kind", "PartialObjectMetadata"},
                                             {"apiVersion", "meta.k8s.io/v1"},
                                             {"metadata", ordered_json::parse(meta.dump())}}}});
  }
  return ordered_json{{"kind", "Table"},
                      {"apiVersion", "meta.k8s.io/v1"},
                      {"metadata", ordered_json::parse(list_metadata.dump())},
                      {"columnDefinitions", columns},
                      {"rows", rows}};
}

}  // namespace kmslab::apiserver::k8s
