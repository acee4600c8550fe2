#!/usr/bin/python3
"""L4 at scale: what a KMS v1 cluster costs Key Vault as its Secret count grows past the DEK
cache, against a KMS v2 cluster under the same load (tools/bench/l4.sh runs this).

One emulator (port 0, its own data directory, Key Vault's real throttle limits on, a latency
fault on the vault), a 1.26 cluster (KMS v1) and a 1.29 cluster (KMS v2) with the AKS cachesize
(--aks-kms-cachesize). For each N: each cluster gets Secrets s1..sN, its apiserver is killed and
started again by its supervisor (cold caches; the new apiserver reads every object before it is
ready), then `kubectl get secrets` lists them (--lists times). Per phase (the restart, each list):
wall time, success, the plugin Decrypts the apiserver made (v1: DEK cache misses, one Decrypt
each; v2: the Decrypt count of kms_operations_latency_seconds) and, from the vault's AuditEvent
log, Key Vault decrypt calls and 429s. A benchmark, not a test: times depend on the
machine (its load is printed)."""
import argparse
import base64
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))
import kmslab_demo  # noqa: E402  (ARM, Entra ID and Key Vault calls as a deployment makes them)
import kmslab_env  # noqa: E402
from crash_aks import ClusterApi  # noqa: E402  (a cluster's loopback kubeconfig as a REST client)
from kmslab_harness import zombie  # noqa: E402  (on the path crash_aks adds)

# Assumed, not measured on Azure: no public Key Vault latency figure was found. The one public
# KMS latency figure is KEP-3299's CI mean of ~30 ms per KMS Encrypt (reference/kms.md §6.3).
DEFAULT_LATENCY_MS = 30
DEFAULT_COUNTS = [500, 1000, 2000, 3000]
QUICK = {"counts": [100, 300], "cachesize": 200}
MAX_SECRETS, MAX_COUNTS = 10000, 8
CREATE_ATTEMPTS = 60  # per Secret, 0.5 s apart: a throttle window (10 s) passes several times
AKS_API = "2024-02-01"
PHASES = ["restart", "list 1", "list 2", "list 3"]  # restart: kill -9 until /readyz answers 200
CLUSTERS = {"v1": ("l4-v1", "1.26.6"), "v2": ("l4-v2", "1.29.7")}  # KMS v2 from 1.27 (aks.md §5)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load():
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


