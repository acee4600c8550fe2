"""The AKS mode of tools/crash_consistency.py (--mode aks): KMS clusters run under the emulator's
supervisor (a kmslab-apiserver and a kmslab-kms-plugin each, the plugin encrypting with a vault
key through the emulator's IMDS identity) while REST writers create, update and delete secrets in
every cluster; the emulator is killed with SIGKILL at random moments, which takes the clusters'
processes with it. After each restart every cluster must serve again from its own store, every
acknowledged secret must read back (or hold the value of the one write in flight at the kill),
stored under `k8s:enc:kms:v2:azurekmsprovider:`, and no cluster process may outlive the kill."""
import base64
import json
import os
import random
import re
import signal
import ssl
import tempfile
import sys
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


def run(args, rng):
    """One crash run with AKS clusters under the emulator; returns the process exit code."""
    data_dir = tempfile.mkdtemp(prefix="kmslab-crash-aks-")
    emu = cc.Emulator(args.emulator, data_dir, args.store)
    names = [f"crash{i}" for i in range(args.clusters)]
    secrets = {n: [[crash_apiserver.SecretModel(f"c{t}-{i}") for i in range(args.keys_per_thread)]
                   for t in range(args.threads)] for n in names}
    anomalies, counters = [], {"acked": 0, "refused": 0}
    lock = threading.Lock()
    started = time.monotonic()
    for cycle in range(1, args.cycles + 2):
        emu.start()
        if cycle == 1:
            setup(emu, names)
        apis = {n: serving(emu, n) for n in names}
        for n in names:
            if cycle > 1:
                crash_apiserver.verify(apis[n], [s for g in secrets[n] for s in g], anomalies,
                                       f"{cycle} {n}", PREFIX)
        if cycle == args.cycles + 1:
            break
        children = children_of(emu.proc.pid)
        if len(children) < 2 * len(names):
            anomalies.append(f"cycle {cycle}: {len(children)} cluster processes for {len(names)} clusters")
        stop = threading.Event()
        threads = [threading.Thread(target=crash_apiserver.rest_writer,
                                    args=(apis[n], g, random.Random(rng.random()), stop, counters, lock))
                   for n in names for g in secrets[n]]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.2))
        emu.kill()
        stop.set()
        for t in threads:
            t.join()
        deadline = time.monotonic() + 20
        while any(not zombie(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        if any(not zombie(p) for p in children):
            anomalies.append(f"cycle {cycle}: cluster processes outlived the emulator's kill -9")
    emu.proc.send_signal(signal.SIGTERM)
    emu.proc.wait(timeout=60)
    checked = sum(1 for n in names for g in secrets[n] for s in g if s.acked is not None)
    print(f"crash consistency (AKS clusters under the emulator, KMS v2): {args.cycles} kill -9 cycles, "
          f"{len(names)} clusters, {counters['acked']} acknowledged writes ({counters['refused']} refused), "
          f"{checked} secrets checked, {len(anomalies)} anomalies, {time.monotonic() - started:.0f} s "
          f"(seed {args.seed})")
    for a in anomalies:
        print("  " + a)
    return 1 if anomalies else 0
