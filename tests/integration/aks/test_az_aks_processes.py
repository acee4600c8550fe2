"""az CLI 2.45 against clusters whose apiserver and plugin really run (--aks-control-planes=
processes): one cluster, created without KMS at 1.26, taken through the seed's P6 (enable on an
existing cluster, then the replace pipeline moves the stored bytes from plaintext to
`k8s:enc:kms:`), V2 (the 1.27 block with KMS v1, and a skipped minor version refused), V3 with
D2 (the documented migration: disable, rewrite, upgrade — the apiserver restarts at the new
version — enable KMS v2, rewrite), D1 (the table query verbatim), az aks stop/start (processes
gone, then back with their data), and the admin route that kills a cluster's processes
(POST /_kmslab/aks/processes/restart, scenarios/SCHEMA.md `restart`)."""
import json
import os
import subprocess
import time

import pytest

from arm_support import GROUP, emulator_fixture
from test_az_aks import d1_table, kms_flags, new_key
from kmslab_harness import children_of
from test_az_aks_cluster import kubectl

NAME = "life"


@pytest.fixture(scope="module")
def emu(request, tmp_path_factory):
    yield from emulator_fixture(request, tmp_path_factory, "aks-life", [])


@pytest.fixture(scope="module")
def world(az, tmp_path_factory):
    ident = az.json("identity", "create", "-g", GROUP, "-n", "id-life")
    az.json("keyvault", "create", "-g", GROUP, "-n", "kv-life", "-l", "eastus")
    az.ok("keyvault", "set-policy", "-n", "kv-life", "--object-id", ident["principalId"],
          "--key-permissions", "decrypt", "encrypt")
    return {"identity": ident, "key": new_key(az, "kv-life", "k1"),
            "kubeconfig": tmp_path_factory.mktemp("life") / "kubeconfig"}


def kube(emu, world, *args):
    got = kubectl(emu, world["kubeconfig"], *args)
    assert got.returncode == 0, got.stderr
    return got.stdout


def kube_eventually(emu, world, *args, timeout=60):
    """kubectl once the cluster serves again (after a restart of its processes)."""
    deadline = time.monotonic() + timeout
    while True:
        got = kubectl(emu, world["kubeconfig"], *args)
        if got.returncode == 0:
            return got.stdout
        assert time.monotonic() < deadline, got.stderr
        time.sleep(0.2)


def stored(emu, world, secret):
    got = kubectl(emu, world["kubeconfig"], "get", "--raw",
                  f"/_kmslab/raw?key=/registry/secrets/default/{secret}", text=False)
    assert got.returncode == 0, got.stderr
    return got.stdout


