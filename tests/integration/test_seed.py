"""--seed reproduces ids, names, request ids and ordering, never secrets or random bytes: two
emulators started with the same seed and driven the same way give the same key versions and
service-principal ids, but different service-principal secrets and different POST /rng bytes
(OpenSSL's CSPRNG, core::secure_random)."""
import json
import subprocess

from kmslab_harness import Emulator
from keyvault_support import START, VAULT, Vault

API = "?api-version=7.4"


def run_once(binary, data_dir):
    emu = Emulator(binary, data_dir, ["--clock", "manual", "--clock-start", START, "--seed", "7",
                                      "--vault", VAULT, "--throttling", "off"]).start()
    try:
        status, _, sp = emu.curl("/_kmslab/identity/service-principals", "-d",
                                 json.dumps({"displayName": "seeded-app"}))
        assert status in (200, 201), sp
        sp = json.loads(sp)
        vault = Vault(emu)
        status, _, key = vault.request("POST", f"/keys/k1/create{API}", {"kty": "EC", "crv": "P-256"})
        assert status == 200, key
        status, _, rng = vault.request("POST", f"/rng{API}", {"count": 32})
        assert status == 200, rng
        return {"app_id": sp["appId"], "secret": sp["password"], "kid": key["key"]["kid"],
                "rng": rng["value"]}
    finally:
        assert emu.stop() == 0


def test_same_seed_same_ids_fresh_secrets_and_bytes(emulator_binary, tmp_path):
    first = run_once(emulator_binary, tmp_path / "a")
    second = run_once(emulator_binary, tmp_path / "b")
    assert first["app_id"] == second["app_id"]  # ids reproduce...
    assert first["kid"].rsplit("/", 1)[1] == second["kid"].rsplit("/", 1)[1]  # the version
    assert first["secret"] != second["secret"]  # ...credentials and random bytes do not
    assert first["rng"] != second["rng"]
    assert len(first["secret"]) == 40


def test_help_says_what_the_seed_reproduces(emulator_binary):
    out = subprocess.run([emulator_binary, "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    text = " ".join(out.stdout.split())  # boost wraps the description over several lines
    assert "reproduces ids, names, key versions, request ids and ordering" in text
    assert "Never key material, secrets, ciphertexts or /rng bytes" in text
