// kube-apiserver's request deadline (request_deadline.go, timeout.go, requestinfo.go): which
// requests are long-running, the timeout a request gets, and the 504 it ends with.
#include "emulator/apiserver/k8s/request_deadline.hpp"

#include <gtest/gtest.h>

namespace kmslab::apiserver::k8s {
namespace {

using namespace std::chrono_literals;

TEST(RequestDeadlineTest, WatchIsAnyValueButZeroOrFalse) {
  EXPECT_FALSE(watch_requested({}));
  EXPECT_FALSE(watch_requested({{"watch", "0"}}));
  EXPECT_FALSE(watch_requested({{"watch", "False"}}));
  EXPECT_TRUE(watch_requested({{"watch", "true"}}));
  EXPECT_TRUE(watch_requested({{"watch", "1"}}));
  EXPECT_TRUE(watch_requested({{"watch", ""}}));
  EXPECT_TRUE(watch_requested({{"watch", "yes"}}));
}

TEST(RequestDeadlineTest, OnlyWatchesAreLongRunning) {
  const Query watch = {{"watch", "true"}};
  EXPECT_TRUE(is_long_running("GET", "/api/v1/namespaces/default/secrets", watch));
  EXPECT_TRUE(is_long_running("GET", "/api/v1/secrets", watch));
  EXPECT_TRUE(is_long_running("GET", "/api/v1/namespaces", watch));
  EXPECT_TRUE(is_long_running("GET", "/apis/apps/v1/namespaces/a/deployments", watch));
  EXPECT_TRUE(is_long_running("GET", "/api/v1/watch/namespaces/default/secrets", {}));
  EXPECT_TRUE(is_long_running("GET", "/api/v1/watch/secrets", {}));
  // A named GET is a get whatever ?watch says; lists, writes and non-resource paths are not.
  EXPECT_FALSE(is_long_running("GET", "/api/v1/namespaces/default/secrets/s1", watch));
  EXPECT_FALSE(is_long_running("GET", "/api/v1/namespaces/default", watch));
  EXPECT_FALSE(is_long_running("GET", "/api/v1/namespaces/default/secrets", {}));
  EXPECT_FALSE(is_long_running("POST", "/api/v1/namespaces/default/secrets", watch));
  EXPECT_FALSE(is_long_running("GET", "/api/v1/watch", {}));
  EXPECT_FALSE(is_long_running("GET", "/api/v1", watch));
  EXPECT_FALSE(is_long_running("GET", "/healthz", watch));
  EXPECT_FALSE(is_long_running("GET", "/readyz", {}));
}

TEST(RequestDeadlineTest, TheTimeoutParameterOnlyShortens) {
  auto timeout = [](Query q) { return std::get<core::Duration>(request_timeout_of(q, 60s)); };
  EXPECT_EQ(timeout({}), 60s);
  EXPECT_EQ(timeout({{"timeout", ""}}), 60s);
  EXPECT_EQ(timeout({{"timeout", "5s"}}), 5s);
  EXPECT_EQ(timeout({{"timeout", "250ms"}}), 250ms);
  EXPECT_EQ(timeout({{"timeout", "2m"}}), 60s);
  EXPECT_EQ(timeout({{"timeout", "0s"}}), 60s);
  EXPECT_EQ(timeout({{"timeout", "-1s"}}), 60s);
}

TEST(RequestDeadlineTest, AnUnparsableTimeoutIsABadRequest) {
  auto refused = request_timeout_of({{"timeout", "10"}}, 60s);
  ASSERT_TRUE(std::holds_alternative<Status>(refused));
  const Status& s = std::get<Status>(refused);
  EXPECT_EQ(s.code, 400u);
  EXPECT_EQ(s.reason, "BadRequest");
  EXPECT_EQ(s.message,
            "invalid timeout specified in the request URL - time: missing unit in duration "
            "\"10\"");
}

TEST(RequestDeadlineTest, TheTimeoutAnswerIsKubeApiserversBytes) {
  const core::Reply r = timeout_reply();
  EXPECT_EQ(r.status, 504u);
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.body,
            "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Timeout: request did not "
            "complete within the allotted timeout\",\"reason\":\"Timeout\",\"details\":{},"
            "\"code\":504}\n");
  const core::Reply busy = too_many_requests_reply();
  EXPECT_EQ(busy.status, 429u);
  EXPECT_EQ(busy.body, "Too many requests, please try again later.\n");
}

}  // namespace
}  // namespace kmslab::apiserver::k8s
