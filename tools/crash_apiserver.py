"""The kmslab-apiserver mode of tools/crash_consistency.py: REST writers (and a kubectl one, when
kubectl is on PATH) create, update and delete secrets encrypted with KMS v2 (the Base64 mock
plugin, which keeps running) while kmslab-apiserver is killed with SIGKILL at random moments, on
its embedded SQLite store. After each restart every acknowledged secret must read back with its
acknowledged value (or the value of the one write in flight at the kill), still stored under
`k8s:enc:kms:v2:`, and nothing else may appear."""
import base64
import http.client
import json
import os
import random
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

PREFIX = b"k8s:enc:kms:v2:crash:"


class Apiserver:
    def __init__(self, binary, data_dir, config, store=""):
        self.binary, self.data_dir, self.config, self.store = binary, data_dir, config, store
        self.kubeconfig = os.path.join(data_dir, "kubeconfig")
        self.proc = None

    def start(self):
        if os.path.exists(self.kubeconfig):
            os.unlink(self.kubeconfig)
        self.proc = subprocess.Popen(
            [self.binary, "--data-dir", self.data_dir, "--secure-port", "0",
             "--encryption-provider-config", self.config, *(["--store", self.store] if self.store else []),
             "--log-file", os.path.join(self.data_dir, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"apiserver exited {self.proc.returncode}: {self.proc.stderr.read().decode()}")
            try:
                config = json.load(open(self.kubeconfig))
                cluster = config["clusters"][0]["cluster"]
                url = urllib.parse.urlparse(cluster["server"])
                self.port = url.port
                self.ctx = ssl.create_default_context(cafile=cluster["certificate-authority"])
                self.headers = {"Authorization": "Bearer " + config["users"][0]["user"]["token"],
                                "Content-Type": "application/json"}
                return self
            except (FileNotFoundError, json.JSONDecodeError):
                time.sleep(0.01)
        raise SystemExit("apiserver did not become ready")

    def connect(self):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)

    def request(self, conn, method, path, body=None):
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=self.headers)
        reply = conn.getresponse()
        return reply.status, reply.read()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class SecretModel:
    """What a secret may hold: the acknowledged value (None = absent) and, while a write is in
    flight, the value that write would leave."""

    def __init__(self, name):
        self.name, self.acked, self.pending = name, None, []

    @property
    def path(self):
        return f"/api/v1/namespaces/default/secrets/{self.name}"


def body(name, value):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "default"},
            "data": {"v": base64.b64encode(value.encode()).decode()}}


def rest_writer(api, secrets, rng, stop, counters, lock):
    conn = api.connect()
    while not stop.is_set():
        s = rng.choice(secrets)
        if s.pending:  # a write of unknown fate: left alone until the next verify settles it
            stop.wait(0.005)
            continue
        value = f"{s.name}-{rng.randrange(1 << 30)}"
        if s.acked is None:
            op, next_value = ("POST", "/api/v1/namespaces/default/secrets"), value
        elif rng.random() < 0.2:
            op, next_value = ("DELETE", s.path), None
        else:
            op, next_value = ("PUT", s.path), value
        s.pending = [next_value]
        try:
            status, _ = api.request(conn, *op, None if next_value is None else body(s.name, value))
        except (OSError, http.client.HTTPException):
            return  # killed: the write stays pending
        with lock:
            if status in (200, 201):
                s.acked = next_value
                counters["acked"] += 1
            elif status >= 500:  # e.g. etcd lost mid-transaction: it may have committed
                counters["unknown"] = counters.get("unknown", 0) + 1
                continue
            else:
                counters["refused"] += 1
        s.pending = []


def kubectl_writer(api, secrets, rng, stop, counters, lock):
    env = dict(os.environ, KUBECONFIG=api.kubeconfig, HOME=api.data_dir)
    while not stop.is_set():
        s = rng.choice([x for x in secrets if x.acked is None] or [None])
        if s is None:
            return
        value = f"{s.name}-{rng.randrange(1 << 30)}"
        s.pending = [value]
        out = subprocess.run(["kubectl", "create", "secret", "generic", s.name, f"--from-literal=v={value}"],
                             env=env, capture_output=True, timeout=60)
        if out.returncode != 0:
            return  # killed (or refused): pending until the next verify says which
        with lock:
            s.acked = value
            counters["acked"] += 1
            counters["kubectl"] += 1
        s.pending = []


