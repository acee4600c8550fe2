#include "emulator/keyvault/paging.hpp"

#include <algorithm>
#include <stdexcept>

#include "emulator/core/base64url.hpp"
#include "emulator/core/json_input.hpp"
#include "emulator/keyvault/call.hpp"
#include "emulator/keyvault/errors.hpp"

namespace kmslab::keyvault {

namespace {

// SplitMix64's finaliser: a listing's sizes depend on the seed and the listing alone, not on
// what else the emulator was asked before.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

PagePattern PagePattern::parse(const std::string& text, uint64_t seed) {
  PagePattern p;
  p.seed_ = seed;
  if (text == "full") return p;
  if (text == "uneven") {
    p.mode_ = Mode::kUneven;
    return p;
  }
  p.mode_ = Mode::kList;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    if (item.empty() || item.size() > 2 ||
        !std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      throw std::invalid_argument(
          "page sizes are 'full', 'uneven' or sizes 0..25 separated by "
          "commas, not '" +
          text + "'");
    }
    p.sizes_.push_back(std::stoul(item));
    if (p.sizes_.back() > 25) throw std::invalid_argument("a page holds at most 25 items");
    start = comma + 1;
  }
  if (std::all_of(p.sizes_.begin(), p.sizes_.end(), [](size_t s) { return s == 0; })) {
    throw std::invalid_argument("page sizes need one that is not 0, or a listing never ends");
  }
  return p;
}

uint64_t PagePattern::hash(const std::string& listing, uint64_t salt) const {
  uint64_t h = mix(seed_ ^ 0x6b6d736c6162ULL);
  for (unsigned char c : listing) h = mix(h ^ c);
  return mix(h ^ salt);
}

size_t PagePattern::size(const std::string& listing, size_t page, size_t max) const {
  switch (mode_) {
    case Mode::kFull:
      return max;
    case Mode::kList:
      return std::min(max, sizes_[page % sizes_.size()]);
    case Mode::kUneven:
      break;
  }
  return 1 + hash(listing, page + 1) % max;
}

size_t PagePattern::trailing(const std::string& listing) const {
  return mode_ == Mode::kUneven ? hash(listing, 0) % 5 : 0;
}

// ---------------------------------------------------------------------------------------------
// The wire side: maxresults, $skiptoken and nextLink.

namespace {

std::string listing_of(const Call& call, const std::string& path) {
  return core::to_lower(call.vault.name) + core::to_lower(path);
}

bool small_number(const nlohmann::json& j, const char* key, size_t low, size_t high) {
  return j.contains(key) && j[key].is_number_unsigned() && j[key].get<size_t>() >= low &&
         j[key].get<size_t>() <= high;
}

}  // namespace

core::Result<Call::Paging> Call::paging(const std::string& path) const {
  Paging p;
  if (auto v = ctx.query_param("maxresults")) {
    const bool digits =
        !v->empty() && v->size() <= 2 &&
        std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(*v) < 1 || std::stoi(*v) > 25) {
      return errors::bad_parameter("The value of 'maxresults' must be between 1 and 25.");
    }
    p.max = static_cast<size_t>(std::stoi(*v));
  }
  if (auto token = ctx.query_param("$skiptoken"); token && !token->empty()) {
    // Opaque to clients: {"after","max","page"[,"tail"]}, so the page size survives a nextLink
    // without `maxresults` in it (recorded-keyvault.md §8).
    auto decoded = core::base64url_decode(*token);
    const auto j = decoded ? core::parse_untrusted_json(*decoded) : nlohmann::json();
    if (!j.is_object() || !j.contains("after") || !j["after"].is_string() ||
        !small_number(j, "max", 1, 25) ||
        (j.contains("page") && !small_number(j, "page", 0, 1u << 20)) ||
        (j.contains("tail") && !small_number(j, "tail", 1, 8))) {
      return errors::bad_parameter("The '$skiptoken' parameter is not valid.");
    }
    p.after = j["after"].get<std::string>();
    if (!ctx.query_param("maxresults")) p.max = j["max"].get<size_t>();
    p.page = j.value("page", size_t{0});
    p.tail = j.value("tail", size_t{0});
  }
  p.take = pages.size(listing_of(*this, path), p.page, p.max);
  return p;
}

core::Reply Call::page(nlohmann::ordered_json value, const std::string& path, const Paging& p,
                       const std::optional<std::string>& next_after) const {
  nlohmann::json token = {
      {"after", next_after.value_or(p.after)}, {"max", p.max}, {"page", p.page + 1}};
  size_t tail = 0;
  if (p.tail > 0) {
    tail = p.tail - 1;
  } else if (!next_after) {
    tail = pages.trailing(listing_of(*this, path));
  }
  if (p.tail > 0 || !next_after) token["tail"] = tail;
  nlohmann::ordered_json j = {{"value", std::move(value)}, {"nextLink", nullptr}};
  if (next_after || tail > 0) {
    // https://<vault>.vault.azure.net:443/keys?api-version=7.3&$skiptoken=...: the port always
    // written, no maxresults (recorded-keyvault.md §8, C:K.GetPropertiesOfKeysAllPages.json).
    std::string base = wire.base_url();
    if (base.find(':', base.find("//") + 2) == std::string::npos) {
      base += base.starts_with("https:") ? ":443" : ":80";
    }
    j["nextLink"] = base + path + "?api-version=" + ctx.query_param("api-version").value_or("") +
                    "&$skiptoken=" + core::base64url_encode(token.dump());
  }
  return core::Reply::ordered(j);
}

}  // namespace kmslab::keyvault
