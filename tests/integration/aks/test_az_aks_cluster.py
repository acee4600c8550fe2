"""The seed's story end to end with real cluster processes (--aks-control-planes=processes, the
default): `az aks create --enable-azure-keyvault-kms` starts a kmslab-apiserver and a
kmslab-kms-plugin for the cluster, `az aks get-credentials` writes a kubeconfig whose server is
the cluster's FQDN, kubectl reaches it through the emulator's CONNECT proxy, and a secret it
creates is stored under the cluster's KMS v2 provider (P5, F1). Keys go through `az rest` (see
test_az_aks.py for why)."""
import base64
import json
import os
import ssl
import subprocess
import time
import urllib.request

import pytest

from arm_support import GROUP, SUBSCRIPTION, emulator_fixture, get_token
from kmslab_harness import children_of, zombie
from test_az_aks import kms_flags, new_key

RG = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
MC = "providers/Microsoft.ContainerService/managedClusters"


@pytest.fixture(scope="module")
def emu(request, tmp_path_factory):
    yield from emulator_fixture(request, tmp_path_factory, "aks-processes", [])


@pytest.fixture(scope="module")
def world(az):
    ident = az.json("identity", "create", "-g", GROUP, "-n", "id-run")
    az.json("keyvault", "create", "-g", GROUP, "-n", "kv-run", "-l", "eastus")
    az.ok("keyvault", "set-policy", "-n", "kv-run", "--object-id", ident["principalId"],
          "--key-permissions", "decrypt", "encrypt")
    return {"identity": ident, "key": new_key(az, "kv-run", "k1")}


def kubectl(emu, kubeconfig, *args, text=True):
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy")}
    env["HTTPS_PROXY"] = emu.proxy  # the FQDN resolves nowhere else (aks.md, issue #12 item 4)
    return subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), *args], env=env,
                          capture_output=True, text=text, timeout=60)


def test_a_kms_cluster_stores_secrets_under_its_vault_key(az, emu, world, tmp_path):
    az.ok("aks", "create", "-g", GROUP, "-n", "run1", "-l", "eastus", "--no-ssh-key",
          "--kubernetes-version", "1.29.7", "--assign-identity", world["identity"]["id"],
          *kms_flags(world["key"]))
    assert az.tsv("aks", "show", "-g", GROUP, "-n", "run1", "--query",
                  "provisioningState") == "Succeeded"
    kubeconfig = tmp_path / "kubeconfig"
    az.ok("aks", "get-credentials", "-g", GROUP, "-n", "run1", "--file", str(kubeconfig))
    made = kubectl(emu, kubeconfig, "create", "secret", "generic", "db", "--from-literal=pw=hunter2")
    assert made.returncode == 0, made.stderr
    got = kubectl(emu, kubeconfig, "get", "secret", "db", "-o", "json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["data"]["pw"] == "aHVudGVyMg=="
    raw = kubectl(emu, kubeconfig, "get", "--raw", "/_kmslab/raw?key=/registry/secrets/default/db",
                  text=False)
    assert raw.returncode == 0, raw.stderr
    assert raw.stdout.startswith(b"k8s:enc:kms:v2:azurekmsprovider:"), raw.stdout[:64]
    assert b"hunter2" not in raw.stdout
    # The plugin's annotations name the vault key's region (EncryptedObject, kms.md §4.3).
    assert b"azure.akv.io" in raw.stdout


def test_an_incident_bundle_holds_the_cluster_config_and_its_stored_ciphertexts(emu, tmp_path):
    """tools/kmslab incident export of the running cluster (issue #13 item 5): its
    EncryptionConfiguration and the secret as stored, no kubeconfig and no private key."""
    import re
    from pathlib import Path
    repo = Path(__file__).resolve().parents[3]
    out = subprocess.run(["/usr/bin/python3", str(repo / "tools" / "kmslab_incident.py"), "export", f"{GROUP}/run1",
                          "--data-dir", str(emu.data_dir), "--out", str(tmp_path / "bundle")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    bundle = tmp_path / "bundle"
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert "cluster/encryption-config.yaml" in manifest["files"], manifest
    assert "azurekmsprovider" in (bundle / "cluster" / "encryption-config.yaml").read_text()
    objects = json.loads((bundle / "stored-objects.json").read_text())["objects"]
    db = [o for o in objects if o["key"] == "/registry/secrets/default/db"]
    assert db and db[0]["prefix"] == "k8s:enc:kms:v2:azurekmsprovider:", objects
    assert b"hunter2" not in base64.b64decode(db[0]["valueBase64"])
    for path in bundle.rglob("*"):
        assert path.name != "kubeconfig", path
        if path.is_file():
            assert (path.stat().st_mode & 0o777) == 0o600, path
            assert not re.search(r"PRIVATE KEY|material\\?\":\\?\"v1:", path.read_text(errors="replace")), path


def replayed_kubeconfig(data_dir, proc):
    """The replayed cluster's own kubeconfig (loopback), once its apiserver listens again."""
    clusters = data_dir / "clusters"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        found = list(clusters.glob("run1-*/apiserver/kubeconfig")) if clusters.exists() else []
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError("the replayed cluster's apiserver did not start")


@pytest.mark.parametrize("material", [True, False])
def test_a_replayed_incident_brings_the_cluster_and_its_secret_back(emu, tmp_path, material):
    """tools/kmslab incident replay: the cluster runs again on its exported store; with key
    material the secret reads, without it the stored value is there but does not decrypt."""
    from pathlib import Path
    tool = str(Path(__file__).resolve().parents[3] / "tools" / "kmslab_incident.py")
    bundle = tmp_path / "bundle.tar.gz"
    out = subprocess.run(["/usr/bin/python3", tool, "export", f"{GROUP}/run1", "--data-dir",
                          str(emu.data_dir), "--out", str(bundle),
                          *(["--include-key-material"] if material else [])],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data_dir = tmp_path / "replay"
    proc = subprocess.Popen(["/usr/bin/python3", tool, "replay", str(bundle), "--data-dir", str(data_dir),
                             "--emulator", emu.binary, "--", "--port", "0", "--clock", "manual",
                             "--log-file", str(data_dir / "emulator.log")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        kubeconfig = replayed_kubeconfig(data_dir, proc)
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy")}
        got = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the apiserver answers once its plugin is healthy
            got = subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), "get", "secret", "db",
                                  "-o", "json"], env=env, capture_output=True, text=True, timeout=60)
            if got.returncode == 0 or not material and "decrypt" in got.stderr.lower():
                break
            time.sleep(0.2)
        if material:
            assert got.returncode == 0, got.stderr
            assert json.loads(got.stdout)["data"]["pw"] == "aHVudGVyMg=="
        else:
            assert got.returncode != 0, got.stdout
        raw = subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), "get", "--raw",
                              "/_kmslab/raw?key=/registry/secrets/default/db"],
                             env=env, capture_output=True, timeout=60)
        assert raw.stdout.startswith(b"k8s:enc:kms:v2:azurekmsprovider:"), raw.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    said = proc.stdout.read()
    assert ("NO key material" in said) != material, said


