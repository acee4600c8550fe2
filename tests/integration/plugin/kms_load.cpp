// kmslab-kms-load: a C++ gRPC client of the KMS plugin (the integration suite's second,
// independent-of-Python client) and the load generator of tools/bench/plugin.sh, which compares
// v2 Encrypt/Decrypt through the plugin with the same Key Vault calls made directly by the
// plugin's own Key Vault client (so the difference is the plugin: gRPC, socket, contract).
//
//   kmslab-kms-load roundtrip --socket unix:///path
//   kmslab-kms-load bench --socket unix:///path --concurrency N --requests M
//   kmslab-kms-load bench-direct --vault V --key K --version X --azure-json F --ca-bundle F
//                   [--proxy http://h:p] --concurrency N --requests M
//   kmslab-kms-load bench-floor --socket unix:///path --concurrency N --requests M
//     (pairs of v1 Version calls: the gRPC hop alone, no Key Vault call, the floor of the
//     plugin's overhead)
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "kms/v1beta1/api.grpc.pb.h"
#include "kms/v2/api.grpc.pb.h"
#include "plugin/auth/token_source.hpp"
#include "plugin/grpc/listen_address.hpp"
#include "plugin/keyvault/keyvault_client.hpp"

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;
using kmslab::plugin::parse_listen_address;

