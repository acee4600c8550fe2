"""Issue #13 item 5: `tools/kmslab incident export` writes a bundle of a cluster's incident and
`tools/kmslab incident replay` starts a stack in its state. Round trips with and without key
material (keys, vault, cluster, audit log come back; without material decrypt answers 403
KeyMaterialWithheld, and replay says so at start), no private key bytes in a bundle made without
the flag, owner-only files, and malformed or truncated bundles refused without changing anything."""
import json
import os
import re
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from keyvault_support import Vault, get_token
from kmslab_harness import Emulator, wait_for

REPO = Path(__file__).resolve().parents[2]
INCIDENT = [str(REPO / "tools" / "kmslab_incident.py")]
PYTHON = "/usr/bin/python3"
SUB = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
CLUSTER = f"/subscriptions/{SUB}/resourceGroups/kmslab/providers/Microsoft.ContainerService/managedClusters/inc1"
ARM_ARGS = ["--aks-control-planes", "none", "--vault", "incvault", "--deletion-window", "0s"]
# A private key as the store keeps it (KeyMaterial::serialize: "v1:KTY:" + PKCS#8), PEM, JWK.
PRIVATE = re.compile(r'material\\?"\s*:\s*\\?"v1:|PRIVATE KEY|pkcs8_pem|\\?"(d|p|q|dp|dq|qi)\\?"\s*:')


def arm(emu, method, path, body=None):
    token = get_token(emu, scope="https://management.azure.com/.default")
    args = ["-X", method, "-H", f"Authorization: {token}", "-H", "Content-Type: application/json"]
    if body is not None:
        args += ["--data", json.dumps(body)]
    return emu.curl(f"{path}?api-version=2022-11-01", *args)


