// What only the etcd backend has: its spec, the failover rule, and a cluster losing members
// (Debian's etcd 3.4: a 3-member cluster on 127.0.0.1-3).
#include <gtest/gtest.h>

#include "emulator/store/etcd_members.hpp"
#include "emulator/store/etcd_options.hpp"
#include "emulator/store/etcd_wire.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kmslab::store::testing {
namespace {

using kmslab::testing::EtcdCluster;

std::string spec_error(const std::string& spec) {
  try {
    parse_etcd_spec(spec);
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

TEST(EtcdSpecTest, EndpointsAndTimeout) {
  EtcdOptions o = parse_etcd_spec("etcd://127.0.0.1:2379,127.0.0.2:2380?timeout=2.5");
  EXPECT_EQ(o.endpoints, (Strings{"127.0.0.1:2379", "127.0.0.2:2380"}));
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(parse_etcd_spec("etcd://[::1]:2379").endpoints, Strings{"[::1]:2379"});
  EXPECT_EQ(parse_etcd_spec("etcd://h:1").timeout, std::chrono::milliseconds(5000));
}

TEST(EtcdSpecTest, MalformedSpecsAreStoreErrors) {
  EXPECT_TRUE(contains(spec_error("etcd://"), "expected etcd://host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://host"), "'host' is not host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://h:0"), "'h:0' is not host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://h:70000"), "is not host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://h:1,,h:2"), "'' is not host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://::1:2379"), "is not host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://[]:2379"), "is not host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://[::g]:2379"), "is not host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://h&x:2379"), "is not host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://:2379"), "is not host:port"));
  EXPECT_TRUE(contains(spec_error("etcd://h:1?timeout=0"), "timeout must be"));
  EXPECT_TRUE(contains(spec_error("etcd://h:1?timeout=x"), "timeout must be"));
  EXPECT_TRUE(contains(spec_error("etcd://h:1?tls=1"), "unknown option 'tls=1'"));
}

TEST(EtcdSpecTest, KubeApiserverUrls) {
  EXPECT_EQ(etcd_spec_from_urls({"http://127.0.0.1:2379", "http://127.0.0.2:2379/"}),
            "etcd://127.0.0.1:2379,127.0.0.2:2379");
  EXPECT_THROW(etcd_spec_from_urls({}), StoreError);
  EXPECT_THROW(etcd_spec_from_urls({"unix:///run/etcd.sock"}), StoreError);
  EXPECT_THROW(etcd_spec_from_urls({"http://127.0.0.1"}), StoreError);
  EXPECT_THROW(etcd_spec_from_urls({"https://127.0.0.1"}), StoreError);
  // Found by fuzz_store_spec: a host holding '?' made a spec that did not parse back.
  EXPECT_THROW(etcd_spec_from_urls({"https://h?x:239"}), StoreError);
  EXPECT_THROW(etcd_spec_from_urls({"https://h,x:239"}), StoreError);
  try {
    etcd_spec_from_urls({"http://127.0.0.1:2379", "https://127.0.0.2:2379"});
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_TRUE(contains(e.what(), "not both"));
  }
}

TEST(EtcdSpecTest, HttpsUrlsCarryTheTlsFiles) {
  EXPECT_EQ(etcd_spec_from_urls({"https://127.0.0.1:2379"}), "etcd+tls://127.0.0.1:2379");
  EXPECT_EQ(etcd_spec_from_urls({"https://127.0.0.1:2379", "https://127.0.0.2:2379"},
                                {"/ca.pem", "/a&b%c.pem", "/k.pem"}),
            "etcd+tls://127.0.0.1:2379,127.0.0.2:2379?ca=/ca.pem&cert=/a%26b%25c.pem&key=/k.pem");
  // clientv3 dials http:// members without TLS, whatever files it is given.
  EXPECT_EQ(etcd_spec_from_urls({"http://h:1"}, {"/ca.pem", "", ""}), "etcd://h:1");
  // And back: the paths decoded, the TLS choice kept.
  EtcdOptions o = parse_etcd_spec(etcd_spec_from_urls({"https://h:1"}, {"", "/a&b%c", "/k"}));
  ASSERT_TRUE(o.tls.has_value());
  EXPECT_EQ(o.tls->ca_file, "");
  EXPECT_EQ(o.tls->cert_file, "/a&b%c");
  EXPECT_EQ(o.tls->key_file, "/k");
  EXPECT_FALSE(parse_etcd_spec("etcd://h:1").tls.has_value());
  EXPECT_EQ(parse_etcd_spec("etcd+tls://h:1?timeout=2&ca=/c").timeout,
            std::chrono::milliseconds(2000));
}

