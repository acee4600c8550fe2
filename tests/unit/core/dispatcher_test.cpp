#include "emulator/core/dispatcher.hpp"

#include <gtest/gtest.h>

namespace kmslab::core {
namespace {

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : clock(VirtualClock::Mode::kManual, *parse_rfc3339("2026-05-01T10:00:00Z")),
        rng(42),
        logger(nullptr, LogLevel::kInfo) {
    auto g = router.add_group("test", {"*"});
    router.add_filter(g, [](RequestContext& ctx) -> std::optional<ApiError> {
      if (ctx.query_param("api-version")) return std::nullopt;
      return errors::bad_parameter("The 'api-version' query parameter is missing.");
    });
    router.add_decorator(g, [](const RequestContext& ctx, Reply& reply) {
      reply.headers.emplace_back("x-route", ctx.route);
    });
    router.add(g, http::verb::get, "/echo/{name}", "echo",
               [](RequestContext& ctx) -> Result<Reply> {
                 return Reply::json({{"name", ctx.param("name")}, {"host", ctx.host}});
               });
    router.add(g, http::verb::get, "/fail", "fail", [](RequestContext&) -> Result<Reply> {
      return ApiError{404,
                      "KeyNotFound",
                      "A key with (name/id) x was not found in this key vault.",
                      "SomeInner",
                      {{"x-extra", "1"}}};
    });
    router.add(g, http::verb::get, "/throw", "throw",
               [](RequestContext&) -> Result<Reply> { throw std::runtime_error("bug"); });
    router.add(g, http::verb::get, "/late", "late", [](RequestContext&) -> Result<Reply> {
      Reply r = Reply::json({{"late", true}});
      r.delivery.delay = std::chrono::milliseconds(1500);
      r.delivery.body_bytes_per_second = 64;
      return r;
    });
    dispatcher = std::make_unique<Dispatcher>(router, clock, rng, logger, metrics);
  }

  HttpResponse get(const std::string& target, const std::string& host = "v.vault.azure.net:8443") {
    HttpRequest req{http::verb::get, target, 11};
    req.set(http::field::host, host);
    req.set("x-ms-client-request-id", "client-1");
    return dispatcher->handle(std::move(req), conn);
  }

  static nlohmann::json body(const HttpResponse& r) { return nlohmann::json::parse(r.body()); }

  VirtualClock clock;
  SeededRng rng;
  Logger logger;
  MetricsRegistry metrics;
  Router router;
  ConnectionInfo conn{"127.0.0.7", 5555, 8443, true, "", ""};
  std::unique_ptr<Dispatcher> dispatcher;
};

TEST_F(DispatcherTest, AddsCommonHeadersAndStripsPortFromHost) {
  auto r = get("/echo/abc?api-version=7.5");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(body(r)["name"], "abc");
  EXPECT_EQ(body(r)["host"], "v.vault.azure.net");
  EXPECT_EQ(r["x-ms-client-request-id"], "client-1");
  EXPECT_EQ(r["x-ms-request-id"].size(), 36u);
  EXPECT_EQ(r[http::field::date], "Fri, 01 May 2026 10:00:00 GMT");
  EXPECT_EQ(r[http::field::content_type], "application/json; charset=utf-8");
}

TEST_F(DispatcherTest, FilterErrorsStopTheRequestInTheAzureEnvelope) {
  auto r = get("/echo/abc");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(body(r), nlohmann::json::parse(R"({"error":{"code":"BadParameter",
      "message":"The 'api-version' query parameter is missing."}})"));
}

TEST_F(DispatcherTest, DecoratorsApplyToSuccessesAndErrorsOfTheirGroup) {
  EXPECT_EQ(get("/echo/a?api-version=1")["x-route"], "echo");
  EXPECT_EQ(get("/echo/a")["x-route"], "echo");  // stopped by the filter, still decorated
  EXPECT_EQ(get("/fail?api-version=1")["x-route"], "fail");
  EXPECT_EQ(get("/nope").count("x-route"), 0u);  // no group matched
}

TEST_F(DispatcherTest, HandlerErrorsAreSerialisedWithInnerCodeAndHeaders) {
  auto r = get("/fail?api-version=1");
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(body(r)["error"]["code"], "KeyNotFound");
  EXPECT_EQ(body(r)["error"]["innererror"]["code"], "SomeInner");
  EXPECT_EQ(r["x-extra"], "1");
}

TEST_F(DispatcherTest, ExceptionsBecomeA500AndTheNextRequestStillWorks) {
  auto r = get("/throw?api-version=1");
  EXPECT_EQ(r.result_int(), 500);
  EXPECT_EQ(body(r)["error"]["code"], "InternalServerError");
  EXPECT_NE(body(r)["error"]["message"].get<std::string>().find(std::string(r["x-ms-request-id"])),
            std::string::npos);
  EXPECT_EQ(get("/echo/x?api-version=1").result_int(), 200);
}

