"""kmslab-kms-plugin driven by an independent grpcio client against a running emulator:
v1 and v2 round trips, Status/Version, key_id and annotations, socket handling, and failure
behaviour (reference/kms.md §1, §7; seed F1)."""
import json
import os
import signal
import socket
import stat
import subprocess
import threading

import grpc
import pytest

from kmslab_harness import Emulator
from keyvault_support import START, VAULT, Vault, advance_clock
from plugin_support import Plugin


@pytest.fixture
def emu(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "emu",
                   ["--clock", "manual", "--clock-start", START, "--vault", VAULT]).start()
    yield emu
    emu.stop()


@pytest.fixture
def key_version(emu):
    status, _, key = Vault(emu).request("POST", "/keys/kek/create?api-version=7.4",
                                        {"kty": "RSA", "key_size": 2048})
    assert status == 200, key
    return key["key"]["kid"].rsplit("/", 1)[1]


@pytest.fixture
def plugin(plugin_binary, tmp_path, emu, key_version):
    p = Plugin(plugin_binary, tmp_path, emu, key_version).start()
    yield p
    assert p.stop() == 0, p.log.read_text()


def stubs(pb, plugin):
    channel = grpc.insecure_channel(f"unix://{plugin.socket}")
    return (pb["kms.v1beta1.api_pb2_grpc"].KeyManagementServiceStub(channel),
            pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(channel))





def test_v2_status_and_round_trips(pb, plugin):
    _, v2 = stubs(pb, plugin)
    m = pb["kms.v2.api_pb2"]
    st = v2.Status(m.StatusRequest(), timeout=20)
    assert (st.version, st.healthz, st.key_id) == ("v2beta1", "ok", plugin.key_id)
    for plain in (b"", b"\x01", bytes(range(32)), b"\xff" * 190):
        enc = v2.Encrypt(m.EncryptRequest(plaintext=plain, uid="u1"), timeout=20)
        assert enc.key_id == plugin.key_id
        assert len(enc.ciphertext) == 342 and all(c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in enc.ciphertext)
        ann = dict(enc.annotations)
        assert set(ann) == {"date.azure.akv.io", "x-ms-request-id.azure.akv.io",
                            "x-ms-keyvault-region.azure.akv.io", "version.azure.akv.io",
                            "algorithm.azure.akv.io"}
        assert ann["version.azure.akv.io"] == b"1" and ann["algorithm.azure.akv.io"] == b"RSA-OAEP-256"
        assert ann["date.azure.akv.io"].endswith(b" GMT") and len(ann["x-ms-request-id.azure.akv.io"]) == 36
        dec = v2.Decrypt(m.DecryptRequest(ciphertext=enc.ciphertext, uid="u2", key_id=enc.key_id,
                                          annotations=enc.annotations), timeout=20)
        assert dec.plaintext == plain


def test_oversized_payload_is_key_vaults_refusal(pb, plugin):
    _, v2 = stubs(pb, plugin)
    m = pb["kms.v2.api_pb2"]
    # RSA-OAEP-256 on RSA-2048 takes at most 190 bytes.
    with pytest.raises(grpc.RpcError) as e:
        v2.Encrypt(m.EncryptRequest(plaintext=b"x" * 191, uid="u"), timeout=20)
    assert e.value.code() == grpc.StatusCode.UNKNOWN
    assert e.value.details().startswith(
        "failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure responding to request: "
        "StatusCode=400 -- Original Error: autorest/azure: Service returned an error. Status=400 "), e.value.details()
    # More than gRPC's 4 MiB message limit: gRPC refuses it; the plugin keeps serving.
    with pytest.raises(grpc.RpcError) as e:
        v2.Encrypt(m.EncryptRequest(plaintext=b"x" * (5 << 20), uid="u"), timeout=20)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert v2.Status(m.StatusRequest(), timeout=20).healthz == "ok"