@pytest.fixture(scope="module")
def incident(emulator_binary, tmp_path_factory):
    """One emulator with a vault, a key, a ciphertext and an (ARM-only) cluster, exported twice."""
    tmp = tmp_path_factory.mktemp("incident")
    emu = Emulator(emulator_binary, tmp / "origin", ARM_ARGS).start()
    try:
        vault = Vault(emu, "incvault")
        status, _, made = vault.request("POST", "/keys/kek/create?api-version=7.4", {"kty": "RSA"})
        assert status == 200, made
        status, _, enc = vault.request("POST", "/keys/kek//encrypt?api-version=7.4",
                                       {"alg": "RSA-OAEP-256", "value": "c2VjcmV0LWRlaw"})
        assert status == 200, enc
        status, _, body = arm(emu, "PUT", CLUSTER, {
            "location": "eastus", "identity": {"type": "SystemAssigned"},
            "properties": {"dnsPrefix": "inc1", "agentPoolProfiles": [
                {"name": "nodepool1", "count": 1, "mode": "System", "vmSize": "Standard_DS2_v2"}]}})
        assert status in (200, 201), body
        bundles = {}
        for name, extra in (("plain", []), ("material.tar.gz", ["--include-key-material"])):
            out = subprocess.run([PYTHON, *INCIDENT, "export", "kmslab/inc1", "--data-dir",
                                  str(tmp / "origin"), "--out", str(tmp / name), *extra],
                                 capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
            bundles[name] = tmp / name
        yield {"tmp": tmp, "kid": made["key"]["kid"], "ciphertext": enc["value"], **bundles}
    finally:
        emu.stop()


def replay(emulator_binary, bundle, data_dir):
    proc = subprocess.Popen([PYTHON, *INCIDENT, "replay", str(bundle), "--data-dir", str(data_dir),
                             "--emulator", emulator_binary, "--", "--port", "0",
                             "--log-file", str(data_dir / "emulator.log"), *ARM_ARGS],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    emu = Emulator(emulator_binary, data_dir)
    emu.proc = proc

    def ready():
        if proc.poll() is not None:
            raise AssertionError(f"replay exited {proc.returncode}: {proc.stderr.read()}")
        try:
            return json.loads((data_dir / "endpoints.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    emu.endpoints = wait_for(ready, "the replayed emulator")
    return emu


def test_bundle_files_are_owner_only_and_hold_no_private_key(incident):
    plain = incident["plain"]
    manifest = json.loads((plain / "manifest.json").read_text())
    assert (manifest["format"], manifest["version"], manifest["keyMaterial"]) == ("kmslab-incident", 1, False)
    assert manifest["cluster"] == CLUSTER
    for name in ("state.json", "audit-events.json", "cluster.json", "detector.json", "emulator-log.txt"):
        assert name in manifest["files"], manifest
    assert stat.S_IMODE(plain.stat().st_mode) == 0o700
    for path in plain.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
            assert not PRIVATE.search(path.read_text(errors="replace")), f"private key bytes in {path}"
    assert json.loads((plain / "cluster.json").read_text())["name"] == "inc1"
    audit = json.loads((plain / "audit-events.json").read_text())["records"]
    assert "KeyEncrypt" in [r["operationName"] for r in audit]
    # The flag's bundle has them: the grep above can fail.
    archive = incident["material.tar.gz"]
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        state = tar.extractfile("./state.json").read().decode()
    assert PRIVATE.search(state)


def test_replay_without_key_material_serves_all_but_decryption(emulator_binary, incident):
    data_dir = incident["tmp"] / "replay-plain"
    emu = replay(emulator_binary, incident["plain"], data_dir)
    try:
        vault = Vault(emu, "incvault")
        status, _, key = vault.request("GET", "/keys/kek?api-version=7.4")
        path = incident["kid"].split("/", 3)[3]  # the replay listens on another port
        assert status == 200 and key["key"]["kid"].endswith("/" + path), key
        status, _, dec = vault.request("POST", "/keys/kek//decrypt?api-version=7.4",
                                       {"alg": "RSA-OAEP-256", "value": incident["ciphertext"]})
        assert status == 403 and dec["error"]["innererror"]["code"] == "KeyMaterialWithheld", dec
        assert "--include-key-material" in dec["error"]["message"]
        status, _, cluster = arm(emu, "GET", CLUSTER)
        assert status == 200, cluster
        assert json.loads(cluster)["name"] == "inc1"
        status, _, audit = emu.curl("/_kmslab/vaults/incvault/audit-events?operation=KeyEncrypt")
        assert status == 200 and len(json.loads(audit)["records"]) == 1, audit
    finally:
        emu.stop()
    out = emu.proc.stdout.read()
    assert "NO key material" in out, out


def test_replay_with_key_material_decrypts(emulator_binary, incident):
    emu = replay(emulator_binary, incident["material.tar.gz"], incident["tmp"] / "replay-material")
    try:
        vault = Vault(emu, "incvault")
        status, _, dec = vault.request("POST", "/keys/kek//decrypt?api-version=7.4",
                                       {"alg": "RSA-OAEP-256", "value": incident["ciphertext"]})
        assert status == 200 and dec["value"] == "c2VjcmV0LWRlaw", dec
    finally:
        emu.stop()


def test_malformed_bundles_are_refused_and_change_nothing(emulator_binary, incident, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    data = incident["material.tar.gz"].read_bytes()
    truncated.write_bytes(data[:len(data) // 2])
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("manifest.json", "state.json"):
        (broken / name).write_bytes((incident["plain"] / name).read_bytes())
    state = (broken / "state.json").read_text()
    (broken / "state.json").write_text(state[:len(state) // 2])
    for bundle, expected in ((truncated, "not a readable .tar.gz"), (broken, "state.json")):
        data_dir = tmp_path / f"data-{bundle.name}"
        out = subprocess.run([PYTHON, *INCIDENT, "replay", str(bundle), "--data-dir", str(data_dir),
                              "--emulator", emulator_binary, "--", "--port", "0", *ARM_ARGS],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode != 0
        assert expected in out.stderr, out.stderr
        assert not (data_dir / "store.db").exists(), "nothing was written"
    # A data directory that already holds state is refused too.
    out = subprocess.run([PYTHON, *INCIDENT, "replay", str(incident["plain"]), "--data-dir",
                          str(incident["tmp"] / "origin"), "--emulator", emulator_binary],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "not empty" in out.stderr, out.stderr
