"""Key Vault on the wire: exact bodies, headers and status codes (reference/keyvault.md §1-§7),
checked with plain HTTP requests where an SDK would hide them."""
import time
import json
import signal

import pytest

from kmslab_harness import Emulator
from keyvault_support import START, VAULT, Vault, advance_clock

@pytest.fixture
def emu(emulator_binary, tmp_path):
    # Full pages: these tests count items per page (uneven pages: test_keyvault_recorded_wire.py).
    emu = Emulator(emulator_binary, tmp_path / "d", ["--clock", "manual", "--clock-start", START,
                                                     "--vault", VAULT, "--seed", "11",
                                                     "--list-page-sizes", "full"]).start()
    yield emu
    assert emu.stop() == 0


@pytest.fixture
def vault(emu):
    return Vault(emu)


def test_missing_token_gets_the_real_challenge(vault, emu):
    status, headers, body = vault.request("GET", "/keys?api-version=7.5", token=None)
    assert status == 401
    assert body == {"error": {"code": "Unauthorized",
                              "message": "AKV10000: Request is missing a Bearer or PoP token."}}
    assert headers["content-length"] == "97"  # as the real service sends it
    # recorded-keyvault.md §1 (N:KC/GetKeyNonExisting.json): the authority is login.windows.net.
    assert headers["www-authenticate"] == (
        'Bearer authorization="https://login.windows.net/6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8", '
        f'resource="https://vault.localhost:{emu.port()}"')


def test_tokens_are_validated(vault, emu):
    for token, message in [("Bearer not.a.jwt", "AKV10046"), ("Bearer " + "x" * 30, "AKV10046")]:
        status, headers, body = vault.request("GET", "/keys?api-version=7.5", token=token)
        assert status == 401 and message in body["error"]["message"], body
        assert headers["www-authenticate"].startswith("Bearer authorization=")
    # Moving the virtual clock does not expire tokens: their lifetime runs in real time, as a client
    # that really waited would have refreshed its token.
    advance_clock(emu, "30d")
    assert vault.request("GET", "/keys?api-version=7.5")[0] == 200


def test_audience_and_issuer_are_checked(vault, emu):
    """AKV10022 for a token meant for another resource, AKV10032 for another tenant's token."""
    from keyvault_support import get_token
    arm_token = get_token(emu, scope="https://management.azure.com/.default")
    status, headers, body = vault.request("GET", "/keys?api-version=7.5", token=arm_token)
    assert status == 401 and "www-authenticate" in headers
    assert body["error"] == {"code": "Unauthorized", "message": (
        f"AKV10022: Invalid audience. Expected https://vault.localhost:{emu.port()}, "
        "found: https://management.azure.com.")}
    other = "00000000-0000-4000-8000-000000000001"
    status, _, body = vault.request("GET", "/keys?api-version=7.5", token=get_token(emu, tenant=other))
    assert status == 401
    assert body["error"]["message"] == (
        "AKV10032: Invalid issuer. Expected one of "
        "https://sts.windows.net/6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8/, "
        f"found https://sts.windows.net/{other}/.")
    # The real audience is accepted as well as the challenge's own resource.
    assert vault.request("GET", "/keys?api-version=7.5",
                         token=get_token(emu, scope="https://vault.azure.net/.default"))[0] == 200


def test_every_response_carries_key_vault_headers(vault):
    status, headers, _ = vault.request("GET", "/keys?api-version=7.5", headers={"x-ms-client-request-id": "c1"})
    assert status == 200
    assert headers["x-ms-keyvault-region"] == "eastus"
    assert headers["x-ms-keyvault-network-info"] == "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;"
    assert headers["x-ms-keyvault-service-version"]
    assert headers["x-ms-client-request-id"] == "c1" and len(headers["x-ms-request-id"]) == 36
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff" and headers["expires"] == "-1"


def test_api_version_is_required_and_checked(vault):
    status, _, body = vault.request("GET", "/keys")
    assert status == 400 and body["error"]["code"] == "BadParameter"
    status, _, body = vault.request("GET", "/keys?api-version=9.9")
    assert status == 400
    assert body["error"]["message"].startswith("The specified version (9.9) is not recognized.")
    assert "--accept-any-api-version" in body["error"]["message"]
    for version in ["7.0", "7.4-preview.1", "7.6", "2025-07-01"]:
        assert vault.request("GET", f"/keys?api-version={version}")[0] == 200, version


