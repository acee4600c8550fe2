// A cluster's own etcd (--aks-cluster-store=etcd): its ports file, argv and endpoint.
#include "emulator/aks/supervisor/etcd_member.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "emulator/core/files.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::aks {
namespace {

namespace fs = std::filesystem;

// Holds 127.0.0.1:port listening until destroyed.
struct Listener {
  explicit Listener(uint16_t port) : fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 1) == 0;
  }
  ~Listener() { ::close(fd); }
  int fd;
  bool ok = false;
};

TEST(EtcdMember, PortsFileMalformedInputs) {
  const auto good = parse_etcd_ports(R"({"client":2379,"peer":2380})");
  EXPECT_EQ(good.client, 2379);
  EXPECT_EQ(good.peer, 2380);
  for (const char* bad :
       {"", "{", "null", "[]", "{}", R"({"client":2379})", R"({"client":"2379","peer":2380})",
        R"({"client":-1,"peer":2380})", R"({"client":70000,"peer":2380})",
        R"({"client":0,"peer":2380})", R"({"client":2379,"peer":2379})",
        R"({"client":2379.5,"peer":2380})", "\xff\xfe"}) {
    const auto p = parse_etcd_ports(bad);
    EXPECT_EQ(p.client, 0) << bad;
    EXPECT_EQ(p.peer, 0) << bad;
  }
}

TEST(EtcdMember, PortsAreSavedPrivatelyAndReusedWhileFree) {
  const testing::TempDir temp;
  const fs::path dir = temp.path();
  const auto first = etcd_ports(dir);
  EXPECT_NE(first.client, 0);
  EXPECT_NE(first.peer, 0);
  EXPECT_NE(first.client, first.peer);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "etcd").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir / "etcd" / "ports").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Free: an emulator restart finds the same endpoint.
  const auto again = etcd_ports(dir);
  EXPECT_EQ(again.client, first.client);
  EXPECT_EQ(again.peer, first.peer);
  // Taken by someone else: fresh ports, saved for next time.
  {
    Listener squatter(first.client);
    ASSERT_TRUE(squatter.ok);
    const auto moved = etcd_ports(dir);
    EXPECT_NE(moved.client, first.client);
    EXPECT_EQ(parse_etcd_ports(core::read_file(dir / "etcd" / "ports")).client, moved.client);
  }
  // A damaged file is replaced, not fatal.
  core::write_file_atomic(dir / "etcd" / "ports", "garbage", 0600);
  EXPECT_NE(etcd_ports(dir).client, 0);
}

TEST(EtcdMember, ArgsAndEndpoint) {
  const EtcdPorts p{4001, 4002};
  EXPECT_EQ(etcd_url(p), "http://127.0.0.1:4001");
  EXPECT_EQ(etcd_health_url(p), "http://127.0.0.1:4001/health");
  EXPECT_EQ(etcd_endpoint_file("/c"), fs::path("/c/etcd-endpoint"));
  const auto args = etcd_args("/c", p);
  auto after = [&](const std::string& flag) {
    const auto it = std::find(args.begin(), args.end(), flag);
    return it == args.end() || it + 1 == args.end() ? std::string("<absent>") : *(it + 1);
  };
  EXPECT_EQ(after("--data-dir"), "/c/etcd/data");
  EXPECT_EQ(after("--listen-client-urls"), "http://127.0.0.1:4001");
  EXPECT_EQ(after("--advertise-client-urls"), "http://127.0.0.1:4001");
  EXPECT_EQ(after("--listen-peer-urls"), "http://127.0.0.1:4002");
  EXPECT_EQ(after("--initial-cluster"), "kmslab=http://127.0.0.1:4002");
  EXPECT_EQ(after("--name"), "kmslab");
  EXPECT_EQ(after("--heartbeat-interval"), "50");
  EXPECT_EQ(after("--election-timeout"), "500");
  EXPECT_EQ(after("--log-outputs"), "stderr");
}

}  // namespace
}  // namespace kmslab::aks