TEST(EtcdSpecTest, MalformedTlsSpecsAreStoreErrors) {
  EXPECT_TRUE(contains(spec_error("etcd://h:1?ca=/c"), "unknown option 'ca=/c'"));
  EXPECT_TRUE(contains(spec_error("etcd+tls://h:1?ca="), "unknown option 'ca='"));
  EXPECT_TRUE(contains(spec_error("etcd+tls://h:1?cert=/a%2"), "two hex digits"));
  EXPECT_TRUE(contains(spec_error("etcd+tls://h:1?cert=/a%zz"), "two hex digits"));
  EXPECT_TRUE(contains(spec_error("etcd+tls://h:1?x=1"), "ca=PATH, cert=PATH or key=PATH"));
  EXPECT_TRUE(contains(spec_error("etcd+tls://"), "expected etcd://host:port"));
  EXPECT_TRUE(contains(spec_error("etcds://h:1"), "expected etcd:// or etcd+tls://"));
}

TEST(EtcdWireTest, PrefixRanges) {
  EXPECT_EQ(etcd_prefix_range("a/").range_end, "a0");
  EXPECT_EQ(etcd_prefix_range("").key, std::string(1, '\0'));
  EXPECT_EQ(etcd_prefix_range("").range_end, std::string(1, '\0'));
  EXPECT_EQ(etcd_prefix_range("a\xff").range_end, "b");
  EXPECT_EQ(etcd_prefix_range("\xff\xff").range_end, std::string(1, '\0'));
}

TEST(EtcdWireTest, ATxnMapsOneToOne) {
  Txn txn{{Compare::mod_revision("k", Compare::Op::kLess, 7)},
          {Op::put("k", "v"), Op::del_prefix("p/")},
          {Op::del("k")}};
  auto r = etcd_txn_request(txn);
  ASSERT_EQ(r.compare_size(), 1);
  EXPECT_EQ(r.compare(0).target(), etcdserverpb::Compare::MOD);
  EXPECT_EQ(r.compare(0).result(), etcdserverpb::Compare::LESS);
  EXPECT_EQ(r.compare(0).mod_revision(), 7);
  EXPECT_EQ(r.success(1).request_delete_range().range_end(), "p0");
  EXPECT_EQ(r.failure(0).request_delete_range().range_end(), "");
}