def test_v1_version_and_round_trip(pb, plugin):
    v1, _ = stubs(pb, plugin)
    m = pb["kms.v1beta1.api_pb2"]
    ver = v1.Version(m.VersionRequest(version="v1beta1"), timeout=20)
    assert (ver.version, ver.runtime_name) == ("v1beta1", "Microsoft AzureKMS")
    assert ver.runtime_version
    dek = bytes(range(32))
    enc = v1.Encrypt(m.EncryptRequest(version="v1beta1", plain=dek), timeout=20)
    assert len(enc.cipher) == 342
    assert v1.Decrypt(m.DecryptRequest(version="v1beta1", cipher=enc.cipher), timeout=20).plain == dek


def test_v2_decrypt_checks(pb, plugin):
    _, v2 = stubs(pb, plugin)
    m = pb["kms.v2.api_pb2"]
    enc = v2.Encrypt(m.EncryptRequest(plaintext=b"secret", uid="u"), timeout=20)
    cases = [
        ({}, plugin.key_id, "invalid annotations, annotations cannot be empty"),
        (dict(enc.annotations), "other", f"key id other does not match expected key id {plugin.key_id} used for encryption"),
        ({**dict(enc.annotations), "algorithm.azure.akv.io": b"RSA1_5"}, plugin.key_id,
         "algorithm RSA1_5 does not match expected algorithm RSA-OAEP-256 used for encryption"),
    ]
    for annotations, key_id, message in cases:
        with pytest.raises(grpc.RpcError) as e:
            v2.Decrypt(m.DecryptRequest(ciphertext=enc.ciphertext, uid="u", key_id=key_id,
                                        annotations=annotations), timeout=20)
        assert e.value.code() == grpc.StatusCode.UNKNOWN and e.value.details() == message
    with pytest.raises(grpc.RpcError) as e:
        v2.Decrypt(m.DecryptRequest(ciphertext=b"\x00not base64url", uid="u", key_id=plugin.key_id,
                                    annotations=enc.annotations), timeout=20)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_socket_is_owner_only_and_stale_socket_replaced(pb, plugin_binary, tmp_path, emu, key_version):
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(tmp_path / "kms.sock"))
    stale.close()  # leaves the file behind, as a killed plugin does
    p = Plugin(plugin_binary, tmp_path, emu, key_version).start()
    try:
        assert stat.S_IMODE(os.stat(p.socket).st_mode) == 0o600
        _, v2 = stubs(pb, p)
        assert v2.Status(pb["kms.v2.api_pb2"].StatusRequest(), timeout=20).healthz == "ok"
    finally:
        assert p.stop() == 0
    assert not p.socket.exists()


def test_abstract_socket(pb, plugin_binary, tmp_path, emu, key_version):
    name = f"kmslab-test-{os.getpid()}-{tmp_path.name}"
    p = Plugin(plugin_binary, tmp_path, emu, key_version)
    p.args[1] = f"unix:///@{name}"
    p.start()
    try:
        channel = grpc.insecure_channel(f"unix-abstract:{name}")
        v2 = pb["kms.v2.api_pb2_grpc"].KeyManagementServiceStub(channel)
        assert v2.Status(pb["kms.v2.api_pb2"].StatusRequest(), timeout=20).key_id == p.key_id
    finally:
        assert p.stop(signal.SIGINT) == 0


def key_error(pb, plugin):
    _, v2 = stubs(pb, plugin)
    with pytest.raises(grpc.RpcError) as e:
        v2.Status(pb["kms.v2.api_pb2"].StatusRequest(), timeout=20)
    assert e.value.code() == grpc.StatusCode.UNKNOWN
    return e.value.details()


