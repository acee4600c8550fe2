#include "emulator/apiserver/health/health.hpp"

#include <gtest/gtest.h>

namespace kmslab::apiserver::health {
namespace {

Endpoint endpoint(std::optional<std::string> kms_error) {
  return {"readyz",
          {{"ping", [] { return std::optional<std::string>(); }},
           {"kms-providers", [kms_error] { return kms_error; }}}};
}

TEST(Health, OkAndVerbose) {
  auto plain = answer(endpoint(std::nullopt), {}, {});
  EXPECT_EQ(plain.status, 200u);
  EXPECT_EQ(plain.body, "ok");
  auto verbose = answer(endpoint(std::nullopt), {{"verbose", ""}}, {});
  EXPECT_EQ(verbose.body, "[+]ping ok\n[+]kms-providers ok\nreadyz check passed\n");
}

// kube-apiserver withholds the reason on the aggregate endpoint, verbose or not.
TEST(Health, FailingCheckIs500WithReasonWithheld) {
  auto failed = answer(endpoint("kms-provider-0: rpc error"), {}, {});
  EXPECT_EQ(failed.status, 500u);
  EXPECT_EQ(failed.body,
            "[+]ping ok\n[-]kms-providers failed: reason withheld\nreadyz check failed\n");
  auto excluded = answer(endpoint("x"), {{"verbose", ""}}, {"kms-providers"});
  EXPECT_EQ(excluded.status, 200u);
  EXPECT_EQ(excluded.body, "[+]ping ok\n[+]kms-providers excluded: ok\nreadyz check passed\n");
}

}  // namespace
}  // namespace kmslab::apiserver::health