namespace {

std::shared_ptr<grpc::Channel> channel_for(const std::string& socket) {
  auto address = parse_listen_address(socket);
  if (!address) throw std::runtime_error("invalid --socket " + socket);
  return grpc::CreateChannel(address->grpc_target(), grpc::InsecureChannelCredentials());
}

void deadline(grpc::ClientContext& ctx, int seconds = 20) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

void check(const grpc::Status& s, const std::string& what) {
  if (!s.ok())
    throw std::runtime_error(what + ": " + std::to_string(s.error_code()) + " " +
                             s.error_message());
}

int roundtrip(const std::string& socket) {
  auto ch = channel_for(socket);
  auto v1 = v1beta1::KeyManagementService::NewStub(ch);
  auto v2 = v2::KeyManagementService::NewStub(ch);
  nlohmann::json out;
  {
    grpc::ClientContext ctx;
    deadline(ctx);
    v2::StatusResponse st;
    check(v2->Status(&ctx, {}, &st), "Status");
    out["status"] = {{"version", st.version()}, {"healthz", st.healthz()}, {"key_id", st.key_id()}};
  }
  {
    grpc::ClientContext ctx;
    deadline(ctx);
    v1beta1::VersionRequest req;
    req.set_version("v1beta1");
    v1beta1::VersionResponse v;
    check(v1->Version(&ctx, req, &v), "Version");
    out["version"] = {{"version", v.version()}, {"runtime_name", v.runtime_name()}};
  }
  for (size_t size : {0, 1, 32, 190}) {
    const std::string plain(size, static_cast<char>('a' + size % 26));
    grpc::ClientContext ectx;
    deadline(ectx);
    v2::EncryptRequest ereq;
    ereq.set_plaintext(plain);
    ereq.set_uid("cpp-" + std::to_string(size));
    v2::EncryptResponse enc;
    check(v2->Encrypt(&ectx, ereq, &enc), "Encrypt");
    grpc::ClientContext dctx;
    deadline(dctx);
    v2::DecryptRequest dreq;
    dreq.set_ciphertext(enc.ciphertext());
    dreq.set_key_id(enc.key_id());
    dreq.set_uid(ereq.uid());
    *dreq.mutable_annotations() = enc.annotations();
    v2::DecryptResponse dec;
    check(v2->Decrypt(&dctx, dreq, &dec), "Decrypt");
    if (dec.plaintext() != plain) throw std::runtime_error("v2 round trip changed the payload");
    out["v2_ciphertext_sizes"].push_back(enc.ciphertext().size());
  }
  {
    grpc::ClientContext ectx, dctx;
    deadline(ectx);
    deadline(dctx);
    v1beta1::EncryptRequest ereq;
    ereq.set_version("v1beta1");
    ereq.set_plain(std::string(32, '\x07'));
    v1beta1::EncryptResponse enc;
    check(v1->Encrypt(&ectx, ereq, &enc), "v1 Encrypt");
    v1beta1::DecryptRequest dreq;
    dreq.set_version("v1beta1");
    dreq.set_cipher(enc.cipher());
    v1beta1::DecryptResponse dec;
    check(v1->Decrypt(&dctx, dreq, &dec), "v1 Decrypt");
    if (dec.plain() != ereq.plain()) throw std::runtime_error("v1 round trip changed the payload");
  }
  out["ok"] = true;
  std::cout << out.dump() << "\n";
  return 0;
}

// One encrypt+decrypt pair per iteration; latencies per operation.
using Pair = std::function<void(std::vector<double>& enc, std::vector<double>& dec)>;

nlohmann::json run_load(int concurrency, int requests, const std::function<Pair()>& make_worker,
                        const char* first = "encrypt", const char* second = "decrypt") {
  std::vector<std::vector<double>> enc(concurrency), dec(concurrency);
  std::atomic<int> next{0};
  std::atomic<int> errors{0};
  std::mutex error_mu;
  std::string first_error;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      Pair pair = make_worker();
      while (next.fetch_add(1) < requests) {
        try {
          pair(enc[t], dec[t]);
        } catch (const std::exception& e) {
          ++errors;
          std::lock_guard lock(error_mu);
          if (first_error.empty()) first_error = e.what();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  auto summary = [](std::vector<std::vector<double>>& parts) {
    std::vector<double> all;
    for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double q) {
      return all.empty() ? 0.0 : all[std::min(all.size() - 1, size_t(q * all.size()))];
    };
    return nlohmann::json{
        {"n", all.size()}, {"p50_ms", pct(0.50)}, {"p90_ms", pct(0.90)}, {"p99_ms", pct(0.99)}};
  };
  return {{"concurrency", concurrency}, {"pairs", requests},
          {"errors", errors.load()},    {"first_error", first_error},
          {"seconds", seconds},         {"pairs_per_second", requests / seconds},
          {first, summary(enc)},        {second, summary(dec)}};
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

Pair plugin_pair(const std::string& socket) {
  auto stub = std::shared_ptr<v2::KeyManagementService::Stub>(
      v2::KeyManagementService::NewStub(channel_for(socket)));
  return [stub](std::vector<double>& enc_ms, std::vector<double>& dec_ms) {
    grpc::ClientContext ectx, dctx;
    deadline(ectx);
    deadline(dctx);
    v2::EncryptRequest ereq;
    ereq.set_plaintext(std::string(32, 'k'));
    ereq.set_uid("bench");
    v2::EncryptResponse enc;
    auto t0 = Clock::now();
    check(stub->Encrypt(&ectx, ereq, &enc), "Encrypt");
    enc_ms.push_back(ms_since(t0));
    v2::DecryptRequest dreq;
    dreq.set_ciphertext(enc.ciphertext());
    dreq.set_key_id(enc.key_id());
    *dreq.mutable_annotations() = enc.annotations();
    v2::DecryptResponse dec;
    t0 = Clock::now();
    check(stub->Decrypt(&dctx, dreq, &dec), "Decrypt");
    dec_ms.push_back(ms_since(t0));
  };
}

Pair version_pair(const std::string& socket) {
  auto stub = std::shared_ptr<v1beta1::KeyManagementService::Stub>(
      v1beta1::KeyManagementService::NewStub(channel_for(socket)));
  auto call = [stub](std::vector<double>& ms) {
    grpc::ClientContext ctx;
    deadline(ctx);
    v1beta1::VersionRequest req;
    req.set_version("v1beta1");
    v1beta1::VersionResponse out;
    const auto t0 = Clock::now();
    check(stub->Version(&ctx, req, &out), "Version");
    ms.push_back(ms_since(t0));
  };
  return [call](std::vector<double>& a, std::vector<double>& b) {
    call(a);
    call(b);
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: kmslab-kms-load roundtrip|bench|bench-direct|bench-floor [options]\n";
    return 2;
  }
  const std::string mode = argv[1];
  std::string socket, vault, key, version, azure_json, ca, proxy;
  int concurrency = 1, requests = 100;
  po::options_description desc("options");
  desc.add_options()("socket", po::value(&socket))("vault", po::value(&vault))(
      "key", po::value(&key))("version", po::value(&version))("azure-json", po::value(&azure_json))(
      "ca-bundle", po::value(&ca))("proxy", po::value(&proxy))(
      "concurrency", po::value(&concurrency))("requests", po::value(&requests));
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc - 1, argv + 1, desc), vm);
    po::notify(vm);
    if (mode == "roundtrip") return roundtrip(socket);
    if (mode == "bench") {
      std::cout << run_load(concurrency, requests, [&] { return plugin_pair(socket); }).dump()
                << "\n";
      return 0;
    }
    if (mode == "bench-floor") {
      auto make = [&] { return version_pair(socket); };
      std::cout << run_load(concurrency, requests, make, "version", "version2").dump() << "\n";
      return 0;
    }
    if (mode == "bench-direct") {
      // The plugin's own Key Vault client and token source, exactly as the plugin builds them.
      kmslab::core::VirtualClock clock(kmslab::core::VirtualClock::Mode::kSystem);
      kmslab::core::SystemRng rng;
      kmslab::core::client::ClientOptions options;
      options.ca_bundle_file = ca;
      options.proxy = proxy;
      kmslab::core::client::HttpClient http(options, clock, rng);
      auto azure = kmslab::plugin::load_azure_config(azure_json);
      kmslab::plugin::AuthEndpoints endpoints{"http://169.254.169.254",
                                              "https://login.microsoftonline.com/", false};
      auto tokens = kmslab::plugin::make_token_source(azure, "https://vault.azure.net", endpoints,
                                                      http, clock);
      const std::string url = "https://" + vault + ".vault.azure.net/";
      kmslab::plugin::KeyVaultClient kv({url, key, version, url, false}, *tokens, http);
      auto pair = [&kv]() -> Pair {
        return [&kv](std::vector<double>& enc_ms, std::vector<double>& dec_ms) {
          const auto d = Clock::now() + std::chrono::seconds(20);
          auto t0 = Clock::now();
          auto enc = kv.encrypt(std::string(32, 'k'), "RSA-OAEP-256", d);
          enc_ms.push_back(ms_since(t0));
          t0 = Clock::now();
          kv.decrypt(enc.ciphertext, "RSA-OAEP-256", d);
          dec_ms.push_back(ms_since(t0));
        };
      };
      std::cout << run_load(concurrency, requests, pair).dump() << "\n";
      return 0;
    }
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kmslab-kms-load: " << e.what() << "\n";
    return 1;
  }
}
