#!/usr/bin/python3
"""tools/kmslab up's demo: a ready KMS v2 AKS cluster on a running emulator, made through the
public APIs only, as a user's deployment script would (Entra ID, ARM, the Key Vault data plane,
the cluster's Kubernetes API with kubectl), then the copy-paste lines to explore it.

Idempotent: every resource is looked up first and made only when absent, so a second `up` on the
same data directory reuses the demo (and waits for its cluster to serve again). Writes
DATA/demo/kubeconfig, DATA/demo/etcd-endpoint (etcd store only) and, last, DATA/demo/ready.json
(what it printed), so scripts can wait for that file.
"""
import argparse
import base64
import glob
import json
import os
import shlex
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kmslab_env  # noqa: E402  (the same service principal `tools/kmslab env` exports)

RG = "kmslab-demo"
VAULT = "kmslab-demo-kv"
KEY = "kek"
IDENTITY = "kmslab-demo-kms"
CLUSTER = "demo"
SECRETS = {"db-password": "hunter2", "api-token": "s3cr3t-t0ken", "tls-passphrase": "correct-horse"}
LOCATION = "eastus"
KUBERNETES_VERSION = "1.29.7"  # 1.27 and later run KMS v2 (AKS's KMS documentation)
ARM_API = {"groups": "2021-04-01", "identity": "2023-01-31", "vault": "2023-07-01",
           "aks": "2022-11-01"}
KEY_PERMISSIONS = ["get", "list", "create", "update", "delete", "recover", "backup", "restore",
                   "decrypt", "encrypt", "wrapKey", "unwrapKey", "sign", "verify", "rotate",
                   "getrotationpolicy", "setrotationpolicy"]


def fail(message):
    print(f"kmslab up: {message}", file=sys.stderr)
    sys.exit(1)


