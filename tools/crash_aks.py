"""The AKS mode of tools/crash_consistency.py (--mode aks): KMS clusters run under the emulator's
supervisor (a kmslab-apiserver and a kmslab-kms-plugin each, the plugin encrypting with a vault
key through the emulator's IMDS identity) while REST writers create, update and delete secrets in
every cluster; the emulator is killed with SIGKILL at random moments, which takes the clusters'
processes with it. After each restart every cluster must serve again from its own store, every
acknowledged secret must read back (or hold the value of the one write in flight at the kill),
stored under `k8s:enc:kms:v2:azurekmsprovider:`, and no cluster process may outlive the kill.

--cluster-store etcd runs each cluster on its own Debian etcd member (--aks-cluster-store=etcd,
what `tools/kmslab up` uses). Odd cycles kill the emulator (its etcd members go with it); even
cycles kill one cluster's etcd member alone while the writers keep going, and the supervisor
brings it back. After each, the same checks hold, and etcdctl reads each cluster's etcd directly:
exactly the live secrets' keys, every value under the vault key's prefix. A write answered 5xx
(etcd gone mid-request) is of unknown fate, so either outcome is allowed for it."""
import base64
import glob
import json
import os
import random
import re
import signal
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import crash_apiserver
import crash_consistency as cc

sys.path.insert(0, os.path.join(cc.REPO, "tests/integration"))
from kmslab_harness import children_of, zombie  # noqa: E402

PREFIX = b"k8s:enc:kms:v2:azurekmsprovider:"
GROUP = f"/subscriptions/{cc.SUB}/resourceGroups/kmslab"
KMS_VAULT = "crashkms"
IDENTITY = f"{GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/crash-kms"
CLUSTERS = f"{GROUP}/providers/Microsoft.ContainerService/managedClusters"


class ClusterApi(crash_apiserver.Apiserver):
    """A cluster's apiserver, from the loopback kubeconfig its credentials list carries."""

    def __init__(self, kubeconfig):  # the shape emulator/arm/managed_cluster_json.cpp writes
        server = re.search(r"server: (https://127\.0\.0\.1:(\d+))", kubeconfig)
        ca = re.search(r"certificate-authority-data: (\S+)", kubeconfig)
        token = re.search(r"token: (\S+)", kubeconfig)
        if not (server and ca and token):
            raise ValueError("kubeconfig without a loopback server, CA or token")
        self.port = int(server.group(2))
        self.ctx = ssl.create_default_context(cadata=base64.b64decode(ca.group(1)).decode())
        self.headers = {"Authorization": "Bearer " + token.group(1),
                        "Content-Type": "application/json"}


def setup(emu, clusters):
    """An identity allowed to encrypt/decrypt in a vault with a key, and KMS v2 clusters using it."""
    arm = cc.arm_client(emu, emu.token("https://management.azure.com/.default"))
    status, ident = arm.call("PUT", IDENTITY + "?api-version=2022-01-31-preview", {"location": "eastus"})
    if status not in (200, 201):
        raise SystemExit(f"identity: {status} {ident}")
    kv_token = emu.token()
    claims = json.loads(base64.urlsafe_b64decode(kv_token.split(".")[1] + "==="))
    policies = [{"tenantId": cc.TENANT, "objectId": ident["properties"]["principalId"],
                 "permissions": {"keys": ["encrypt", "decrypt"]}},
                {"tenantId": cc.TENANT, "objectId": claims["oid"],  # this harness makes the key
                 "permissions": {"keys": ["create", "get"]}}]
    status, answer = arm.call("PUT", f"{GROUP}/providers/Microsoft.KeyVault/vaults/{KMS_VAULT}"
                              "?api-version=2022-07-01", {"location": "eastus", "properties": {
                                  "tenantId": cc.TENANT, "sku": {"family": "A", "name": "standard"},
                                  "accessPolicies": policies}})
    if status not in (200, 201):
        raise SystemExit(f"vault: {status} {answer}")
    kv = cc.Client(emu, kv_token, host=f"{KMS_VAULT}.vault.localhost:{emu.port}")
    status, key = kv.call("POST", "/keys/kek/create", {"kty": "RSA", "key_size": 2048})
    if status != 200:
        raise SystemExit(f"key: {status} {key}")
    key_id = f"https://{KMS_VAULT}.vault.azure.net/keys/kek/{key['key']['kid'].rsplit('/', 1)[1]}"
    for name in clusters:
        status, answer = arm.call("PUT", f"{CLUSTERS}/{name}?api-version=2022-11-01", {
            "location": "eastus",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {IDENTITY: {}}},
            "properties": {"kubernetesVersion": "1.29.7", "dnsPrefix": name,
                           "agentPoolProfiles": [{"name": "nodepool1", "count": 1, "mode": "System"}],
                           "securityProfile": {"azureKeyVaultKms": {
                               "enabled": True, "keyId": key_id, "keyVaultNetworkAccess": "Public"}}}})
        if status != 201:
            raise SystemExit(f"cluster {name}: {status} {answer}")


