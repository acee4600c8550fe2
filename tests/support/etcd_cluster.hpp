#pragma once
// Debian's /usr/bin/etcd (3.4) for tests: one member or a cluster, every member on its own
// loopback address (127.0.0.1, 127.0.0.2, ...) with client and peer ports found free, data in a
// temp dir, killed with SIGKILL in the destructor (and by the kernel if the test process dies).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/store/etcd_server_args.hpp"
#include "emulator/store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::testing {

inline constexpr const char* kEtcdBinary = "/usr/bin/etcd";

inline bool etcd_installed() {
  return access(kEtcdBinary, X_OK) == 0;
}

/// Why a test that needs etcd cannot run here, or "" when it can. Under CI=true etcd is
/// installed by tools/setup.sh, so its absence there is a failure, not a skip.
inline std::string etcd_missing_reason() {
  if (etcd_installed()) return "";
  return std::string(kEtcdBinary) + " not installed (apt-get install etcd-server etcd-client)";
}

/// Skips a test without etcd, or fails it under CI=true (where tools/setup.sh installs etcd).
#define KMSLAB_REQUIRE_ETCD()                                                  \
  do {                                                                         \
    const std::string missing = kmslab::testing::etcd_missing_reason();        \
    if (!missing.empty()) {                                                    \
      if (const char* ci = std::getenv("CI"); ci && std::string(ci) == "true") \
        FAIL() << missing << " (CI=true: tools/setup.sh installs it)";         \
      GTEST_SKIP() << missing;                                                 \
    }                                                                          \
  } while (0)

/// A port free on `address` now (the kernel's pick for port 0; etcd binds it a moment later).
inline int free_port(const std::string& address) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  socklen_t len = sizeof sa;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("no free port on " + address);
  }
  close(fd);
  return ntohs(sa.sin_port);
}

class EtcdCluster {
 public:
  struct Member {
    std::string name, address;
    int client_port = 0, peer_port = 0;
    pid_t pid = -1;
    std::string endpoint() const { return address + ":" + std::to_string(client_port); }
  };

  explicit EtcdCluster(int size = 1) {
    for (int i = 0; i < size; ++i) {
      Member m{"m" + std::to_string(i), "127.0.0." + std::to_string(i + 1)};
      m.client_port = free_port(m.address);
      m.peer_port = free_port(m.address);
      members_.push_back(m);
    }
    for (size_t i = 0; i < members_.size(); ++i) start(i);
    wait_ready();
  }
  ~EtcdCluster() {
    for (size_t i = 0; i < members_.size(); ++i) kill_member(i);
  }
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  const std::vector<Member>& members() const { return members_; }
  /// "etcd://a:p,b:q" (optionally with `query`, e.g. "?timeout=2").
  std::string spec(const std::string& query = "") const {
    std::string out = "etcd://";
    for (size_t i = 0; i < members_.size(); ++i) out += (i ? "," : "") + members_[i].endpoint();
    return out + query;
  }
  void kill_member(size_t i) {
    Member& m = members_[i];
    if (m.pid <= 0) return;
    ::kill(m.pid, SIGKILL);
    waitpid(m.pid, nullptr, 0);
    m.pid = -1;
  }

 private:
  std::string initial_cluster() const {
    std::string out;
    for (const auto& m : members_)
      out += (out.empty() ? "" : ",") + m.name + "=http://" + m.address + ":" +
             std::to_string(m.peer_port);
    return out;
  }

  void start(size_t i) {
    Member& m = members_[i];
    const std::string client = "http://" + m.endpoint();
    const std::string peer = "http://" + m.address + ":" + std::to_string(m.peer_port);
    const std::string data = dir_.file(m.name);
    const std::string log = dir_.file(m.name + ".log");
    // A lone member elects itself after one election timeout: keep it short. Peers on a busy
    // 2-core machine need more slack, or they depose each other.
    const bool alone = members_.size() == 1;
    store::EtcdServerSpec spec;
    spec.name = m.name;
    spec.data_dir = data;
    spec.client_url = client;
    spec.peer_url = peer;
    spec.initial_cluster = initial_cluster();
    spec.heartbeat_ms = alone ? 10 : 50;
    spec.election_ms = alone ? 100 : 750;
    spec.log_output = log;
    std::vector<std::string> args = store::etcd_server_args(spec);
    args.insert(args.begin(), kEtcdBinary);
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int null = open("/dev/null", O_RDWR);
      dup2(null, 1);
      dup2(null, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(kEtcdBinary, argv.data());
      _exit(127);
    }
    m.pid = pid;
  }

  // Every member answers a linearizable read (which needs a leader), within 30 s.
  void wait_ready() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (auto& m : members_) {
      auto store = store::open_store("etcd://" + m.endpoint() + "?timeout=0.5");
      for (;;) {
        try {
          store->revision();
          break;
        } catch (const store::StoreError& e) {
          int status = 0;
          if (waitpid(m.pid, &status, WNOHANG) == m.pid) {
            m.pid = -1;
            throw std::runtime_error("etcd " + m.name + " exited at start (port taken?)");
          }
          if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("etcd " + m.name + " not ready in 30 s: " + e.what() +
                                     "\nits log ends:\n" + log_tail(m));
        }
      }
    }
  }

  std::string log_tail(const Member& m) const {
    std::ifstream in(dir_.file(m.name + ".log"));
    std::string line, tail;
    std::vector<std::string> lines;
    while (std::getline(in, line)) lines.push_back(line);
    for (size_t i = lines.size() > 5 ? lines.size() - 5 : 0; i < lines.size(); ++i)
      tail += lines[i] + "\n";
    return tail;
  }

  TempDir dir_;
  std::vector<Member> members_;
};

}  // namespace kmslab::testing
