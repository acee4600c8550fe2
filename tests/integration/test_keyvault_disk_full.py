"""A full disk under the store: Key Vault writes answer Azure's 500 and change nothing.

The store file lives on a tiny tmpfs mounted in a private mount namespace (unshare --mount): no
other process sees the mount, and it disappears with the emulator. Mounting needs root
(CAP_SYS_ADMIN); elsewhere the test is skipped, and tests/unit/keyvault/store_failure_test.cpp
covers the same contract without it."""
import os
import shutil
import subprocess
import urllib.parse

import pytest

from kmslab_harness import Emulator
from keyvault_support import START, VAULT, Vault

API = "?api-version=7.4"
# Room for the store's start-up writes (signing key, vault, clock) and a few dozen keys.
TMPFS_SIZE = "512k"


def _can_mount(where):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "mount", "-t", "tmpfs", "-o", "size=64k",
                            "tmpfs", str(where)], capture_output=True)
    return probe.returncode == 0


@pytest.fixture
def full_disk_emulator(emulator_binary, tmp_path):
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    if not _can_mount(mnt):
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN) and unshare")
    # exec all the way down, so the harness's pid (and its SIGTERM) is the emulator's.
    wrapper = tmp_path / "emulator-on-small-disk"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec unshare --mount sh -c 'mount -t tmpfs -o size={TMPFS_SIZE} tmpfs \"$0\" && "
        f"exec \"$@\"' '{mnt}' '{emulator_binary}' \"$@\"\n")
    wrapper.chmod(0o755)
    emu = Emulator(str(wrapper), tmp_path / "data",
                   ["--clock", "manual", "--clock-start", START, "--vault", VAULT,
                    "--throttling", "off", "--store", f"sqlite:{mnt}/store.db",
                    # The audit log off: its records share the store, and a failed or dropped
                    # record frees pages, so the disk would not stay full between the checks
                    # (the audit log's own full-store rule is AuditTest's, tests/unit/keyvault).
                    "--audit-retention", "0"]).start()
    yield emu
    assert emu.stop() == 0  # a full disk must not turn shutdown into a crash


def _assert_internal_error(status, body):
    assert status == 500, body
    assert body["error"]["code"] == "InternalServerError", body


def test_writes_on_a_full_disk_answer_500_and_change_nothing(full_disk_emulator):
    emu = full_disk_emulator
    vault = Vault(emu)
    created = []
    for i in range(500):
        status, _, body = vault.request("POST", f"/keys/key-{i}/create{API}",
                                        {"kty": "EC", "crv": "P-256"})
        if status != 200:
            break
        created.append(f"key-{i}")
    else:
        pytest.fail("the store never filled the disk")
    _assert_internal_error(status, body)
    assert created, "the disk was full before the first key"
    log = (emu.data_dir / "emulator.log").read_text()
    assert "full" in log  # SQLITE_FULL, through the dispatcher's logged 500

    failed = f"key-{len(created)}"
    status, _, body = vault.request("GET", f"/keys/{failed}{API}")
    assert status == 404 and body["error"]["code"] == "KeyNotFound", body

    # An update of an existing key fails the same way and leaves the key as it was.
    status, _, before = vault.request("GET", f"/keys/{created[0]}{API}")
    assert status == 200
    status, _, body = vault.request("PATCH", f"/keys/{created[0]}{API}",
                                    {"attributes": {"enabled": False}, "tags": {"a": "b"}})
    _assert_internal_error(status, body)
    status, _, after = vault.request("GET", f"/keys/{created[0]}{API}")
    assert status == 200 and after == before

    # Exactly the acknowledged keys are listed: the refused create left no trace.
    names, path = [], f"/keys{API}"
    while path:
        status, _, listing = vault.request("GET", path)
        assert status == 200, listing
        names += [item["kid"].rsplit("/", 1)[1] for item in listing["value"]]
        link = urllib.parse.urlsplit(listing.get("nextLink") or "")
        path = link.path + "?" + link.query if link.path else None
    assert sorted(names) == sorted(created)
    status, _, _ = emu.curl("/_kmslab/health")
    assert status == 200