def serving(emu, name, timeout=60):
    """The cluster's apiserver once it serves (its credentials carry the loopback entry then)."""
    arm = cc.arm_client(emu, emu.token("https://management.azure.com/.default"))
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        status, creds = arm.call("POST", f"{CLUSTERS}/{name}/listClusterUserCredential"
                                 "?api-version=2022-11-01")
        loopback = [k for k in (creds or {}).get("kubeconfigs", []) if k["name"] == "kmslab-loopback"]
        if status == 200 and loopback:
            api = ClusterApi(base64.b64decode(loopback[0]["value"]).decode())
            try:
                ready, body = api.request(api.connect(), "GET", "/readyz")
                if ready == 200:
                    return api
                last = f"/readyz {ready} {body[:100]!r}"
            except OSError as e:
                last = str(e)
        else:
            last = f"credentials {status}"
        time.sleep(0.1)
    raise SystemExit(f"cluster {name} did not serve again within {timeout} s: {last}")


def cluster_dir(data_dir, name):
    """<data dir>/clusters/<name>-<hash>/, the supervisor's files for the cluster."""
    found = glob.glob(os.path.join(data_dir, "clusters", f"{name}-*"))
    if len(found) != 1:
        raise SystemExit(f"cluster {name}: expected one directory under clusters/, found {found}")
    return found[0]


