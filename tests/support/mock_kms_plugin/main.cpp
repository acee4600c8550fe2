// kmslab-mock-kms-plugin: the Base64 mock KMS plugin (v1 + v2 on one socket) as a process, for
// integration tests of kmslab-apiserver.
//   kmslab-mock-kms-plugin --listen-addr unix:///tmp/kms.sock [--key-id 1]
//                          [--status-version v2beta1] [--control-file FILE]
// On SIGHUP it re-reads the control file, lines of key=value:
//   key_id=2          the key_id Status and Encrypt report
//   failed=true       every call answers FailedPrecondition "failed precondition - key disabled"
//   healthz=ok        Status.healthz
//   version=v2        Status.version
//   hold_decrypts=true  every Decrypt waits (at most 60 s) until hold_decrypts=false
// SIGTERM or SIGINT stop it. It prints "ready" on stdout once listening, and "control applied"
// after each SIGHUP.
#include <signal.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/support/mock_kms_plugin/mock_kms_plugin.hpp"

namespace {

void usage() {
  std::cout << "usage: kmslab-mock-kms-plugin --listen-addr unix:///path [--key-id ID]\n"
               "       [--status-version v2beta1|v2] [--control-file FILE]\n"
               "SIGHUP re-reads FILE (key_id=, failed=true|false, healthz=, version=,\n"
               "hold_decrypts=true|false).\n";
}

void apply_control(kmslab::testing::MockKmsPlugin& plugin, const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << "mock-kms-plugin: cannot read control file " << file << "\n";
    return;
  }
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "key_id")
      plugin.set_key_id(v);
    else if (k == "failed" && v == "true")
      plugin.enter_failed_state();
    else if (k == "failed")
      plugin.exit_failed_state();
    else if (k == "healthz")
      plugin.set_healthz(v);
    else if (k == "version")
      plugin.set_status_version(v);
    else if (k == "hold_decrypts")
      plugin.hold_decrypts(v == "true");
    else
      std::cerr << "mock-kms-plugin: unknown control key " << k << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen, key_id = "1", version = "v2beta1", control;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--listen-addr")
      listen = value();
    else if (a == "--key-id")
      key_id = value();
    else if (a == "--status-version")
      version = value();
    else if (a == "--control-file")
      control = value();
    else if (a == "-h" || a == "--help")
      return usage(), 0;
    else
      return usage(), 2;
  }
  if (listen.empty()) return usage(), 2;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before gRPC starts its threads
  // A test that read "ready" may close its end of stdout: a later line must not kill the plugin.
  signal(SIGPIPE, SIG_IGN);
  try {
    kmslab::testing::MockKmsPlugin plugin(listen);
    plugin.set_key_id(key_id);
    plugin.set_status_version(version);
    if (!control.empty()) apply_control(plugin, control);
    std::cout << "ready" << std::endl;
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) return 1;
      if (sig != SIGHUP) break;
      if (!control.empty()) apply_control(plugin, control);
      std::cout << "control applied" << std::endl;  // tests wait for it before going on
    }
  } catch (const std::exception& e) {
    std::cerr << "mock-kms-plugin: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