def test_key_expired_disabled_deleted(pb, plugin, emu, key_version):
    vault = Vault(emu)
    status, _, _ = vault.request("PATCH", f"/keys/kek/{key_version}?api-version=7.4",
                                 {"attributes": {"enabled": False}})
    assert status == 200
    text = key_error(pb, plugin)
    assert text.startswith("failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure responding to "
                           "request: StatusCode=403 -- Original Error: autorest/azure: Service returned an "
                           "error. Status=403 Code=\"Forbidden\""), text
    assert 'InnerError={"code":"KeyDisabled"}' in text, text
    vault.request("PATCH", f"/keys/kek/{key_version}?api-version=7.4",
                  {"attributes": {"enabled": True, "exp": 1767312000}})  # 2026-01-02
    _, v2 = stubs(pb, plugin)
    assert v2.Status(pb["kms.v2.api_pb2"].StatusRequest(), timeout=20).healthz == "ok"
    advance_clock(emu, "2d")
    text = key_error(pb, plugin)
    assert "StatusCode=403" in text and "KeyExpired" in text, text
    assert vault.request("DELETE", "/keys/kek?api-version=7.4")[0] == 200
    text = key_error(pb, plugin)
    assert "StatusCode=404" in text and 'Code="KeyNotFound"' in text, text


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_emulator_down_then_back(pb, plugin_binary, emulator_binary, tmp_path):
    """A clear error while the vault is unreachable, and recovery without a restart when it is back
    (the proxy keeps its port across the emulator's restart)."""
    emu = Emulator(emulator_binary, tmp_path / "emu", ["--clock", "manual", "--clock-start", START,
                                                      "--vault", VAULT, "--proxy-port", str(free_port())]).start()
    status, _, key = Vault(emu).request("POST", "/keys/kek/create?api-version=7.4", {"kty": "RSA"})
    assert status == 200
    p = Plugin(plugin_binary, tmp_path, emu, key["key"]["kid"].rsplit("/", 1)[1]).start()
    try:
        _, v2 = stubs(pb, p)
        m = pb["kms.v2.api_pb2"]
        assert v2.Status(m.StatusRequest(), timeout=20).healthz == "ok"
        assert emu.stop() == 0
        with pytest.raises(grpc.RpcError) as e:
            v2.Encrypt(m.EncryptRequest(plaintext=b"x", uid="u"), timeout=20)
        assert e.value.code() == grpc.StatusCode.UNKNOWN
        assert e.value.details().startswith(
            "failed to encrypt, error: keyvault.BaseClient#Encrypt: Failure sending request: StatusCode=0 "
            "-- Original Error: dial tcp 127.0.0.1:"), e.value.details()
        emu.start()
        assert v2.Status(m.StatusRequest(), timeout=20).healthz == "ok"
    finally:
        assert p.stop() == 0
        emu.stop()


def test_no_credentials_is_upstreams_message(plugin_binary, tmp_path, emu, key_version):
    p = Plugin(plugin_binary, tmp_path, emu, key_version, azure={"tenantId": "t"})
    p.start(wait=False)
    assert p.proc.wait(timeout=20) == 1
    p.log_file.close()
    assert "failed to create key vault client: failed to get key vault token, error: no credentials provided for accessing keyvault" in p.log.read_text()


def test_secrets_never_logged(pb, plugin_binary, tmp_path, emu, key_version):
    p = Plugin(plugin_binary, tmp_path, emu, key_version, extra=["-v", "10"]).start()
    try:
        _, v2 = stubs(pb, p)
        m = pb["kms.v2.api_pb2"]
        enc = v2.Encrypt(m.EncryptRequest(plaintext=b"PLAINTEXT-MARKER", uid="u"), timeout=20)
        v2.Decrypt(m.DecryptRequest(ciphertext=enc.ciphertext, key_id=enc.key_id,
                                    annotations=enc.annotations), timeout=20)
    finally:
        p.stop()
    log = p.log.read_text()
    assert "s3cret-value" not in log and "PLAINTEXT-MARKER" not in log and "eyJ" not in log


