#pragma once
// One ARM request as a handler sees it.
#include <nlohmann/json.hpp>
#include <string>

#include "emulator/arm/service.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::arm {

struct ArmService::Call {
  core::RequestContext& ctx;
  Caller caller;
  std::string api_version;

  const std::string& param(const std::string& name) const { return ctx.param(name); }
  /// The request body as a JSON object (ARM's InvalidRequestContent otherwise).
  core::Result<nlohmann::json> body() const;
  /// The body's "properties" object; an empty object when the body has none.
  core::Result<nlohmann::json> body_properties() const;
  /// "https://{Host header}": links (nextLink, Location) point back where the client came from.
  std::string base_url() const;
  /// The query's api-version appended to `path`.
  std::string link(const std::string& path) const;
};

}  // namespace kmslab::arm
