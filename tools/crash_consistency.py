#!/usr/bin/python3
"""Crash consistency: clients write to the Key Vault data plane and to ARM (managed identities and
role assignments) while the emulator is killed with SIGKILL at random moments, over many cycles;
after each restart every acknowledged write must be there, nothing unacknowledged may appear
half-written, the store must pass its integrity check and every live key must still sign and
verify.

  tools/crash_consistency.py [--cycles 20] [--threads 4] [--seed 1] [--emulator PATH] [--store S]
  tools/crash_consistency.py --apiserver PATH [--mock-plugin PATH] ...   (tools/crash_apiserver.py)

--mode plugin kills kmslab-kms-plugin instead (the emulator keeps running): gRPC clients encrypt
(KMS v2 and v1) while the plugin is killed; each restart must reclaim the stale socket (0600
again) and decrypt every ciphertext it acknowledged before.

  tools/crash_consistency.py --mode plugin [--cycles 10] [--kms-plugin PATH]

--mode aks runs KMS clusters under the emulator's supervisor (tools/crash_aks.py) and kills the
emulator while secrets are written in them: every cluster must come back and every acknowledged
secret read, still under its vault key.

  tools/crash_consistency.py --mode aks [--cycles 5] [--clusters 2] [--threads 2]
                             [--cluster-store embedded|etcd]

Loopback only; bounded by --cycles. Exit 0 when no anomaly was found."""
import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

TENANT = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8"
SUB = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"  # the emulator's default subscription
VAULT = "crashvault"
IDENTITIES = f"/subscriptions/{SUB}/resourceGroups/kmslab/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/kmslab/providers/Microsoft.KeyVault/vaults/{VAULT}"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Emulator:
    def __init__(self, binary, data_dir, store, extra=()):
        self.binary, self.data_dir, self.store, self.extra = binary, data_dir, store, list(extra)
        self.proc = None

    def start(self):
        ep = os.path.join(self.data_dir, "endpoints.json")
        if os.path.exists(ep):
            os.unlink(ep)
        self.proc = subprocess.Popen([self.binary, "--data-dir", self.data_dir, "--port", "0",
                                      "--vault", VAULT, "--throttling", "off",
                                      "--audit-retention", "10000000",
                                      *(["--store", self.store] if self.store else []), *self.extra,
                                      "--log-file", os.path.join(self.data_dir, "log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"emulator exited {self.proc.returncode}: {self.proc.stderr.read().decode()}")
            try:
                with open(ep) as f:
                    e = json.load(f)
                self.port = int(e["https"].rsplit(":", 1)[1])
                self.ctx = ssl.create_default_context(cafile=e["ca"])
                return self
            except (FileNotFoundError, json.JSONDecodeError):
                time.sleep(0.01)
        sys.exit("emulator did not become ready")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def connect(self):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)

    def token(self, scope="https://vault.azure.net/.default"):
        conn = self.connect()
        body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "crash",
                                       "client_secret": "x", "scope": scope})
        conn.request("POST", f"/{TENANT}/oauth2/v2.0/token", body,
                     {"Content-Type": "application/x-www-form-urlencoded"})
        return json.loads(conn.getresponse().read())["access_token"]


