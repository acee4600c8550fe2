#pragma once
// How many items each page of a listing holds. Key Vault's pages are uneven: 59 keys came as
// 17+25+17, 58 deleted keys as 6,12,13,12,13,2 and then four empty pages that still carried a
// nextLink (recorded-keyvault.md §8, C:K.GetPropertiesOfKeysAllPages.json, K.GetDeletedKeys.json).
// Clients must follow nextLink until it is null whatever a page holds; kmslab reproduces the
// shape so that clients which stop at the first short or empty page fail here as they would on
// Azure. The service's own rule is not public [U]; the modes below are kmslab's.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kmslab::keyvault {

class PagePattern {
 public:
  enum class Mode {
    kFull,    // every page holds maxresults items; the last page's nextLink is null
    kUneven,  // sizes 1..maxresults and 0..4 trailing empty pages, from the seed (the default)
    kList,    // the given sizes in turn, repeated; 0 is an empty page that keeps a nextLink
  };
  PagePattern() = default;
  /// "full", "uneven" or a comma-separated list of sizes ("6,12,0,13"). Throws
  /// std::invalid_argument for anything else, and for a list without a non-zero size (it would
  /// never end).
  static PagePattern parse(const std::string& text, uint64_t seed);

  /// Items on page `page` (0-based) of the listing named `listing` (vault and path), at most
  /// `max`.
  size_t size(const std::string& listing, size_t page, size_t max) const;
  /// Empty pages, still with a nextLink, after the page that returned the last item.
  size_t trailing(const std::string& listing) const;

 private:
  uint64_t hash(const std::string& listing, uint64_t salt) const;

  Mode mode_ = Mode::kFull;
  uint64_t seed_ = 0;
  std::vector<size_t> sizes_;
};

}  // namespace kmslab::keyvault
