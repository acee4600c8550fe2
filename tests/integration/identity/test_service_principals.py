"""Service principals registered through the admin API, at the token endpoint, with unmodified
azure-identity ClientSecretCredential: the app's own secret, its object id, and --directory."""
import json

import pytest

from identity_admin import admin, create_sp
from identity_server import TENANT, claims_of, run_client, running


def env_for(server):
    return {"REQUESTS_CA_BUNDLE": server.ca, "HTTPS_PROXY": server.proxy}


def login(server, client_id, secret):
    return run_client({"tenant": TENANT, "client_id": client_id, "secret": secret},
                      env_for(server))


def test_registered_app_gets_its_object_id(server):
    sp = create_sp(server, "ci-app")
    assert sp["tenant"] == TENANT and len(sp["password"]) == 40
    code, out, err = login(server, sp["appId"], sp["password"])
    assert code == 0, err
    claims = claims_of(out["token"])
    assert claims["appid"] == sp["appId"]
    assert claims["oid"] == claims["sub"] == sp["objectId"]
    # Listing never shows secrets.
    status, listing = admin(server, "GET", "/_kmslab/identity/service-principals")
    assert status == 200
    assert sp["appId"] in {s["appId"] for s in listing["value"]}
    assert sp["password"] not in json.dumps(listing)


def test_wrong_secret_is_aadsts7000215(server):
    sp = create_sp(server, "ci-wrong")
    code, _, err = login(server, sp["appId"], "not-the-secret")
    assert code != 0
    assert "AADSTS7000215" in err
    assert f"for a secret added to app '{sp['appId']}'" in err
    assert "not-the-secret" not in err.split("AADSTS7000215")[1]


def test_open_directory_accepts_unknown_apps(server):
    code, _, err = login(server, "12345678-aaaa-4bbb-8ccc-1234567890ab", "anything")
    assert code == 0, err


@pytest.fixture(scope="module")
def registered_server(request, tmp_path_factory):
    args = ["--directory", "registered", "--admin-token", "adm1n"]
    with running(request, tmp_path_factory.mktemp("registered") / "data", args) as srv:
        yield srv


def test_registered_directory_refuses_unknown_apps(registered_server):
    code, _, err = login(registered_server, "12345678-aaaa-4bbb-8ccc-1234567890ab", "anything")
    assert code != 0
    assert "AADSTS700016" in err
    assert f"was not found in the directory '{TENANT}'" in err


def test_registered_directory_admin_needs_the_token(registered_server):
    status, _ = admin(registered_server, "POST", "/_kmslab/identity/service-principals", {})
    assert status == 401
    status, sp = admin(registered_server, "POST", "/_kmslab/identity/service-principals",
                       {"displayName": "x"}, token="adm1n")
    assert status == 201
    code, _, err = login(registered_server, sp["appId"], sp["password"])
    assert code == 0, err
