"""Secrets on disk are owner-only (issue 9 defect 3): the data directory is 0700 and every file in
it 0600 (the CA certificate may be 0644), SQLite's -wal included, whatever the caller's umask."""
import os
import stat

from kmslab_harness import Emulator
from keyvault_support import Vault

ALLOWED_0644 = {"ca.pem"}


def start_with_umask(binary, data_dir, umask):
    """Starts the emulator with `umask`, restoring the test's own afterwards."""
    previous = os.umask(umask)
    try:
        return Emulator(binary, data_dir, ["--vault", "kv1"]).start()
    finally:
        os.umask(previous)


def modes(data_dir):
    out = {}
    for root, dirs, files in os.walk(data_dir):
        for name in dirs + files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, data_dir)] = stat.S_IMODE(os.lstat(path).st_mode)
    return out


def assert_owner_only(data_dir):
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    found = modes(data_dir)
    assert "store.db" in found and "store.db-wal" in found, found
    for name, mode in found.items():
        if os.path.isdir(os.path.join(data_dir, name)):
            assert mode == 0o700, f"directory {name} is {oct(mode)}"
            continue
        limit = 0o644 if name in ALLOWED_0644 else 0o600
        assert mode & ~limit == 0, f"{name} is {oct(mode)}"
        assert mode & 0o600 == 0o600, f"{name} is {oct(mode)}"


def test_every_file_is_owner_only_under_a_permissive_umask(emulator_binary, tmp_path):
    data = tmp_path / "data"
    emu = start_with_umask(emulator_binary, data, 0o000)
    try:
        status, _, body = Vault(emu, "kv1").request("POST", "/keys/k1/create?api-version=7.5",
                                                    {"kty": "RSA"})
        assert status == 200, body
        assert_owner_only(data)
    finally:
        assert emu.stop() == 0


def test_an_existing_loose_directory_and_store_are_tightened(emulator_binary, tmp_path):
    data = tmp_path / "data"
    emu = start_with_umask(emulator_binary, data, 0o022)
    assert emu.stop() == 0
    os.chmod(data, 0o755)
    for name in os.listdir(data):
        os.chmod(data / name, 0o644)
    emu = start_with_umask(emulator_binary, data, 0o022)
    try:
        assert_owner_only(data)
    finally:
        assert emu.stop() == 0

