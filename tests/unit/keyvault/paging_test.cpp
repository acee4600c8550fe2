// Listing page sizes (recorded-keyvault.md §8): uneven pages, empty pages that keep a nextLink,
// the pattern fixed by the seed; and the listing they make through the service.
#include "emulator/keyvault/paging.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "emulator/store/local_store.hpp"
#include "tests/support/keyvault_harness.hpp"

namespace kmslab::keyvault {
namespace {

using core::http::verb;

TEST(PagePatternTest, ParsesItsThreeForms) {
  EXPECT_EQ(PagePattern::parse("full", 1).size("kv/keys", 3, 25), 25u);
  EXPECT_EQ(PagePattern::parse("full", 1).trailing("kv/keys"), 0u);
  const auto list = PagePattern::parse("6,0,9", 1);
  EXPECT_EQ(list.size("kv/keys", 0, 25), 6u);
  EXPECT_EQ(list.size("kv/keys", 1, 25), 0u);
  EXPECT_EQ(list.size("kv/keys", 2, 4), 4u) << "never more than maxresults";
  EXPECT_EQ(list.size("kv/keys", 3, 25), 6u) << "the list repeats";
  for (const char* bad : {"", "0", "0,0", "1,,2", "a", "26", "-1", "1,2,", "uneven2", "123"}) {
    EXPECT_THROW(PagePattern::parse(bad, 1), std::invalid_argument) << bad;
  }
}

TEST(PagePatternTest, UnevenSizesComeFromTheSeedAndTheListingAlone) {
  const auto a = PagePattern::parse("uneven", 7);
  const auto b = PagePattern::parse("uneven", 7);
  const auto c = PagePattern::parse("uneven", 8);
  std::set<size_t> sizes;
  bool differs = false;
  for (size_t page = 0; page < 64; ++page) {
    const size_t s = a.size("myvault/keys", page, 25);
    EXPECT_GE(s, 1u);
    EXPECT_LE(s, 25u);
    EXPECT_EQ(s, b.size("myvault/keys", page, 25));
    differs = differs || s != c.size("myvault/keys", page, 25);
    sizes.insert(s);
  }
  EXPECT_TRUE(differs) << "another seed, another pattern";
  EXPECT_GT(sizes.size(), 5u) << "uneven, not one size";
  std::set<size_t> tails;
  for (int i = 0; i < 64; ++i) tails.insert(a.trailing("v" + std::to_string(i) + "/deletedkeys"));
  EXPECT_EQ(tails, (std::set<size_t>{0, 1, 2, 3, 4}));
}

// Follows nextLink from the first page; returns every page's item count.
std::vector<size_t> walk(testing::KeyVaultHarness& kv, const std::string& path,
                         std::vector<std::string>* kids = nullptr) {
  std::vector<size_t> sizes;
  std::string query = "?api-version=7.3";
  for (int guard = 0; guard < 100; ++guard) {
    const auto r = kv.send(verb::get, path, nullptr, query);
    EXPECT_EQ(r.status, 200u) << r.raw;
    if (r.status != 200) break;
    sizes.push_back(r.body["value"].size());
    for (const auto& item : r.body["value"]) {
      if (kids) kids->push_back(item.value("kid", ""));
    }
    if (r.body["nextLink"].is_null()) return sizes;
    const std::string next = r.body["nextLink"];
    query = next.substr(next.find('?'));
  }
  ADD_FAILURE() << "the listing did not end";
  return sizes;
}

TEST(PagingTest, EmptyPagesMidListingKeepANextLink) {
  auto store = store::open_store("memory");
  testing::KeyVaultHarness kv(*store,
                              [](KeyVaultOptions& o) { o.pages = PagePattern::parse("2,0,3", 1); });
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(
        kv.send(verb::post, "/keys/k" + std::to_string(i) + "/create", {{"kty", "EC"}}).status,
        200u);
  }
  std::vector<std::string> kids;
  EXPECT_EQ(walk(kv, "/keys", &kids), (std::vector<size_t>{2, 0, 3, 1}));
  EXPECT_EQ(kids.size(), 6u);
  EXPECT_EQ(kids.front(), "https://myvault.vault.azure.net/keys/k0");
  EXPECT_EQ(kids.back(), "https://myvault.vault.azure.net/keys/k5");
  // Versions page the same way.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(kv.send(verb::post, "/keys/k0/rotate").status, 200u);
  EXPECT_EQ(walk(kv, "/keys/k0/versions"), (std::vector<size_t>{2, 0, 2}));
}

TEST(PagingTest, UnevenListingsReturnEveryItemOnceInOrder) {
  auto store = store::open_store("memory");
  testing::KeyVaultHarness kv(*store, [](KeyVaultOptions& o) {
    o.pages = PagePattern::parse("uneven", 3);
    o.deletion_window = std::chrono::milliseconds(0);
  });
  for (int i = 0; i < 40; ++i) {
    const std::string name = "k" + std::to_string(i);
    ASSERT_EQ(kv.send(verb::post, "/keys/" + name + "/create", {{"kty", "EC"}}).status, 200u);
    if (i % 3 == 0) {
      ASSERT_EQ(kv.send(verb::delete_, "/keys/" + name).status, 200u);
    }
  }
  std::vector<std::string> live, deleted;
  const auto sizes = walk(kv, "/keys", &live);
  EXPECT_EQ(live.size(), 26u);
  EXPECT_TRUE(std::is_sorted(live.begin(), live.end()));
  EXPECT_GT(sizes.size(), 2u) << "at most 25 a page, usually fewer";
  EXPECT_EQ(walk(kv, "/keys", nullptr), sizes) << "the same listing pages the same way";
  walk(kv, "/deletedkeys", &deleted);
  EXPECT_EQ(deleted.size(), 14u);
}

}  // namespace
}  // namespace kmslab::keyvault