def test_kill_9_under_load_then_restart_reclaims_the_socket(pb, plugin_binary, tmp_path, emu, key_version):
    """kill -9 leaves the socket file behind; the next start replaces it and serves, and what was
    encrypted before the crash still decrypts (the plugin keeps no state of its own)."""
    import threading
    p = Plugin(plugin_binary, tmp_path, emu, key_version).start()
    _, v2 = stubs(pb, p)
    m = pb["kms.v2.api_pb2"]
    before = v2.Encrypt(m.EncryptRequest(plaintext=b"dek-before-crash", uid="u"), timeout=20)
    stop = threading.Event()
    outcomes = []

    def load():
        for _ in range(10_000):
            if stop.is_set():
                return
            try:
                v2.Encrypt(m.EncryptRequest(plaintext=b"x", uid="u"), timeout=5)
                outcomes.append("ok")
            except grpc.RpcError as e:
                outcomes.append(e.code())

    workers = [threading.Thread(target=load) for _ in range(4)]
    for w in workers:
        w.start()
    wait_for_count = lambda: len(outcomes) >= 8  # noqa: E731
    from kmslab_harness import wait_for
    wait_for(wait_for_count, "requests under load")
    p.proc.kill()
    p.proc.wait(timeout=20)
    p.log_file.close()
    assert p.socket.exists()  # left behind, as after a real crash
    p.start()
    _, v2_again = stubs(pb, p)
    dec = v2_again.Decrypt(m.DecryptRequest(ciphertext=before.ciphertext, uid="u", key_id=before.key_id,
                                            annotations=before.annotations), timeout=20)
    assert dec.plaintext == b"dek-before-crash"
    stop.set()
    for w in workers:
        w.join(timeout=60)
    assert "ok" in outcomes
    assert set(outcomes) <= {"ok", grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                             grpc.StatusCode.CANCELLED}
    assert p.stop() == 0


def test_cpp_grpc_client_round_trips(plugin, load_binary):
    """The C++ client (grpc++ stubs from the same protos) against the real plugin."""
    import subprocess
    out = subprocess.run([load_binary, "roundtrip", "--socket", f"unix://{plugin.socket}"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["status"] == {"version": "v2beta1", "healthz": "ok", "key_id": plugin.key_id}
    assert result["version"] == {"version": "v1beta1", "runtime_name": "Microsoft AzureKMS"}
    assert result["v2_ciphertext_sizes"] == [342, 342, 342, 342]


def test_bench_floor_times_version_calls(plugin, load_binary):
    """tools/bench/plugin.sh's floor: pairs of v1 Version calls (the gRPC hop without a Key Vault
    call), each timed, none failing."""
    out = subprocess.run([load_binary, "bench-floor", "--socket", f"unix://{plugin.socket}", "--concurrency", "2",
                          "--requests", "20"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["errors"], result["pairs"]) == (0, 20), result["first_error"]
    assert result["version"]["n"] == result["version2"]["n"] == 20
    assert 0 < result["version"]["p50_ms"] <= result["version"]["p99_ms"]


def test_server_threads_outlive_their_calls(load_binary, started):
    """gRPC's sync server ends a thread per call under concurrency unless its idle pollers may
    stay (main.cpp kMaxPollers): after a warm-up, a second burst of concurrent calls (the C++
    client, 8 at a time) must be served by the threads already there, not by new ones."""
    _, p, _ = started

    def burst():
        out = subprocess.run([load_binary, "bench", "--socket", f"unix://{p.socket}", "--concurrency", "8",
                              "--requests", "150"], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0 and json.loads(out.stdout)["errors"] == 0, out.stdout + out.stderr

    def tids():
        return set(os.listdir(f"/proc/{p.proc.pid}/task"))

    burst()
    before = tids()
    # Threads that start and end within the burst are caught by listing the tasks throughout.
    seen, done = set(), threading.Event()

    def watch():
        while not done.is_set():
            seen.update(tids())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        burst()
    finally:
        done.set()
        watcher.join()
    assert len(seen - before) <= 4, f"{len(seen - before)} threads came and went for 150 calls"
