// --admin-token: writes need the exact bearer token (compared with constant_time_equal).
#include <gtest/gtest.h>

#include "emulator/core/admin.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::core {
namespace {

class AdminTokenTest : public ::testing::Test {
 protected:
  std::optional<ApiError> check(http::verb verb, const char* authorization) {
    HttpRequest request{verb, "/_kmslab/clock", 11};
    if (authorization) request.set(http::field::authorization, authorization);
    RequestContext ctx{request, connection, "localhost", "/_kmslab/clock", {}, {}, "id", "", clock};
    return filter(ctx);
  }
  VirtualClock clock{VirtualClock::Mode::kManual};
  ConnectionInfo connection;
  Filter filter = admin_token_filter("t0ken-value");
};

TEST_F(AdminTokenTest, ReadsNeedNoToken) {
  EXPECT_FALSE(check(http::verb::get, nullptr));
  EXPECT_FALSE(check(http::verb::head, nullptr));
}

TEST_F(AdminTokenTest, WritesNeedTheExactBearerToken) {
  EXPECT_FALSE(check(http::verb::post, "Bearer t0ken-value"));
  for (const char* wrong : {"", "Bearer ", "Bearer t0ken-valu", "Bearer t0ken-valuf",
                            "Bearer t0ken-value2", "bearer t0ken-value", "t0ken-value"}) {
    auto err = check(http::verb::post, wrong);
    ASSERT_TRUE(err) << "'" << wrong << "'";
    EXPECT_EQ(err->status, 401);
    EXPECT_EQ(err->code, "Unauthorized");
  }
  auto missing = check(http::verb::post, nullptr);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
}

}  // namespace
}  // namespace kmslab::core
