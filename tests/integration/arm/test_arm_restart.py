"""State that must survive the emulator: a soft-deleted vault stays deleted across a kill -9,
and its automatic purge is re-armed at start (it fires when the virtual clock gets there).
Also: ARM under its real name, management.azure.com, through the CONNECT proxy."""
import json
import os
import signal

import pytest

from arm_support import GROUP, SUBSCRIPTION, arm_call, get_token, start_emulator, wait_for

VAULTS = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.KeyVault/vaults"
DELETED = f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.KeyVault/deletedVaults"
KV = "?api-version=2022-07-01"


@pytest.fixture
def binary(request):
    path = request.config.getoption("--arm-emulator", default=None)
    if not path:
        pytest.skip("--arm-emulator not given")
    return os.path.abspath(path)


def deleted_names(emu):
    return [v["name"] for v in arm_call(emu, "GET", DELETED + KV)[2]["value"]]


def test_deleted_vault_survives_kill_and_purges_on_time(binary, tmp_path):
    emu = start_emulator(binary, tmp_path / "data")
    body = {"location": "eastus", "properties": {
        "tenantId": "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8", "accessPolicies": [],
        "sku": {"family": "A", "name": "standard"}, "softDeleteRetentionInDays": 7}}
    assert arm_call(emu, "PUT", VAULTS + "/kv-restart" + KV, body=body)[0] == 201
    assert arm_call(emu, "DELETE", VAULTS + "/kv-restart" + KV)[0] == 200
    emu.stop(signal.SIGKILL)

    emu = start_emulator(binary, tmp_path / "data")
    try:
        assert deleted_names(emu) == ["kv-restart"]
        assert arm_call(emu, "GET", VAULTS + "/kv-restart" + KV)[0] == 404
        status, _, _ = emu.curl("/_kmslab/clock", "-d", json.dumps({"advance": "7d1s"}))
        assert status == 200
        wait_for(lambda: deleted_names(emu) == [], "automatic purge after restart")
    finally:
        emu.stop()


def test_arm_through_the_proxy_as_management_azure_com(binary, tmp_path):
    emu = start_emulator(binary, tmp_path / "data")
    try:
        token = get_token(emu)
        status, headers, body = emu.curl(
            "/subscriptions?api-version=2019-11-01", "--proxy", emu.proxy,
            "-H", "Authorization: Bearer " + token, url="https://management.azure.com")
        assert status == 200, body
        assert json.loads(body)["value"][0]["subscriptionId"] == SUBSCRIPTION
        assert "x-ms-correlation-request-id" in headers
    finally:
        emu.stop()