def wait_until(what, predicate, timeout, interval=0.2):
    """Polls `predicate` (returning a value, or None) until it answers or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Client:
    """JSON over HTTPS: straight to the emulator, or through its CONNECT proxy by real names."""

    def __init__(self, endpoints, via_proxy):
        context = ssl.create_default_context(cafile=endpoints["ca"])
        proxies = {"https": endpoints["proxy"]} if via_proxy else {}
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies),
                                                  urllib.request.HTTPSHandler(context=context))

    def call(self, method, url, token=None, body=None, form=None):
        headers = {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text or b"null")
            except json.JSONDecodeError:
                return e.code, text.decode(errors="replace")


class Demo:
    def __init__(self, data_dir, endpoints, creds, timeout):
        self.data_dir = data_dir
        self.endpoints = endpoints
        self.creds = creds
        self.timeout = timeout
        self.main = endpoints.get("https") or endpoints.get("http")
        self.direct = Client(endpoints, via_proxy=False)
        self.proxied = Client(endpoints, via_proxy=True)
        self.sub = None
        self.tokens = {}
        self.made = []  # what this run created (nothing when it reuses an earlier demo)
        self.fqdn = None

    def token(self, scope):
        if scope not in self.tokens:
            status, body = self.direct.call(
                "POST", f"{self.main}/{self.creds['tenant']}/oauth2/v2.0/token",
                form={"grant_type": "client_credentials", "client_id": self.creds["appId"],
                      "client_secret": self.creds["password"], "scope": scope + "/.default"})
            if status != 200:
                fail(f"Entra ID refused a token for {scope} ({status}): {body}")
            self.tokens[scope] = body["access_token"]
        return self.tokens[scope]

    def arm(self, method, path, api, body=None, ok=(200, 201, 202)):
        status, answer = self.direct.call(method, f"{self.main}{path}?api-version={api}",
                                          self.token("https://management.azure.com"), body)
        if status not in ok:
            fail(f"ARM {method} {path} answered {status}: {answer}")
        return status, answer

    def ensure(self, path, api, body):
        """GET, and PUT only when absent; the resource as ARM shows it."""
        status, answer = self.arm("GET", path, api, ok=(200, 404))
        if status == 200:
            return answer
        self.made.append(path.rsplit("/", 2)[-2])
        return self.arm("PUT", path, api, body)[1]

    def wait_provisioned(self, path, api, what):
        def state():
            answer = self.arm("GET", path, api)[1]
            phase = answer.get("properties", {}).get("provisioningState")
            if phase == "Failed":
                fail(f"{what} failed: {json.dumps(answer.get('properties', {}).get('status'))}")
            return answer if phase == "Succeeded" else None
        return wait_until(f"{what} to be Succeeded", state, self.timeout)

    def group(self):
        _, subs = self.arm("GET", "/subscriptions", "2019-11-01")
        self.sub = subs["value"][0]["subscriptionId"]
        rg = f"/subscriptions/{self.sub}/resourceGroups/{RG}"
        self.ensure(rg, ARM_API["groups"], {"location": LOCATION})
        return rg

    def identity(self, rg):
        path = f"{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{IDENTITY}"
        return self.ensure(path, ARM_API["identity"], {"location": LOCATION})

    def vault(self, rg, identity):
        path = f"{rg}/providers/Microsoft.KeyVault/vaults/{VAULT}"
        tenant = self.creds["tenant"]
        policies = [{"tenantId": tenant, "objectId": self.creds["objectId"],
                     "permissions": {"keys": KEY_PERMISSIONS}},
                    # What AKS's KMS documentation grants the cluster's identity.
                    {"tenantId": tenant, "objectId": identity["properties"]["principalId"],
                     "permissions": {"keys": ["decrypt", "encrypt"]}}]
        self.ensure(path, ARM_API["vault"], {
            "location": LOCATION,
            "properties": {"tenantId": tenant, "sku": {"family": "A", "name": "standard"},
                           "accessPolicies": policies}})
        return self.wait_provisioned(path, ARM_API["vault"], f"vault {VAULT}")

    def key(self, vault):
        base = vault["properties"]["vaultUri"].rstrip("/")
        token = self.token("https://vault.azure.net")
        status, answer = self.proxied.call("GET", f"{base}/keys/{KEY}?api-version=7.4", token)
        if status == 404:
            self.made.append("key")
            status, answer = self.proxied.call("POST", f"{base}/keys/{KEY}/create?api-version=7.4",
                                               token, {"kty": "RSA", "key_size": 2048})
        if status != 200:
            fail(f"Key Vault answered {status} for key {KEY}: {answer}")
        return answer["key"]["kid"]

    def cluster(self, rg, identity, key_id):
        path = f"{rg}/providers/Microsoft.ContainerService/managedClusters/{CLUSTER}"
        self.ensure(path, ARM_API["aks"], {
            "location": LOCATION,
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity["id"]: {}}},
            "properties": {
                "kubernetesVersion": KUBERNETES_VERSION,
                "dnsPrefix": CLUSTER,
                "agentPoolProfiles": [{"name": "nodepool1", "count": 1, "mode": "System",
                                       "type": "VirtualMachineScaleSets",
                                       "vmSize": "Standard_DS2_v2"}],
                "securityProfile": {"azureKeyVaultKms": {
                    "enabled": True, "keyId": key_id, "keyVaultNetworkAccess": "Public"}}}})
        self.fqdn = self.wait_provisioned(path, ARM_API["aks"], f"cluster {CLUSTER}")[
            "properties"]["fqdn"]
        _, creds = self.arm("POST", f"{path}/listClusterUserCredential", ARM_API["aks"])
        kubeconfig = self.data_dir / "demo" / "kubeconfig"
        write_private(kubeconfig, base64.b64decode(creds["kubeconfigs"][0]["value"]).decode())
        return path, kubeconfig

    def kubectl(self, kubeconfig, *args):
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy")}
        env["HTTPS_PROXY"] = self.endpoints["proxy"]  # the cluster's FQDN resolves nowhere else
        return subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), *args], env=env,
                              capture_output=True, text=True, timeout=60)

    def secrets(self, kubeconfig):
        # After an emulator restart the cluster's processes come back in a few seconds.
        wait_until("the cluster's Kubernetes API",
                   lambda: True if self.kubectl(kubeconfig, "get", "--raw", "/readyz").returncode
                   == 0 else None, self.timeout)
        for name, value in SECRETS.items():
            if self.kubectl(kubeconfig, "get", "secret", name).returncode == 0:
                continue
            self.made.append(f"secret/{name}")
            made = self.kubectl(kubeconfig, "create", "secret", "generic", name,
                                f"--from-literal=value={value}")
            if made.returncode != 0:
                fail(f"kubectl create secret {name} failed: {made.stderr.strip()}")


def write_private(path, text):
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def etcd_endpoint(data_dir, cluster=CLUSTER):
    """The cluster's etcd (--aks-cluster-store=etcd), from the supervisor's etcd-endpoint file."""
    found = sorted(glob.glob(str(data_dir / "clusters" / f"{cluster}-*" / "etcd-endpoint")))
    return Path(found[0]).read_text().strip() if found else None


def lines(data_dir, endpoints, kubeconfig, etcd):
    d = shlex.quote(str(data_dir))
    kc = shlex.quote(str(kubeconfig))
    secret = next(iter(SECRETS))
    out = [
        ("environment (CA, proxy, service principal, az signed in)",
         f'eval "$(tools/kmslab env --data-dir {d} --apply)"'),
        ("the cluster's KMS settings",
         f"az aks show -g {RG} -n {CLUSTER} --query securityProfile.azureKeyVaultKms"),
        # Debian's az 2.45 lacks azure.keyvault.v7_0 for `az keyvault key ...`: the same GET
        # with az rest.
        ("the key (az keyvault key list's request)",
         f'az rest --url "https://{VAULT}.vault.azure.net/keys?api-version=7.4" '
         "--resource https://vault.azure.net --query 'value[].kid' -o tsv"),
        ("credentials (server: the cluster's FQDN)",
         f"az aks get-credentials -g {RG} -n {CLUSTER} --file {kc} --overwrite-existing"),
        ("the demo secrets, through the proxy",
         f'HTTPS_PROXY={endpoints["proxy"]} kubectl --kubeconfig {kc} get secrets'),
    ]
    if etcd:
        out.append(("the stored bytes in the cluster's etcd",
                    f"ETCDCTL_API=3 etcdctl --endpoints {etcd} get /registry/secrets/default/"
                    f"{secret} --print-value-only | head -c 40; echo"))
    else:
        out.append(("the stored bytes (embedded store)",
                    f"HTTPS_PROXY={endpoints['proxy']} kubectl --kubeconfig {kc} get --raw "
                    f"'/_kmslab/raw?key=/registry/secrets/default/{secret}' | head -c 40; echo"))
    out.append(("the Python SDK",
                "python3 -c 'from azure.identity import EnvironmentCredential; "
                "from azure.keyvault.keys import KeyClient; "
                f'print([k.name for k in KeyClient("https://{VAULT}.vault.azure.net", '
                "EnvironmentCredential()).list_properties_of_keys()])'"))
    # tests/js/setup.sh installs the pinned @azure packages once (npm ci), silently after that.
    out.append(("the JavaScript SDK (Node.js)",
                "tests/js/setup.sh && NODE_PATH=tests/js/node_modules node -e '"
                'const {EnvironmentCredential} = require("@azure/identity"); '
                'const {KeyClient} = require("@azure/keyvault-keys"); '
                f'const c = new KeyClient("https://{VAULT}.vault.azure.net", '
                "new EnvironmentCredential()); (async () => { const names = []; "
                "for await (const k of c.listPropertiesOfKeys()) names.push(k.name); "
                "console.log(JSON.stringify(names)); })()"
                ".catch((e) => { console.error(e.message); process.exit(1); })'"))
    out.append(("the scenario catalogue, each in its own stack", "tools/kmslab run --list"))
    return out


def main():
    ap = argparse.ArgumentParser(prog="tools/kmslab_demo.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--admin-token", default=os.environ.get("KMSLAB_ADMIN_TOKEN", ""))
    ap.add_argument("--emulator-pid", type=int, default=0,
                    help="fail at once if this process exits while waiting for it")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per wait (default 120)")
    args = ap.parse_args()
    started = time.monotonic()
    data_dir = args.data_dir.resolve()
    ready_file = data_dir / "demo" / "ready.json"

    def emulator_ready():
        if args.emulator_pid and not Path(f"/proc/{args.emulator_pid}").exists():
            fail("the emulator exited before it was ready (its messages are above)")
        return True if (data_dir / "endpoints.json").exists() else None
    wait_until("the emulator's endpoints.json", emulator_ready, args.timeout, 0.05)
    endpoints = kmslab_env.read_endpoints(data_dir)
    creds = kmslab_env.service_principal(kmslab_env.Admin(endpoints, args.admin_token),
                                         data_dir / "kmslab-env")
    demo = Demo(data_dir, endpoints, creds, args.timeout)
    rg = demo.group()
    identity = demo.identity(rg)
    vault = demo.vault(rg, identity)
    key_id = demo.key(vault)
    cluster_id, kubeconfig = demo.cluster(rg, identity, key_id)
    demo.secrets(kubeconfig)
    etcd = etcd_endpoint(data_dir)
    if etcd:
        write_private(data_dir / "demo" / "etcd-endpoint", etcd + "\n")
    printed = lines(data_dir, endpoints, kubeconfig, etcd)
    seconds = time.monotonic() - started
    made = f"made {', '.join(demo.made)}" if demo.made else "reused the demo already there"
    print(f"\nkmslab: demo ready in {seconds:.1f} s ({made}): cluster {RG}/{CLUSTER} (KMS v2, "
          f"key {key_id}, {'etcd' if etcd else 'embedded'} store), secrets {', '.join(SECRETS)}")
    main_url = endpoints.get("https") or endpoints.get("http")
    print(f"  kmslab:      {main_url} (proxy {endpoints['proxy']}, CA {endpoints['ca']})")
    print(f"  cluster:     https://{demo.fqdn}:443 (kubeconfig {kubeconfig})")
    if etcd:
        where = data_dir / "demo" / "etcd-endpoint"
        print(f"  kmslab-etcd: {etcd} (the cluster's etcd; also in {where})")
    print("Try (copy-paste; the first line sets up the others):")
    for what, line in printed:
        print(f"  # {what}\n  {line}")
    print("Ctrl-C stops the emulator and the cluster; `tools/kmslab up` again reuses the demo.",
          flush=True)
    write_private(ready_file, json.dumps({
        "seconds": round(seconds, 2), "made": demo.made, "cluster": cluster_id,
        "fqdn": demo.fqdn, "keyId": key_id, "vault": VAULT,
        "kubeconfig": str(kubeconfig), "etcd": etcd, "secrets": list(SECRETS),
        "lines": [line for _, line in printed]}, indent=2) + "\n")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C while the demo is made: `up` stops the emulator
        sys.exit(130)