def verify(api, secrets, anomalies, cycle, prefix=PREFIX):
    conn = api.connect()
    for s in secrets:
        status, data = api.request(conn, "GET", s.path)
        allowed = [s.acked] + s.pending
        if status == 404:
            seen = None
        elif status == 200:
            seen = base64.b64decode(json.loads(data)["data"]["v"]).decode()
            raw_status, raw = api.request(conn, "GET", "/_kmslab/raw?key=" +
                                          urllib.parse.quote(f"/registry/secrets/default/{s.name}"))
            if raw_status != 200 or not raw.startswith(prefix):
                anomalies.append(f"cycle {cycle}: {s.name} is not stored under {prefix!r}: {raw[:40]!r}")
        else:
            anomalies.append(f"cycle {cycle}: GET {s.name} answered {status}: {data[:200]!r}")
            continue
        if seen not in allowed:
            anomalies.append(f"cycle {cycle}: {s.name} holds {seen!r}, acknowledged {s.acked!r}"
                             f" (in flight {s.pending!r})")
        s.acked, s.pending = seen, []
    status, data = api.request(conn, "GET", "/api/v1/namespaces/default/secrets")
    names = {i["metadata"]["name"] for i in json.loads(data)["items"]} if status == 200 else None
    expected = {s.name for s in secrets if s.acked is not None}
    if names != expected:
        anomalies.append(f"cycle {cycle}: LIST answered {status} with unexpected names {names ^ expected if names else data[:200]!r}")


def run(args, rng):
    """One crash run against kmslab-apiserver; returns the process exit code."""
    work = tempfile.mkdtemp(prefix="kmslab-crash-apiserver-")
    socket = os.path.join(work, "kms.sock")
    plugin = subprocess.Popen([args.mock_plugin, "--listen-addr", f"unix://{socket}", "--status-version", "v2"],
                              stdout=subprocess.PIPE, text=True)
    api = None
    try:
        if plugin.stdout.readline().strip() != "ready":
            raise SystemExit("mock plugin did not start")
        config = os.path.join(work, "enc.json")
        with open(config, "w") as f:
            json.dump({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
                       "resources": [{"resources": ["secrets"], "providers": [
                           {"kms": {"apiVersion": "v2", "name": "crash", "endpoint": f"unix://{socket}"}}]}]}, f)
        api = Apiserver(args.apiserver, os.path.join(work, "data"), config, args.store)
        groups = [[SecretModel(f"c{t}-{i}") for i in range(args.keys_per_thread)] for t in range(args.threads)]
        kubectl_group = [SecretModel(f"kubectl-{i}") for i in range(4 * args.cycles)]
        use_kubectl = shutil.which("kubectl") is not None
        everything = [s for g in groups for s in g] + kubectl_group
        anomalies, counters = [], {"acked": 0, "refused": 0, "kubectl": 0}
        lock = threading.Lock()
        started = time.monotonic()
        for cycle in range(1, args.cycles + 1):
            api.start()
            if cycle > 1:
                verify(api, everything, anomalies, cycle)
            stop = threading.Event()
            threads = [threading.Thread(target=rest_writer, args=(api, g, random.Random(rng.random()), stop,
                                                                   counters, lock)) for g in groups]
            if use_kubectl:
                threads.append(threading.Thread(target=kubectl_writer, args=(
                    api, kubectl_group, random.Random(rng.random()), stop, counters, lock)))
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 1.2))
            api.kill()
            stop.set()
            for t in threads:
                t.join()
        api.start()
        verify(api, everything, anomalies, args.cycles + 1)
        api.proc.send_signal(signal.SIGTERM)
        api.proc.wait(timeout=30)
        print(f"crash consistency (kmslab-apiserver, KMS v2): {args.cycles} kill -9 cycles, "
              f"{counters['acked']} acknowledged writes ({counters['kubectl']} by kubectl), "
              f"{len(everything)} secrets checked, {len(anomalies)} anomalies, "
              f"{time.monotonic() - started:.0f} s (seed {args.seed})")
        for a in anomalies:
            print("  " + a)
        return 1 if anomalies else 0
    finally:
        if api and api.proc and api.proc.poll() is None:
            api.kill()
        plugin.terminate()
        plugin.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