def test_accept_any_api_version_flag(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "any", ["--vault", VAULT, "--accept-any-api-version"]).start()
    try:
        assert Vault(emu).request("GET", "/keys?api-version=9.9")[0] == 200
    finally:
        assert emu.stop() == 0


def test_unknown_vault_and_bad_json(vault, emu):
    status, _, body = Vault(emu, "nosuchvault").request("GET", "/keys?api-version=7.5")
    assert status == 404 and body["error"]["code"] == "VaultNotFound"
    status, _, body = vault.request("POST", "/keys/k/create?api-version=7.5", body=b"{not json")
    assert status == 400 and body["error"]["code"] == "BadParameter"
    status, _, body = vault.request("POST", "/keys/bad_name!/create?api-version=7.5", body={"kty": "RSA"})
    assert status == 400
    status, _, body = vault.request("POST", "/keys/k/create?api-version=7.5", body={})
    assert status == 400 and "kty" in body["error"]["message"]
    assert vault.request("GET", "/keys?api-version=7.5")[2]["value"] == []  # nothing was created


def test_paging_next_links_and_empty_version_segments(vault):
    for i in range(3):
        assert vault.request("POST", f"/keys/k{i}/create?api-version=7.5", body={"kty": "EC"})[0] == 200
    _, _, page = vault.request("GET", "/keys?api-version=7.5&maxresults=2")
    assert len(page["value"]) == 2 and page["nextLink"].startswith(f"https://{vault.host}/keys?api-version=7.5&$skiptoken=")
    next_path = page["nextLink"].split(vault.host, 1)[1]
    _, _, page2 = vault.request("GET", next_path)
    assert [k["kid"].rsplit("/", 1)[1] for k in page2["value"]] == ["k2"] and page2["nextLink"] is None
    status, _, body = vault.request("GET", "/keys?api-version=7.5&maxresults=26")
    assert status == 400
    status, _, latest = vault.request("GET", "/keys/k0/?api-version=7.5")
    assert status == 200 and latest["key"]["crv"] == "P-256"
    status, _, signed = vault.request("POST", "/keys/k0//sign?api-version=7.5",
                                      body={"alg": "ES256", "value": "A" * 43})
    assert status == 200 and signed["kid"] == latest["key"]["kid"]


def test_encrypt_on_an_expired_key_and_decrypt_after(vault, emu):
    _, _, clock = emu.curl("/_kmslab/clock")
    exp = json.loads(clock)["unix"] + 3600
    status, _, key = vault.request("POST", "/keys/exp/create?api-version=7.5",
                                   body={"kty": "RSA", "attributes": {"exp": exp}})
    assert status == 200 and key["attributes"]["exp"] == exp
    _, _, enc = vault.request("POST", "/keys/exp/encrypt?api-version=7.5", body={"alg": "RSA-OAEP", "value": "aGk"})
    advance_clock(emu, "2h")
    status, _, body = vault.request("POST", "/keys/exp/encrypt?api-version=7.5", body={"alg": "RSA-OAEP", "value": "aGk"})
    assert status == 403
    assert body == {"error": {"code": "Forbidden", "message": "Operation encrypt is not allowed on an expired key.",
                              "innererror": {"code": "KeyExpired"}}}
    status, _, dec = vault.request("POST", "/keys/exp/decrypt?api-version=7.5", body={"alg": "RSA-OAEP", "value": enc["value"]})
    assert status == 200 and dec["value"] == "aGk"