def arm_post(emu, path):
    """An ARM POST straight to the emulator (az's cloud registration names the old port after a
    restart, so this step does without az)."""
    request = urllib.request.Request(f"{emu.url}{path}", data=b"", method="POST", headers={
        "Authorization": f"Bearer {get_token(emu)}"})
    context = ssl.create_default_context(cafile=emu.ca)
    with urllib.request.urlopen(request, context=context, timeout=30) as answer:
        return json.loads(answer.read())


def test_clusters_come_back_after_a_kill_9_of_the_emulator(emu, world, tmp_path):  # crash harness
    """kill -9 the emulator with the cluster running: its processes die with it, and on restart
    the cluster runs again from its own store. Credentials fetched at once (while its processes
    start again) carry the cluster's CA and token, as on AKS, and the secret written before the
    crash still reads through them."""
    old_children = children_of(emu.proc.pid)
    assert old_children, "the cluster's apiserver and plugin run as the emulator's children"
    emu.proc.kill()
    emu.proc.wait(timeout=20)
    deadline = time.monotonic() + 20
    while any(os.path.exists(f"/proc/{pid}") and not zombie(pid) for pid in old_children):
        assert time.monotonic() < deadline, "cluster processes outlived the emulator"
        time.sleep(0.05)
    emu.start()
    creds = arm_post(emu, f"{RG}/{MC}/run1/listClusterUserCredential?api-version=2022-11-01")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_bytes(base64.b64decode(creds["kubeconfigs"][0]["value"]))
    deadline = time.monotonic() + 60
    while True:  # the cluster's processes start again after the listeners are up
        got = kubectl(emu, kubeconfig, "get", "secret", "db", "-o", "json")
        if got.returncode == 0:
            break
        assert time.monotonic() < deadline, got.stderr
        time.sleep(0.2)
    assert json.loads(got.stdout)["data"]["pw"] == "aHVudGVyMg=="