def replace_all_secrets(emu, world):  # P6's pipeline, verbatim
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy")}
    env.update({"HTTPS_PROXY": emu.proxy, "KUBECONFIG": str(world["kubeconfig"])})
    out = subprocess.run(["bash", "-o", "pipefail", "-c",
                          "kubectl get secrets --all-namespaces -o json | kubectl replace -f -"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def processes(emu, binary):
    return sorted(p for p in children_of(emu.proc.pid) if binary in cmdline(p))


def cmdline(pid):
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
    except OSError:
        return ""


def restart(emu, body):
    status, _, text = emu.curl("/_kmslab/aks/processes/restart", "-X", "POST", "-d",
                               json.dumps(body) if isinstance(body, dict) else body)
    return status, json.loads(text) if text.strip().startswith("{") else text


def restart_and_wait(emu, process, binary, signal):
    """The restart route signals the one running `binary`; the supervisor starts another."""
    [old] = processes(emu, binary)
    status, body = restart(emu, {"cluster": f"{GROUP}/{NAME}", "process": process,
                                 "signal": signal})
    assert status == 200 and body["pids"] == [old] and body["signal"] == signal, body
    deadline = time.monotonic() + 30
    while processes(emu, binary) in ([], [old]):
        assert time.monotonic() < deadline, f"the supervisor did not start {binary} again"
        time.sleep(0.05)


def show(az, query):
    return az.tsv("aks", "show", "-g", GROUP, "-n", NAME, "--query", query)


def test_create_without_kms_then_restart_its_apiserver(az, emu, world):
    az.ok("aks", "create", "-g", GROUP, "-n", NAME, "-l", "eastus", "--no-ssh-key",
          "--kubernetes-version", "1.26.6", "--assign-identity", world["identity"]["id"])
    az.ok("aks", "get-credentials", "-g", GROUP, "-n", NAME, "--file", str(world["kubeconfig"]))
    kube(emu, world, "create", "secret", "generic", "before", "--from-literal=pw=hunter2")
    assert stored(emu, world, "before").startswith(b"k8s\x00")  # plaintext protobuf
    # The restart route's errors: malformed body, unknown cluster, no such process running.
    assert restart(emu, "[]")[0] == 400
    assert restart(emu, {"cluster": NAME, "process": "all"})[0] == 400  # not RG/NAME
    assert restart(emu, {"cluster": f"{GROUP}/{NAME}", "process": "etcd"})[0] == 400
    assert restart(emu, {"cluster": f"{GROUP}/{NAME}", "process": "all", "signal": "HUP"})[0] == 400
    status, body = restart(emu, {"cluster": f"{GROUP}/nope", "process": "all"})
    assert status == 404 and body["error"]["code"] == "ResourceNotFound"
    status, body = restart(emu, {"cluster": f"{GROUP}/{NAME}", "process": "kms-plugin"})
    assert status == 409 and "No kms-plugin of managed cluster 'life'" in body["error"]["message"]
    restart_and_wait(emu, "apiserver", "kmslab-apiserver", "KILL")
    assert kube_eventually(emu, world, "get", "secret", "before", "-o",
                           "jsonpath={.data.pw}") == "aHVudGVyMg=="


def test_konnectivity_agent_runs_without_vnet_integration(emu, world):  # N3, D1's check
    pods = kube(emu, world, "get", "pods", "-n", "kube-system", "-o", "name").split()
    assert any(p.startswith("pod/konnectivity-agent") for p in pods), pods


def test_enable_kms_on_the_existing_cluster_then_rewrite(az, emu, world):  # P6
    az.ok("aks", "update", "-g", GROUP, "-n", NAME, *kms_flags(world["key"]))
    kube_eventually(emu, world, "get", "secret", "before")
    # Written before: still plaintext until rewritten (seed P6).
    assert stored(emu, world, "before").startswith(b"k8s\x00")
    replace_all_secrets(emu, world)
    raw = stored(emu, world, "before")
    assert raw.startswith(b"k8s:enc:kms:v1:azurekmsprovider:"), raw[:40]  # 1.26: KMS v1 (V1)
    assert b"hunter2" not in raw
    # The plugin, terminated, is started again and the secret still reads.
    restart_and_wait(emu, "kms-plugin", "kmslab-kms-plugin", "TERM")
    assert kube_eventually(emu, world, "get", "secret", "before", "-o",
                           "jsonpath={.data.pw}") == "aHVudGVyMg=="


def test_upgrade_refused_skipping_a_minor_and_across_1_27_with_kms_v1(az):  # V2
    err = az.fails("aks", "upgrade", "-g", GROUP, "-n", NAME, "--kubernetes-version", "1.28.5",
                   "--yes")
    assert "(OperationNotAllowed) Upgrading Kubernetes version 1.26.6 to 1.28.5 is not allowed" in err
    err = az.fails("aks", "upgrade", "-g", GROUP, "-n", NAME, "--kubernetes-version", "1.27.1",
                   "--yes")
    assert "(ValidationError) Control Plane upgrade is blocked" in err
    assert show(az, "currentKubernetesVersion") == "1.26.6"


def test_migration_path_to_kms_v2(az, emu, world):  # V3, D2, P6
    az.ok("aks", "update", "-g", GROUP, "-n", NAME, "--disable-azure-keyvault-kms")  # D2
    kube_eventually(emu, world, "get", "secret", "before")
    assert stored(emu, world, "before").startswith(b"k8s:enc:kms:v1:")  # until rewritten
    replace_all_secrets(emu, world)
    assert stored(emu, world, "before").startswith(b"k8s\x00")
    az.ok("aks", "upgrade", "-g", GROUP, "-n", NAME, "--kubernetes-version", "1.27.1", "--yes")
    version = json.loads(kube_eventually(emu, world, "get", "--raw", "/version"))
    assert version["gitVersion"] == "v1.27.1", version
    key2 = new_key(az, "kv-life", "k1")
    az.ok("aks", "update", "-g", GROUP, "-n", NAME, *kms_flags(key2))
    kube_eventually(emu, world, "get", "secret", "before")
    replace_all_secrets(emu, world)
    raw = stored(emu, world, "before")
    assert raw.startswith(b"k8s:enc:kms:v2:"), raw[:40]
    assert kube(emu, world, "get", "secret", "before", "-o", "jsonpath={.data.pw}") == "aHVudGVyMg=="
    world["key2"] = key2


def test_list_table_shows_kms(az, world):  # D1, verbatim
    assert d1_table(az) == (["Name", "KmsEnabled", "KeyId"], [[NAME, "True", world["key2"]]])


def test_stop_then_start_keeps_the_secrets(az, emu, world):
    az.ok("aks", "stop", "-g", GROUP, "-n", NAME)
    assert show(az, "powerState.code") == "Stopped"
    assert show(az, "provisioningState") == "Succeeded"
    assert processes(emu, "kmslab-") == []  # the apiserver and the plugin are gone
    got = kubectl(emu, world["kubeconfig"], "get", "secret", "before")
    assert got.returncode != 0
    az.ok("aks", "start", "-g", GROUP, "-n", NAME)
    assert show(az, "powerState.code") == "Running"
    assert len(processes(emu, "kmslab-kms-plugin")) == 2  # key2 writes, key1 still reads
    assert kube_eventually(emu, world, "get", "secret", "before", "-o",
                           "jsonpath={.data.pw}") == "aHVudGVyMg=="
