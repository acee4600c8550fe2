#pragma once
// Time across processes over HTTPS (../clock_protocol.md), both ends:
//  - HttpsStepTransport: the emulator's step calls to its subscribers, one client per subscriber
//    trusting the CA it registered with;
//  - ClockLeader: a follower's calls to the clock it follows (read it, register, unregister).
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "emulator/core/client/http_client.hpp"
#include "emulator/core/clock_hub.hpp"
#include "emulator/core/clock_protocol.hpp"

namespace kmslab::core::client {

class HttpsStepTransport final : public StepTransport {
 public:
  /// `clock` and `rng` serve the clients (which never retry a step).
  HttpsStepTransport(const core::Clock& clock, Rng& rng);
  std::string accept(const clock_protocol::Registration& r) override;
  StepOutcome step(const clock_protocol::Registration& r, TimePoint now,
                   std::chrono::milliseconds timeout) override;
  void forget(const std::string& name) override;

 private:
  const core::Clock& clock_;
  Rng& rng_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<HttpClient>> clients_;  // by subscriber name
};

/// Where the followed clock stands, as GET /_kmslab/clock and a registration answer say.
struct LeaderClock {
  VirtualClock::Mode mode = VirtualClock::Mode::kSystem;
  TimePoint now{};
  Duration offset{};
};

class ClockLeader {
 public:
  struct Options {
    std::string url;      // the leader's main URL, https://127.0.0.1:PORT
    std::string ca_file;  // PEM the leader's certificate chains to; empty: the system store
    std::string token;    // its admin token; empty: none
  };
  /// Throws std::invalid_argument for a malformed URL or CA file.
  ClockLeader(Options options, const core::Clock& clock, Rng& rng);

  /// Each throws std::runtime_error saying what failed (unreachable, refused, malformed).
  LeaderClock read();
  LeaderClock subscribe(const clock_protocol::Registration& r);
  void unsubscribe(const std::string& name);
  const std::string& url() const { return options_.url; }

 private:
  Response call(const std::string& method, const std::string& path, const std::string& body);

  Options options_;
  HttpClient client_;
};

}  // namespace kmslab::core::client