def test_deleted_name_conflicts_and_purge_protection(emulator_binary, tmp_path):
    # The window is long enough for the two requests below on a loaded machine; the unit test
    # RecordedTest.DeletionInProgressThenDeleted checks it on an injected clock.
    emu = Emulator(emulator_binary, tmp_path / "pp", ["--vault", VAULT, "--deletion-window", "5s"]).start()
    try:
        vault = Vault(emu)
        vault.request("POST", "/keys/gone/create?api-version=7.5", body={"kty": "RSA"})
        status, _, deleted = vault.request("DELETE", "/keys/gone?api-version=7.5")
        assert status == 200 and list(deleted)[:3] == ["recoveryId", "deletedDate", "scheduledPurgeDate"]
        # recorded-keyvault.md §2 (C:K.CreateDeletedKeyBeforePollComplete.json): while the DELETE
        # is processing (--deletion-window, real time) a create is 409 ObjectIsBeingDeleted and
        # GET /deletedkeys/<name> 404 "Deleted Key not found"; then the deleted state.
        status, _, body = vault.request("POST", "/keys/gone/create?api-version=7.5", body={"kty": "EC"})
        assert status == 409 and body["error"]["innererror"]["code"] == "ObjectIsBeingDeleted"
        status, _, body = vault.request("GET", "/deletedkeys/gone?api-version=7.5")
        assert status == 404 and body["error"]["message"] == "Deleted Key not found: gone"
        deadline = time.monotonic() + 30
        while vault.request("GET", "/deletedkeys/gone?api-version=7.5")[0] != 200:
            assert time.monotonic() < deadline, "the deletion never completed"
            time.sleep(0.05)
        status, _, body = vault.request("POST", "/keys/gone/create?api-version=7.5", body={"kty": "RSA"})
        assert status == 409 and body["error"]["innererror"]["code"] == "ObjectIsDeletedButRecoverable"
        status, _, body = vault.request("GET", "/keys/gone?api-version=7.5")
        assert status == 404 and body["error"]["code"] == "KeyNotFound"
        assert vault.request("DELETE", "/deletedkeys/gone?api-version=7.5")[0] == 204
    finally:
        assert emu.stop() == 0


def test_throttling_returns_429_and_429s_do_not_count(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "t", ["--vault", VAULT, "--clock", "manual",
                                                     "--throttle-create", "2", "--throttle-other", "5"]).start()
    try:
        vault = Vault(emu)
        assert [vault.request("POST", f"/keys/t{i}/create?api-version=7.5", body={"kty": "EC"})[0]
                for i in range(3)] == [200, 200, 429]
        statuses = [vault.request("GET", "/keys/t0?api-version=7.5")[0] for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2
        status, _, body = vault.request("GET", "/keys/t0?api-version=7.5")
        assert body == {"error": {"code": "Throttled", "message": "Request was not processed because too many "
                                  "requests were received. Reason: VaultRequestTypeLimitReached"}}
        advance_clock(emu, "10s")  # a new window
        assert vault.request("GET", "/keys/t0?api-version=7.5")[0] == 200
    finally:
        assert emu.stop() == 0


def test_keys_deleted_keys_and_policies_survive_kill_9(emulator_binary, tmp_path):
    args = ["--vault", VAULT, "--clock", "manual", "--clock-start", START]
    emu = Emulator(emulator_binary, tmp_path / "p", args).start()
    vault = Vault(emu)
    _, _, kept = vault.request("POST", "/keys/kept/create?api-version=7.5", body={"kty": "RSA", "tags": {"a": "b"}})
    vault.request("PUT", "/keys/kept/rotationpolicy?api-version=7.5",
                  body={"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}]})
    vault.request("POST", "/keys/dropped/create?api-version=7.5", body={"kty": "EC"})
    vault.request("DELETE", "/keys/dropped?api-version=7.5")
    _, _, sig = vault.request("POST", "/keys/kept/sign?api-version=7.5", body={"alg": "RS256", "value": "A" * 43})
    emu.stop(signal.SIGKILL)
    emu = Emulator(emulator_binary, tmp_path / "p", args).start()
    try:
        vault = Vault(emu)
        status, _, again = vault.request("GET", "/keys/kept?api-version=7.5")
        assert status == 200 and again["key"]["n"] == kept["key"]["n"] and again["tags"] == {"a": "b"}
        assert again["key"]["kid"].split("/keys/")[1] == kept["key"]["kid"].split("/keys/")[1]
        _, _, ok = vault.request("POST", "/keys/kept/verify?api-version=7.5",
                                 body={"alg": "RS256", "digest": "A" * 43, "value": sig["value"]})
        assert ok == {"value": True}
        assert vault.request("GET", "/deletedkeys/dropped?api-version=7.5")[0] == 200
        advance_clock(emu, "31d")  # the policy's timer was re-armed at start
        _, _, versions = vault.request("GET", "/keys/kept/versions?api-version=7.5")
        assert len(versions["value"]) == 2
    finally:
        assert emu.stop() == 0