TEST_F(DispatcherTest, TheAnswerCarriesTheRepliesDeliveryToTheTransport) {
  const auto no_defer = []() -> Respond { return [](Answer) {}; };
  HttpRequest late{http::verb::get, "/late?api-version=1", 11};
  late.set(http::field::host, "v.vault.azure.net");
  auto a = dispatcher->handle_or_defer(std::move(late), conn, no_defer);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->response.result_int(), 200);
  EXPECT_EQ(a->delivery.delay, std::chrono::milliseconds(1500));
  EXPECT_EQ(a->delivery.body_bytes_per_second, 64u);
  HttpRequest normal{http::verb::get, "/echo/x?api-version=1", 11};
  normal.set(http::field::host, "v.vault.azure.net");
  auto b = dispatcher->handle_or_defer(std::move(normal), conn, no_defer);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->delivery.delay.count(), 0);
  EXPECT_EQ(b->delivery.body_bytes_per_second, 0u);
}

TEST_F(DispatcherTest, UnknownPathsAndMethodsAndBadUrls) {
  EXPECT_EQ(get("/nope").result_int(), 404);
  HttpRequest req{http::verb::delete_, "/echo/x", 11};
  EXPECT_EQ(dispatcher->handle(std::move(req), conn).result_int(), 405);
  auto bad = get("/echo/%zz?api-version=1");
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(body(bad)["error"]["code"], "BadParameter");
}

TEST_F(DispatcherTest, ASurfaceMayAnswerUnmatchedRequestsItself) {
  dispatcher->set_unmatched([](const RequestContext& ctx, bool other_method) {
    return Reply::json({{"error", ctx.path}, {"other_method", other_method}},
                       other_method ? 405 : 404);
  });
  auto none = get("/nope");
  EXPECT_EQ(none.result_int(), 404);
  EXPECT_EQ(body(none), (nlohmann::json{{"error", "/nope"}, {"other_method", false}}));
  HttpRequest req{http::verb::delete_, "/echo/x", 11};
  auto other = dispatcher->handle(std::move(req), conn);
  EXPECT_EQ(other.result_int(), 405);
  EXPECT_EQ(body(other)["other_method"], true);
  EXPECT_EQ(get("/echo/a?api-version=1").result_int(), 200) << "matched routes are unchanged";
}

TEST(MetricsRegistryTest, ADeclarationRepeatedReturnsTheFamilyDeclaredFirst) {
  MetricsRegistry metrics;
  auto a = HttpStats::declare(metrics);
  auto b = HttpStats::declare(metrics);  // a second dispatcher, for another listener
  EXPECT_EQ(&a.requests, &b.requests);
  EXPECT_EQ(&a.duration, &b.duration);
  a.requests.inc({"r", "GET", "200"});
  b.requests.inc({"r", "GET", "200"});
  const std::string text = metrics.render();
  EXPECT_EQ(text.find("# TYPE kmslab_http_requests_total"),
            text.rfind("# TYPE kmslab_http_requests_total"))
      << text;
  EXPECT_EQ(a.requests.value({"r", "GET", "200"}), 2);
  EXPECT_THROW(metrics.counter("kmslab_http_requests_total", "h", {"other"}), std::logic_error);
}

TEST(MetricsRegistryTest, MetricsWithoutLabelsShowZeroBeforeAnyObservation) {
  MetricsRegistry metrics;
  metrics.counter("misses_total", "h", {});
  metrics.histogram("took_seconds", "h", {}, {0.5, 1});
  metrics.counter("by_code_total", "h", {"code"});
  const std::string text = metrics.render();
  EXPECT_NE(text.find("\nmisses_total 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntook_seconds_bucket{le=\"0.5\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntook_seconds_bucket{le=\"+Inf\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntook_seconds_count 0\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("by_code_total{"), std::string::npos)
      << "a labelled family has no series yet";
}

TEST_F(DispatcherTest, CountsRequestsByRouteAndStatus) {
  get("/echo/a?api-version=1");
  get("/echo/b?api-version=1");
  get("/fail?api-version=1");
  const std::string text = metrics.render();
  EXPECT_NE(text.find("kmslab_http_requests_total{route=\"echo\",method=\"GET\",code=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kmslab_http_requests_total{route=\"fail\",method=\"GET\",code=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("kmslab_http_request_duration_seconds_count{route=\"echo\"} 2"),
            std::string::npos);
}

TEST_F(DispatcherTest, RejectClosesTheConnection) {
  auto r = dispatcher->reject(errors::payload_too_large(10), 11, conn);
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(body(r)["error"]["code"], "RequestEntityTooLarge");
}

TEST(ErrorEnvelope, OmitsInnerErrorWhenAbsent) {
  Reply r = to_reply({403, "Forbidden", "m", std::nullopt, {}});
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.body, R"({"error":{"code":"Forbidden","message":"m"}})");
  Reply r2 = to_reply({403, "Forbidden", "m", "ForbiddenByFirewall", {}});
  EXPECT_EQ(
      r2.body,
      R"({"error":{"code":"Forbidden","message":"m","innererror":{"code":"ForbiddenByFirewall"}}})");
}

TEST(Rng, SeededIsReproducibleAndUuidIsWellFormed) {
  SeededRng a(7), b(7);
  EXPECT_EQ(a.hex(16), b.hex(16));
  const std::string u = a.uuid();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
  SystemRng s;
  EXPECT_NE(s.hex(16), s.hex(16));
}

}  // namespace
}  // namespace kmslab::core