// Only a failure that proves the request never reached raft lets a write move to another member.
TEST(EtcdFailoverRuleTest, WritesRetryOnlyWhenCertainlyNotApplied) {
  using grpc::Status;
  using grpc::StatusCode;
  EXPECT_TRUE(
      etcd_not_applied(Status(StatusCode::UNAVAILABLE,
                              "failed to connect to all addresses; last error: UNKNOWN: "
                              "ipv4:127.0.0.1:1: Failed to connect to remote host: Connection "
                              "refused")));
  EXPECT_TRUE(etcd_not_applied(Status(StatusCode::UNAVAILABLE, "etcdserver: no leader")));
  EXPECT_TRUE(
      etcd_not_applied(Status(StatusCode::RESOURCE_EXHAUSTED, "etcdserver: too many requests")));
  EXPECT_FALSE(etcd_not_applied(Status(StatusCode::UNAVAILABLE, "Socket closed")));
  EXPECT_FALSE(etcd_not_applied(Status(StatusCode::UNAVAILABLE, "etcdserver: request timed out")));
  EXPECT_FALSE(etcd_not_applied(Status(StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded")));
}

class EtcdClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KMSLAB_REQUIRE_ETCD();
    cluster_ = std::make_unique<EtcdCluster>(3);
    store_ = open_store(cluster_->spec("?timeout=3"));
  }
  std::unique_ptr<EtcdCluster> cluster_;
  std::unique_ptr<Store> store_;
};

TEST_F(EtcdClusterTest, KillingTheMemberInUseLosesNoAcknowledgedWrite) {
  Recorder rec;
  auto handle = store_->watch("k/", 0, rec.callback());
  std::vector<std::string> acked;
  for (int i = 0; i < 40; ++i) {
    // The store talks to the first member until it fails: kill it halfway.
    if (i == 20) cluster_->kill_member(0);
    const std::string key = "k/" + std::to_string(100 + i);
    try {
      store_->put(key, "v" + std::to_string(i));
      acked.push_back(key);
    } catch (const StoreError& e) {
      // Only a write in flight at the kill may fail, and then it says so.
      EXPECT_TRUE(contains(e.what(), "outcome unknown")) << e.what();
    }
  }
  EXPECT_GE(acked.size(), 39u);
  for (const auto& key : acked) EXPECT_TRUE(store_->get(key).has_value()) << key;
  EXPECT_EQ(store_->range("k/").kvs.size(), acked.size());
  // The watch resumed on another member: every write exactly once, in order.
  ASSERT_TRUE(rec.wait_calls(acked.size()));
  std::vector<std::string> seen;
  for (const auto& batch : rec.batches()) seen.push_back(batch[0].kv.key);
  EXPECT_EQ(seen, acked);
  EXPECT_EQ(store_->check_integrity(), "");  // a member down is an outage, not corruption
}

TEST_F(EtcdClusterTest, AllMembersDownIsAClearStoreError) {
  store_ = open_store(cluster_->spec("?timeout=0.5"));
  store_->put("k", "v");
  for (size_t i = 0; i < cluster_->members().size(); ++i) cluster_->kill_member(i);
  for (auto call : std::vector<std::function<void()>>{
           [&] { store_->get("k"); }, [&] { store_->put("k", "w"); },
           [&] { store_->watch("", 0, [](const auto&) {}); }, [&] { store_->compact(1); }}) {
    try {
      call();
      ADD_FAILURE() << "expected a StoreError";
    } catch (const StoreError& e) {
      EXPECT_TRUE(contains(e.what(), "etcd: all members unreachable: 127.0.0.1:")) << e.what();
    }
  }
  EXPECT_TRUE(contains(store_->check_integrity(), "etcd: all members unreachable"));
}

TEST_F(EtcdClusterTest, RefusedRequestsChangeNothing) {
  store_->put("k", "v");
  const int64_t before = store_->revision();
  Txn huge;
  for (int i = 0; i < 200; ++i) huge.success.push_back(Op::put("many/" + std::to_string(i), "v"));
  try {
    store_->txn(huge);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_TRUE(contains(e.what(), "etcdserver: too many operations in txn request"));
  }
  EXPECT_THROW(store_->compact(before + 10), StoreError);  // a future revision
  EXPECT_EQ(store_->revision(), before);
}

TEST_F(EtcdClusterTest, AnAlarmFailsTheIntegrityCheck) {
  EtcdMembers members(parse_etcd_spec(cluster_->spec()));
  etcdserverpb::AlarmRequest raise;
  raise.set_action(etcdserverpb::AlarmRequest::ACTIVATE);
  raise.set_alarm(etcdserverpb::NOSPACE);
  etcdserverpb::StatusResponse status;
  etcdserverpb::AlarmResponse answer;
  members.call("status", EtcdMembers::Retry::kIdempotent,
               [&](EtcdMember& m, auto& ctx) { return m.maintenance->Status(&ctx, {}, &status); });
  raise.set_memberid(status.header().member_id());
  members.call("alarm", EtcdMembers::Retry::kIdempotent, [&](EtcdMember& m, auto& ctx) {
    return m.maintenance->Alarm(&ctx, raise, &answer);
  });
  EXPECT_TRUE(contains(store_->check_integrity(), "etcd: alarm raised: NOSPACE on member "));
  // And a NOSPACE cluster refuses writes with etcd's message.
  try {
    store_->put("k", "v");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_TRUE(contains(e.what(), "database space exceeded")) << e.what();
  }
}

}  // namespace
}  // namespace kmslab::store::testing