class Client:
    """Raw Key Vault (or ARM) requests on one keep-alive connection."""

    def __init__(self, emu, token, host=None, api_version="7.5"):
        self.emu, self.token, self.api_version = emu, token, api_version
        self.host = host or f"{VAULT}.vault.localhost:{emu.port}"
        self.conn = None

    def call(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection("127.0.0.1", self.emu.port, timeout=30,
                                                    context=self.emu.ctx)
        sep = "&" if "?" in path else "?"
        if "api-version=" not in path:
            path = f"{path}{sep}api-version={self.api_version}"
        self.conn.request(method, path,
                          json.dumps(body) if body is not None else None,
                          {"Host": self.host, "Authorization": "Bearer " + self.token,
                           "Content-Type": "application/json"})
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, (json.loads(data) if data else None)


class KeyModel:
    """What the clients know of one key: acknowledged state plus the one operation in flight."""

    def __init__(self, name):
        self.name = name
        self.versions = set()
        # Only versions whose create was answered: a create cut off by the kill may have
        # committed its key and not its audit record (no answer left, so none was promised).
        self.acked_versions = set()
        self.tags = None
        self.deleted = False
        self.pending = None  # (op, value) sent without an answer


def writer(emu, token, keys, rng, stop, counters):
    client = Client(emu, token)
    while not stop.is_set():
        key = rng.choice(keys)
        if key.pending:
            continue  # its fate is decided after the restart
        if key.deleted:
            op, value = "recover", None
        elif not key.versions:
            op, value = "create", None
        else:
            op = rng.choices(["create", "tags", "delete"], [4, 5, 1])[0]
            value = str(rng.randrange(1 << 30)) if op == "tags" else None
        key.pending = (op, value)
        try:
            if op == "create":
                status, body = client.call("POST", f"/keys/{key.name}/create", {"kty": "EC"})
                ok = status == 200 and body["key"]["kid"].rsplit("/", 1)[1]
            elif op == "tags":
                status, _ = client.call("PATCH", f"/keys/{key.name}", {"tags": {"n": value}})
                ok = status == 200
            elif op == "delete":
                status, _ = client.call("DELETE", f"/keys/{key.name}")
                ok = status == 200
            else:
                status, _ = client.call("POST", f"/deletedkeys/{key.name}/recover")
                ok = status == 200
        except (OSError, http.client.HTTPException):
            return  # the emulator died mid-request: key.pending stays
        if not ok:
            counters["refused"] += 1
            key.pending = None
            continue
        if op == "create":
            key.versions.add(ok)
            key.acked_versions.add(ok)
            key.tags = None  # tags belong to a version; a new version starts without
        elif op == "tags":
            key.tags = value
        else:
            key.deleted = op == "delete"
        key.pending = None
        counters["acked"] += 1


class ArmModel:
    """What the ARM client knows of one resource: a managed identity or a role assignment."""

    def __init__(self, kind, name):
        self.kind, self.name = kind, name
        self.exists = False
        self.principal = None  # the identity's principalId, fixed at creation
        self.pending = None

    def path(self):
        if self.kind == "identity":
            return f"{IDENTITIES}/{self.name}?api-version=2022-01-31-preview"
        return f"{VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/{self.name}?api-version=2022-04-01"


def arm_client(emu, token):
    return Client(emu, token, host=f"127.0.0.1:{emu.port}")


def arm_writer(emu, token, resources, rng, stop, counters):
    client = arm_client(emu, token)
    while not stop.is_set():
        res = rng.choice(resources)
        if res.pending:
            continue
        op = "delete" if res.exists and rng.random() < 0.4 else "put"
        res.pending = op
        if op == "delete":
            body = None
        elif res.kind == "identity":
            body = {"location": "eastus", "tags": {"n": str(rng.randrange(1 << 30))}}
        else:
            body = {"properties": {
                "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
                                    "roleDefinitions/12338af0-0e69-4776-bea7-57ae8d297424",
                "principalId": "00000000-0000-4000-8000-" + res.name[-12:],
                "principalType": "ServicePrincipal"}}
        try:
            status, answer = client.call("PUT" if op == "put" else "DELETE", res.path(), body)
        except (OSError, http.client.HTTPException):
            return
        res.pending = None
        if op == "put" and status == 409:  # RoleAssignmentExists: role assignments are immutable
            res.exists = True
            continue
        if status not in (200, 201, 204):
            counters["arm_refused"] += 1
            continue
        res.exists = op == "put"
        if op == "delete":
            res.principal = None
        elif res.kind == "identity":
            if res.principal and answer["properties"]["principalId"] != res.principal:
                counters["arm_id_changes"] += 1
            res.principal = answer["properties"]["principalId"]
        counters["acked"] += 1
        counters["arm_acked"] += 1


def verify_arm(emu, token, resources, anomalies, cycle):
    client = arm_client(emu, token)
    for res in resources:
        status, body = client.call("GET", res.path())
        present = status == 200
        allowed = {res.exists} | ({not res.exists} if res.pending else set())
        if present not in allowed:
            anomalies.append(f"cycle {cycle}: ARM {res.kind} {res.name} present={present} "
                             f"(GET {status}), expected {allowed}")
        if present and res.kind == "identity" and res.principal and not res.pending and \
                body["properties"]["principalId"] != res.principal:
            anomalies.append(f"cycle {cycle}: identity {res.name} changed its principalId")
        res.exists, res.pending = present, None
        if res.kind == "identity":
            res.principal = body["properties"]["principalId"] if present else None


def verify(emu, token, keys, anomalies, cycle):
    client = Client(emu, token)
    conn = emu.connect()
    conn.request("GET", "/_kmslab/store")
    store = json.loads(conn.getresponse().read())
    if store["integrity"] != "ok":
        anomalies.append(f"cycle {cycle}: store integrity: {store['integrity']}")
    # Every acknowledged version has its KeyCreate AuditEvent record: it is written before the
    # answer leaves, so a kill -9 cannot lose it.
    conn = emu.connect()
    conn.request("GET", f"/_kmslab/vaults/{VAULT}/audit-events?operation=KeyCreate")
    audited = {r["properties"]["id"].rsplit("/", 1)[1]
               for r in json.loads(conn.getresponse().read())["records"]
               if r["properties"]["httpStatusCode"] == 200}
    for key in keys:
        if key.acked_versions - audited:
            anomalies.append(f"cycle {cycle}: {key.name} versions without an audit record "
                             f"{sorted(key.acked_versions - audited)}")
    for key in keys:
        op, value = key.pending or (None, None)
        status, live = client.call("GET", f"/keys/{key.name}")
        deleted_status, _ = client.call("GET", f"/deletedkeys/{key.name}")
        if not key.versions and op != "create":
            if status != 404:
                anomalies.append(f"cycle {cycle}: {key.name} exists but was never acknowledged")
            key.pending = None
            continue
        is_deleted = deleted_status == 200
        allowed = {key.deleted} | ({not key.deleted} if op in ("delete", "recover") else set())
        if is_deleted not in allowed:
            anomalies.append(f"cycle {cycle}: {key.name} deleted={is_deleted}, expected {allowed}")
        key.deleted = is_deleted
        if is_deleted:
            key.pending = None
            continue
        if status != 200:
            if key.versions or status != 404:
                anomalies.append(f"cycle {cycle}: {key.name} GET {status}")
            key.pending = None
            continue
        _, listed = client.call("GET", f"/keys/{key.name}/versions?maxresults=25")
        found = {item["kid"].rsplit("/", 1)[1] for item in listed["value"]}
        while listed.get("nextLink"):
            path = listed["nextLink"].split(client.host, 1)[1]
            _, listed = client.call("GET", path)
            found |= {item["kid"].rsplit("/", 1)[1] for item in listed["value"]}
        missing = key.versions - found
        extra = found - key.versions
        if missing:
            anomalies.append(f"cycle {cycle}: {key.name} lost acknowledged versions {sorted(missing)}")
        if len(extra) > (1 if op == "create" else 0):
            anomalies.append(f"cycle {cycle}: {key.name} has unacknowledged versions {sorted(extra)}")
        key.versions = found
        tags = (live.get("tags") or {}).get("n")
        allowed_tags = {key.tags} | ({value} if op == "tags" else set()) | ({None} if op == "create" else set())
        if tags not in allowed_tags:
            anomalies.append(f"cycle {cycle}: {key.name} tags {tags}, expected {key.tags}")
        key.tags = tags
        digest = base64.urlsafe_b64encode(hashlib.sha256(key.name.encode()).digest()).decode().rstrip("=")
        s, signed = client.call("POST", f"/keys/{key.name}/sign", {"alg": "ES256", "value": digest})
        v, verified = client.call("POST", f"/keys/{key.name}/verify",
                                  {"alg": "ES256", "digest": digest, "value": (signed or {}).get("value", "")})
        if s != 200 or v != 200 or verified != {"value": True}:
            anomalies.append(f"cycle {cycle}: {key.name} crypto failed: sign {s}, verify {v} {verified}")
        key.pending = None


def plugin_mode(args, rng):
    """kill -9 of the KMS plugin under load; every acknowledged ciphertext must still decrypt."""
    sys.path[:0] = [os.path.join(REPO, "tests/integration"), os.path.join(REPO, "tests/integration/plugin")]
    import grpc
    from kmslab_harness import Emulator as HarnessEmulator
    from plugin_support import Plugin, generate_stubs
    work = tempfile.mkdtemp(prefix="kmslab-crash-plugin-")
    os.mkdir(os.path.join(work, "stubs"))
    pb = generate_stubs(os.path.join(work, "stubs"))
    m1, m2 = pb["kms.v1beta1.api_pb2"], pb["kms.v2.api_pb2"]
    emu = HarnessEmulator(args.emulator, os.path.join(work, "emu"), ["--vault", "myvault", "--throttling", "off"]).start()
    version = create_plugin_key(emu)
    acked, anomalies, counters = [], [], {"failed": 0}
    plugin = Plugin(args.kms_plugin, work, emu, version, log_json=False)

    def stubs():
        channel = grpc.insecure_channel(f"unix://{plugin.socket}")
        return (pb["kms.v1beta1.api_pb2_grpc"].KeyManagementServiceStub(channel),
                pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(channel))

    def load(seed, stop, out):
        v1, v2 = stubs()
        r = random.Random(seed)
        while not stop.is_set():
            plain = r.randbytes(32)
            try:
                if r.random() < 0.5:
                    enc = v2.Encrypt(m2.EncryptRequest(plaintext=plain, uid="crash"), timeout=10)
                    out.append(("v2", plain, enc.ciphertext, enc.key_id, dict(enc.annotations)))
                else:
                    enc = v1.Encrypt(m1.EncryptRequest(version="v1beta1", plain=plain), timeout=10)
                    out.append(("v1", plain, enc.cipher, None, None))
            except grpc.RpcError:
                counters["failed"] += 1  # killed mid-call: not acknowledged
                if not os.path.exists(plugin.socket):
                    time.sleep(0.01)

    def verify(cycle, items):
        v1, v2 = stubs()
        for api, plain, cipher, key_id, annotations in items:
            try:
                if api == "v2":
                    got = v2.Decrypt(m2.DecryptRequest(ciphertext=cipher, key_id=key_id, uid="crash",
                                                       annotations=annotations), timeout=20).plaintext
                else:
                    got = v1.Decrypt(m1.DecryptRequest(version="v1beta1", cipher=cipher), timeout=20).plain
            except grpc.RpcError as e:
                got = f"{e.code()}: {e.details()}"
            if got != plain:
                anomalies.append(f"cycle {cycle}: an acknowledged {api} ciphertext no longer decrypts: {got!r}"[:300])

    started = time.monotonic()
    for cycle in range(1, args.cycles + 1):
        plugin.start()  # waits for "Listening for connections"; a stale socket must not stop it
        mode = os.stat(plugin.socket).st_mode & 0o777
        if mode != 0o600:
            anomalies.append(f"cycle {cycle}: socket mode {oct(mode)}, expected 0o600")
        if cycle > 1:
            verify(cycle, acked[-200:])  # the newest, written just before the last kill
        stop, batch = threading.Event(), []
        threads = [threading.Thread(target=load, args=(rng.random(), stop, batch)) for _ in range(args.threads)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 0.8))
        plugin.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join()
        acked += batch
        if not os.path.exists(plugin.socket):
            anomalies.append(f"cycle {cycle}: kill -9 left no socket file (nothing to reclaim)")
    plugin.start()
    verify(args.cycles + 1, acked)
    assert plugin.stop() == 0
    emu.stop()
    print(f"crash consistency (plugin): {args.cycles} kill -9 cycles, {len(acked)} acknowledged encrypts "
          f"all decrypted after restarts unless listed, {counters['failed']} calls refused while the plugin was down, "
          f"{len(anomalies)} anomalies, {time.monotonic() - started:.0f} s (seed {args.seed})")
    for a in anomalies:
        print("  " + a)
    return 1 if anomalies else 0