class Emulator:
    def __init__(self, binary, data_dir, args):
        self.data_dir = data_dir
        self.admin_token = base64.b32encode(os.urandom(20)).decode()
        self.proc = subprocess.Popen(
            [binary, "--data-dir", str(data_dir), "--port", "0", "--admin-token", self.admin_token,
             "--log-file", str(data_dir / "emulator.log"), *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ready = data_dir / "endpoints.json"
        kmslab_demo.wait_until("the emulator's endpoints.json",
                               lambda: True if ready.exists() or self.exited() else None, 30, 0.05)
        if self.exited():
            sys.exit(f"kmslab-emulator exited {self.proc.returncode}: "
                     f"{self.proc.stderr.read().decode()[-2000:]}")
        self.endpoints = kmslab_env.read_endpoints(data_dir)
        self.admin = kmslab_env.Admin(self.endpoints, self.admin_token)

    def exited(self):
        return self.proc.poll() is not None

    def stop(self):
        """SIGTERM: the emulator stops its clusters' processes before it exits."""
        if self.exited():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Cluster:
    """One AKS cluster: its ARM id, its apiserver through the loopback kubeconfig, kubectl."""

    def __init__(self, bench, version, name, kubernetes_version):
        self.bench, self.version, self.name = bench, version, name
        self.id = f"{bench.rg}/providers/Microsoft.ContainerService/managedClusters/{name}"
        demo = bench.demo
        demo.ensure(self.id, AKS_API, {
            "location": kmslab_demo.LOCATION,
            "identity": {"type": "UserAssigned",
                         "userAssignedIdentities": {bench.identity["id"]: {}}},
            "properties": {
                "kubernetesVersion": kubernetes_version, "dnsPrefix": name,
                "agentPoolProfiles": [{"name": "nodepool1", "count": 1, "mode": "System",
                                       "type": "VirtualMachineScaleSets",
                                       "vmSize": "Standard_DS2_v2"}],
                "securityProfile": {"azureKeyVaultKms": {
                    "enabled": True, "keyId": bench.key_id, "keyVaultNetworkAccess": "Public"}}}})
        demo.wait_provisioned(self.id, AKS_API, f"cluster {name}")
        self.kubeconfig = bench.dir / f"kubeconfig-{name}"
        self.serving()

    def serving(self, timeout=120):
        """Waits for /readyz 200 on the apiserver the credentials name now."""
        def ready():
            _, creds = self.bench.demo.arm("POST", f"{self.id}/listClusterAdminCredential",
                                           AKS_API)
            loopback = [k for k in creds.get("kubeconfigs", []) if k["name"] == "kmslab-loopback"]
            if not loopback:
                return None
            text = base64.b64decode(loopback[0]["value"]).decode()
            api = ClusterApi(text)
            try:
                status, _ = api.request(api.connect(), "GET", "/readyz")
            except OSError:
                return None
            if status != 200:
                return None
            kmslab_demo.write_private(self.kubeconfig, text)
            return api
        self.api = kmslab_demo.wait_until(f"cluster {self.name} to serve", ready, timeout, 0.1)

    def restart_apiserver(self, timeout):
        status, answer = self.bench.emulator.admin.call(
            "POST", "/_kmslab/aks/processes/restart",
            {"cluster": f"{kmslab_demo.RG}/{self.name}", "process": "apiserver", "signal": "KILL"})
        if status != 200:
            sys.exit(f"restarting {self.name}'s apiserver answered {status}: {answer}")
        for pid in answer.get("pids", []):  # the killed process, reaped by its supervisor
            kmslab_demo.wait_until(f"pid {pid} to exit", lambda: True if zombie(pid) else None, 30)
        self.serving(timeout)

    def create(self, first, last, workers):
        """Secrets s{first}..s{last}, `workers` REST clients at once (a 409 is one already made).
        A 5xx (v1: the plugin's Encrypt refused, e.g. Key Vault's 429) is retried after a pause,
        as a controller would; returns how many writes were refused so."""
        def make(chunk):
            conn, refused = self.api.connect(), 0
            for i in chunk:
                body = {"apiVersion": "v1", "kind": "Secret",
                        "metadata": {"name": f"s{i}", "namespace": "default"},
                        "stringData": {"v": f"value-{i}"}}
                for _ in range(CREATE_ATTEMPTS):
                    status, text = self.api.request(conn, "POST",
                                                    "/api/v1/namespaces/default/secrets", body)
                    if status < 500:
                        break
                    refused += 1
                    time.sleep(0.5)
                if status not in (201, 409):
                    raise RuntimeError(f"creating s{i} on {self.name}: {status} {text[:300]!r}")
            return refused
        numbers = list(range(first, last + 1))
        with ThreadPoolExecutor(workers) as pool:
            return sum(pool.map(make, [numbers[w::workers] for w in range(workers)]))

    def metrics(self):
        status, text = self.api.request(self.api.connect(), "GET", "/metrics")
        if status != 200:
            sys.exit(f"{self.name} /metrics answered {status}")
        return text.decode()

    def plugin_decrypts(self):
        """v1: each DEK cache miss is one Decrypt RPC; v2: the Decrypt calls the apiserver timed."""
        text = self.metrics()
        if self.version == "v1":
            return metric_sum(text, "apiserver_storage_envelope_transformation_cache_misses_total")
        return metric_sum(text,
                          "apiserver_envelope_encryption_kms_operations_latency_seconds_count",
                          'method_name="/v2.KeyManagementService/Decrypt"')

    def list(self, timeout):
        env = {k: v for k, v in os.environ.items()
               if k.lower() not in ("https_proxy", "http_proxy", "no_proxy", "all_proxy")}
        start = time.monotonic()
        try:
            done = subprocess.run(["kubectl", "--kubeconfig", str(self.kubeconfig), "get",
                                   "secrets", "-n", "default", "-o", "name",
                                   f"--request-timeout={timeout}s"],
                                  env=env, capture_output=True, text=True, timeout=timeout + 30)
            names = sum(1 for line in done.stdout.splitlines() if line.startswith("secret/s"))
            error = [timeout_named(done.stderr.strip())[:240]] if done.returncode else []
        except subprocess.TimeoutExpired:
            names, error = 0, ["kubectl did not return"]
        return time.monotonic() - start, names, error[0] if error else ""


def timeout_named(stderr):
    """kubectl's text for kube-apiserver's 504 (one request past --request-timeout, 60 s), named."""
    if "Error from server (Timeout)" in stderr:
        return "504 (the apiserver's request timeout): " + stderr
    return stderr


def metric_sum(text, name, labels=""):
    total = 0.0
    for line in text.splitlines():
        m = re.match(rf"{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", line)
        if m and labels in (m.group(1) or ""):
            total += float(m.group(2))
    return int(total)


def rfc3339_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Bench:
    def __init__(self, args, data_dir, emulator):
        self.args, self.dir, self.emulator = args, data_dir, emulator
        creds = kmslab_env.service_principal(self.emulator.admin, data_dir / "kmslab-env")
        self.demo = kmslab_demo.Demo(data_dir, self.emulator.endpoints, creds, 120)
        self.rg = self.demo.group()
        self.identity = self.demo.identity(self.rg)
        self.vault = self.demo.vault(self.rg, self.identity)
        self.key_id = self.demo.key(self.vault)
        self.clusters = {v: Cluster(self, v, *CLUSTERS[v]) for v in ("v1", "v2")}
        if args.latency_ms > 0:
            status, rule = self.emulator.admin.call("POST", "/_kmslab/faults", {
                "match": {"vault": kmslab_demo.VAULT},
                "action": {"type": "latency", "ms": args.latency_ms}})
            if status not in (200, 201):
                sys.exit(f"the latency fault was refused ({status}): {rule}")

    def key_vault_decrypts(self, since):
        status, answer = self.emulator.admin.call(
            "GET", f"/_kmslab/vaults/{kmslab_demo.VAULT}/audit-events?operation=KeyDecrypt"
            f"&since={since}")
        if status != 200:
            sys.exit(f"audit-events answered {status}: {answer}")
        records = answer["records"]
        throttled = sum(1 for r in records if r["properties"]["httpStatusCode"] == 429)
        return len(records), throttled

    def measured_restart(self, cluster):
        """kill -9 to /readyz 200: what the new apiserver decrypted before it served (its
        counters start at zero)."""
        since = rfc3339_now()
        start = time.monotonic()
        # The new apiserver reads every object before it is ready: give each a generous round trip.
        cluster.restart_apiserver(120 + self.n * max(0.2, self.args.latency_ms / 100))
        seconds = time.monotonic() - start
        decrypts, throttled = self.key_vault_decrypts(since)
        return {"seconds": seconds, "ok": True, "names": None, "error": "",
                "plugin": cluster.plugin_decrypts(), "kv": decrypts, "429": throttled}

    def measured_list(self, cluster):
        since = rfc3339_now()
        before = cluster.plugin_decrypts()
        seconds, names, error = cluster.list(self.args.list_timeout)
        decrypts, throttled = self.key_vault_decrypts(since)
        return {"seconds": seconds, "ok": not error and names == self.n, "names": names,
                "error": error, "plugin": cluster.plugin_decrypts() - before,
                "kv": decrypts, "429": throttled}

    def run(self, n, made):
        self.n = n
        rows = {}
        for version, cluster in self.clusters.items():
            start = time.monotonic()
            refused = cluster.create(made + 1, n, self.args.workers)
            created = time.monotonic() - start
            lists = [self.measured_restart(cluster)]
            lists += [self.measured_list(cluster) for _ in range(self.args.lists)]
            rows[version] = {"create_seconds": created, "create_refused": refused, "lists": lists}
            if version == "v2":
                rows[version]["dek_source_cache_size"] = metric_sum(
                    cluster.metrics(), "apiserver_envelope_encryption_dek_source_cache_size")
            log(f"N={n} {version}: " + "; ".join(
                f"{PHASES[i]} {r['seconds']:.1f} s {'ok' if r['ok'] else 'FAILED ' + r['error']}, "
                f"plugin Decrypt {r['plugin']}, KV decrypt {r['kv']}, 429 {r['429']}"
                for i, r in enumerate(lists)))
        rows["load"] = load()
        return rows


def table(results, args):
    out = [f"KMS v1 (1.26) vs KMS v2 (1.29): cachesize {args.cachesize}, Key Vault latency "
           f"{args.latency_ms} ms (fault), throttle {args.throttle_other} per 10 s (Key Vault's "
           "RSA-2048 limit: 4000); restart: kill -9 until /readyz 200, what the new apiserver "
           "read first, then each list; s: seconds", ""]
    head = "| N | phase | v1 s | v1 ok | v1 plugin Decrypt | v1 KV decrypt | v1 KV 429 | " \
           "v2 s | v2 ok | v2 plugin Decrypt | v2 KV decrypt | v2 KV 429 | KV decrypt v1/v2 | " \
           "time v1/v2 |"
    out += [head, "|" + "---|" * (head.count("|") - 1)]
    for n, rows in results.items():
        for i, (a, b) in enumerate(zip(rows["v1"]["lists"], rows["v2"]["lists"])):
            ratio = f"{a['kv'] / b['kv']:.0f}" if b["kv"] else f"{a['kv']}/0"
            out.append(
                f"| {n} | {PHASES[i]} | {a['seconds']:.1f} | "
                f"{'yes' if a['ok'] else 'no'} | {a['plugin']} | {a['kv']} | {a['429']} | "
                f"{b['seconds']:.1f} | {'yes' if b['ok'] else 'no'} | {b['plugin']} | {b['kv']} | "
                f"{b['429']} | {ratio} | {a['seconds'] / max(b['seconds'], 1e-3):.1f}x |")
    out.append("")
    for n, rows in results.items():
        out.append(f"N={n}: create v1 {rows['v1']['create_seconds']:.1f} s "
                   f"({rows['v1']['create_refused']} writes refused, retried), v2 "
                   f"{rows['v2']['create_seconds']:.1f} s ({rows['v2']['create_refused']}) "
                   f"({args.workers} clients); v2 "
                   f"dek_source_cache_size {rows['v2']['dek_source_cache_size']}; {rows['load']}")
    return "\n".join(out)


def counts(text):
    values = sorted({int(v) for v in text.replace(",", " ").split()})
    if not values or len(values) > MAX_COUNTS or values[0] < 1 or values[-1] > MAX_SECRETS:
        raise argparse.ArgumentTypeError(
            f"1 to {MAX_COUNTS} counts between 1 and {MAX_SECRETS}, not '{text}'")
    return values


def main():
    ap = argparse.ArgumentParser(prog="tools/bench/l4.sh", description=__doc__.split("\n\n")[0])
    ap.add_argument("--emulator", required=True, help="the kmslab-emulator binary")
    ap.add_argument("--counts", type=counts, default=DEFAULT_COUNTS,
                    help=f"Secret counts, ascending (default {DEFAULT_COUNTS}; at most "
                         f"{MAX_COUNTS} values, each at most {MAX_SECRETS})")
    ap.add_argument("--cachesize", type=int, default=1000,
                    help="the v1 DEK cache (--aks-kms-cachesize; AKS's value is unverified, "
                         "1000 is upstream's default)")
    ap.add_argument("--latency-ms", type=int, default=DEFAULT_LATENCY_MS,
                    help=f"Key Vault latency injected on every call to the vault (default "
                         f"{DEFAULT_LATENCY_MS}, assumed; 0 = none)")
    ap.add_argument("--lists", type=int, default=1, choices=range(1, 4),
                    help="lists per N after each restart (default 1)")
    ap.add_argument("--throttle-other", type=int, default=4000,
                    help="Key Vault's budget per 10 s for RSA-2048 operations (default 4000, the "
                         "real limit; lower it to model a vault shared with other load)")
    ap.add_argument("--workers", type=int, default=8, help="REST clients creating Secrets")
    ap.add_argument("--list-timeout", type=int, default=300, help="kubectl --request-timeout, s")
    ap.add_argument("--quick", action="store_true",
                    help=f"a short run: counts {QUICK['counts']}, cachesize {QUICK['cachesize']}")
    ap.add_argument("--json", type=Path, help="also write the measurements as JSON")
    args = ap.parse_args()
    if args.quick:
        args.counts, args.cachesize = QUICK["counts"], QUICK["cachesize"]
    if shutil.which("kubectl") is None:
        sys.exit("kubectl is not on PATH (tools/setup.sh installs it)")
    started = time.monotonic()
    data_dir = Path(tempfile.mkdtemp(prefix="kmslab-l4-"))
    emulator = None
    try:
        log(f"emulator in {data_dir}; counts {args.counts}, cachesize {args.cachesize}, "
            f"latency {args.latency_ms} ms; {load()}")
        emulator = Emulator(args.emulator, data_dir, [
            f"--aks-kms-cachesize={args.cachesize}", "--throttling=azure",
            "--audit-retention=1000000", f"--throttle-other={args.throttle_other}",
            # a cold v1 apiserver reads every Secret before it serves
            "--aks-start-timeout=1800s"])
        bench = Bench(args, data_dir, emulator)
        log(f"vault, key and both clusters ready ({time.monotonic() - started:.0f} s)")
        results, made = {}, 0
        for n in args.counts:
            results[n] = bench.run(n, made)
            made = n
        print()
        print(table(results, args))
        print(f"\nwall time {time.monotonic() - started:.0f} s; {load()}; {os.cpu_count()} CPUs")
        if args.json:
            args.json.write_text(json.dumps({"args": {k: v for k, v in vars(args).items()
                                                      if k != "json"}, "results": results},
                                            indent=2, default=str) + "\n")
    finally:
        if emulator is not None:
            emulator.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