def etcd_pid(emu, cdir):
    """The emulator's etcd child serving the cluster whose files are in `cdir`, or None."""
    data = os.path.join(cdir, "etcd", "data").encode()
    for pid in children_of(emu.proc.pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if os.path.basename(argv[0]) == b"etcd" and data in argv:
            return pid
    return None


def verify_etcd(cdir, secrets, anomalies, where):
    """etcdctl's view of the cluster's etcd: the live secrets' keys and no others, each value
    under PREFIX (run after crash_apiserver.verify has settled which secrets are live)."""
    with open(os.path.join(cdir, "etcd-endpoint")) as f:
        endpoint = f.read().strip()
    out = subprocess.run(["etcdctl", "--endpoints", endpoint, "--command-timeout", "10s", "get",
                          "--prefix", "/registry/secrets/default/", "-w", "json"],
                         capture_output=True, env=dict(os.environ, ETCDCTL_API="3"), timeout=60)
    if out.returncode != 0:
        anomalies.append(f"cycle {where}: etcdctl get failed: {out.stderr[:200]!r}")
        return
    stored = {base64.b64decode(kv["key"]).decode().rsplit("/", 1)[1]: base64.b64decode(kv["value"])
              for kv in json.loads(out.stdout).get("kvs", [])}
    expected = {s.name for s in secrets if s.acked is not None}
    if set(stored) != expected:
        anomalies.append(f"cycle {where}: etcd holds {sorted(stored)}, the API {sorted(expected)}")
    bad = sorted(n for n, v in stored.items() if not v.startswith(PREFIX))
    if bad:
        anomalies.append(f"cycle {where}: in etcd {bad} are not under {PREFIX!r}")


def kill_etcd(emu, cdir, anomalies, cycle, timeout=30):
    """kill -9 of the cluster's etcd member; returns once the supervisor has started a new one."""
    pid = etcd_pid(emu, cdir)
    if pid is None:
        anomalies.append(f"cycle {cycle}: no etcd process for {cdir}")
        return
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while etcd_pid(emu, cdir) in (None, pid):
        if time.monotonic() > deadline:
            raise SystemExit(f"cycle {cycle}: the supervisor did not restart etcd within {timeout} s")
        time.sleep(0.05)


def etcd_missing():
    """Why --cluster-store etcd cannot run here, or ''."""
    missing = [p for p in ("etcd", "etcdctl") if shutil.which(p) is None]
    return f"{' and '.join(missing)} not installed (apt-get install etcd-server etcd-client)" if missing else ""


def run(args, rng):
    """One crash run with AKS clusters under the emulator; returns the process exit code (77: the
    etcd store was asked for and etcd is not installed, outside CI)."""
    etcd = args.cluster_store == "etcd"
    if etcd and etcd_missing():
        if os.environ.get("CI", "").lower() in ("true", "1"):
            print(f"crash consistency (AKS, etcd): {etcd_missing()}; under CI=true tools/setup.sh installs it")
            return 1
        print(f"crash consistency (AKS, etcd) skipped: {etcd_missing()}")
        return 77
    data_dir = tempfile.mkdtemp(prefix="kmslab-crash-aks-")
    emu = cc.Emulator(args.emulator, data_dir, args.store, [f"--aks-cluster-store={args.cluster_store}"])
    try:
        return crash_cycles(args, rng, emu, data_dir, etcd)
    finally:
        if emu.proc and emu.proc.poll() is None:
            emu.kill()  # its cluster processes die with it (PR_SET_PDEATHSIG)
        if args.keep_data:
            print(f"data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)  # each etcd member preallocates 64 MB


def crash_cycles(args, rng, emu, data_dir, etcd):
    names = [f"crash{i}" for i in range(args.clusters)]
    secrets = {n: [[crash_apiserver.SecretModel(f"c{t}-{i}") for i in range(args.keys_per_thread)]
                   for t in range(args.threads)] for n in names}
    anomalies, counters = [], {"acked": 0, "refused": 0, "unknown": 0, "etcd_kills": 0}
    lock = threading.Lock()
    started = time.monotonic()
    per_cluster = 3 if etcd else 2  # etcd, apiserver, plugin
    for cycle in range(1, args.cycles + 2):
        if emu.proc is None or emu.proc.poll() is not None:
            emu.start()
        if cycle == 1:
            setup(emu, names)
        apis = {n: serving(emu, n) for n in names}
        for n in names:
            if cycle > 1:
                live = [s for g in secrets[n] for s in g]
                crash_apiserver.verify(apis[n], live, anomalies, f"{cycle} {n}", PREFIX)
                if etcd:
                    verify_etcd(cluster_dir(data_dir, n), live, anomalies, f"{cycle} {n}")
        if cycle == args.cycles + 1:
            break
        children = children_of(emu.proc.pid)
        if len(children) < per_cluster * len(names):
            anomalies.append(f"cycle {cycle}: {len(children)} cluster processes for {len(names)} clusters")
        stop = threading.Event()
        threads = [threading.Thread(target=crash_apiserver.rest_writer,
                                    args=(apis[n], g, random.Random(rng.random()), stop, counters, lock))
                   for n in names for g in secrets[n]]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.2))
        if etcd and cycle % 2 == 0:  # the member alone; the writers go on through its restart
            target = names[(cycle // 2 - 1) % len(names)]
            kill_etcd(emu, cluster_dir(data_dir, target), anomalies, cycle)
            counters["etcd_kills"] += 1
            serving(emu, target)
            time.sleep(rng.uniform(0.2, 0.6))
            children = []
        else:
            emu.kill()
        stop.set()
        for t in threads:
            t.join()
        deadline = time.monotonic() + 20
        while any(not zombie(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        if any(not zombie(p) for p in children):
            anomalies.append(f"cycle {cycle}: cluster processes outlived the emulator's kill -9")
    if counters["unknown"] and not etcd:
        anomalies.append(f"{counters['unknown']} writes answered 5xx with no etcd to lose")
    emu.proc.send_signal(signal.SIGTERM)
    emu.proc.wait(timeout=60)
    checked = sum(1 for n in names for g in secrets[n] for s in g if s.acked is not None)
    print(f"crash consistency (AKS clusters under the emulator, KMS v2, {args.cluster_store} store): "
          f"{args.cycles} kill -9 cycles ({counters['etcd_kills']} of an etcd member), {len(names)} clusters, "
          f"{counters['acked']} acknowledged writes ({counters['refused']} refused, {counters['unknown']} "
          f"of unknown fate), {checked} secrets checked, {len(anomalies)} anomalies, "
          f"{time.monotonic() - started:.0f} s (seed {args.seed})")
    for a in anomalies:
        print("  " + a)
    return 1 if anomalies else 0