def create_plugin_key(emu):
    """An RSA-2048 key in myvault, made through the emulator's CONNECT proxy as a client would."""
    _, _, answer = emu.curl(f"/{TENANT}/oauth2/v2.0/token", "-d", "grant_type=client_credentials&client_id=crash"
                            "&client_secret=x&scope=https://vault.azure.net/.default")
    token = json.loads(answer)["access_token"]
    status, _, body = emu.curl("/keys/kek/create?api-version=7.4", "--proxy", emu.proxy,
                               "-H", "Content-Type: application/json", "-H", "Authorization: Bearer " + token,
                               "-d", json.dumps({"kty": "RSA", "key_size": 2048}),
                               url="https://myvault.vault.azure.net")
    if status != 200:
        sys.exit(f"cannot create the plugin's key: {status} {body}")
    return json.loads(body)["key"]["kid"].rsplit("/", 1)[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--keys-per-thread", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--store", default="", help="--store for the emulator (default: its SQLite store); "
                    "'memory' shows what the harness reports when writes are lost")
    ap.add_argument("--emulator", default=os.path.join(REPO, "build/emulator/kmslab-emulator"))
    ap.add_argument("--apiserver", default="", help="crash kmslab-apiserver (this binary) instead of the "
                    "emulator: secrets under KMS v2 on its SQLite store (tools/crash_apiserver.py)")
    ap.add_argument("--mock-plugin", default=os.path.join(REPO, "build/tests/support/mock_kms_plugin/"
                                                                "kmslab-mock-kms-plugin"))
    ap.add_argument("--mode", choices=["emulator", "plugin", "aks"], default="emulator",
                    help="what is killed: the emulator (default), the KMS plugin, or the emulator "
                    "with AKS clusters running under it")
    ap.add_argument("--clusters", type=int, default=2, help="--mode aks: how many clusters")
    ap.add_argument("--cluster-store", choices=["embedded", "etcd"], default="embedded",
                    help="--mode aks: the clusters' store (--aks-cluster-store); with etcd, every "
                    "second cycle kills one cluster's etcd member instead of the emulator")
    ap.add_argument("--keep-data", action="store_true", help="--mode aks: keep the data directory")
    ap.add_argument("--kms-plugin", default=os.path.join(REPO, "build/plugin/kmslab-kms-plugin"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.apiserver:
        import crash_apiserver  # noqa: E402 (tools/, beside this file)
        return crash_apiserver.run(args, rng)
    if args.mode == "plugin":
        return plugin_mode(args, rng)
    if args.mode == "aks":
        import crash_aks  # noqa: E402 (tools/, beside this file)
        return crash_aks.run(args, rng)
    data_dir = tempfile.mkdtemp(prefix="kmslab-crash-")
    emu = Emulator(args.emulator, data_dir, args.store)
    groups = [[KeyModel(f"c{t}-{i}") for i in range(args.keys_per_thread)] for t in range(args.threads)]
    arm = [ArmModel("identity", f"crash-id-{i}") for i in range(6)] + \
          [ArmModel("assignment", f"0000000{i}-0000-4000-8000-0000000000{i:02d}") for i in range(6)]
    anomalies, counters = [], {"acked": 0, "refused": 0, "arm_acked": 0, "arm_refused": 0,
                                 "arm_id_changes": 0}
    started = time.monotonic()
    for cycle in range(1, args.cycles + 1):
        emu.start()
        token = emu.token()
        arm_token = emu.token("https://management.azure.com/.default")
        if cycle > 1:
            verify(emu, token, [k for g in groups for k in g], anomalies, cycle)
            verify_arm(emu, arm_token, arm, anomalies, cycle)
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(emu, token, g, random.Random(rng.random()), stop, counters))
                   for g in groups]
        threads.append(threading.Thread(target=arm_writer, args=(emu, arm_token, arm, random.Random(rng.random()),
                                                                 stop, counters)))
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 1.2))
        emu.kill()
        stop.set()
        for t in threads:
            t.join()
    emu.start()
    verify(emu, emu.token(), [k for g in groups for k in g], anomalies, args.cycles + 1)
    verify_arm(emu, emu.token("https://management.azure.com/.default"), arm, anomalies, args.cycles + 1)
    if counters["arm_id_changes"]:
        anomalies.append(f"{counters['arm_id_changes']} identity updates changed its principalId")
    emu.proc.send_signal(signal.SIGTERM)
    emu.proc.wait()
    print(f"crash consistency: {args.cycles} kill -9 cycles, {counters['acked']} acknowledged writes "
          f"({counters['arm_acked']} ARM, {counters['arm_refused']} ARM refused), "
          f"{sum(len(k.versions) for g in groups for k in g)} key versions and {len(arm)} ARM resources checked, "
          f"{len(anomalies)} anomalies, {time.monotonic() - started:.0f} s (seed {args.seed})")
    for a in anomalies:
        print("  " + a)
    return 1 if anomalies else 0


if __name__ == "__main__":
    sys.exit(main())
