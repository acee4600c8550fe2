"""Managed identity endpoints (IMDS, App Service IDENTITY_ENDPOINT, az's MSI_ENDPOINT form) with
unmodified azure-identity ManagedIdentityCredential, whose tokens the Key Vault data plane takes."""
import pytest

from identity_admin import create_identity, delete_identity, mi_request
from identity_server import TENANT, claims_of, run_client, running

VAULT = "mivault"
IMDS_TOKEN = (
    "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net")


@pytest.fixture(scope="module")
def mi_server(request, tmp_path_factory):
    with running(request, tmp_path_factory.mktemp("mi") / "data", ["--vault", VAULT]) as srv:
        yield srv


def sdk_env(server, how):
    env = {"REQUESTS_CA_BUNDLE": server.ca, "HTTPS_PROXY": server.proxy,
           "NO_PROXY": "127.0.0.1,localhost"}
    imds = server.endpoints["imds"]
    if how == "imds":
        env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = imds
    else:
        env.update({"IDENTITY_ENDPOINT": imds + "/MSI/token",
                    "IDENTITY_HEADER": server.endpoints["identity_header"]})
    return env


def test_endpoints_file_and_plain_http_listener(mi_server):
    assert mi_server.endpoints["imds"].startswith("http://127.0.0.1:")
    assert mi_server.endpoints["identity_header"]
    # Only the managed identity listener serves these paths.
    status, _, _ = mi_server.curl(IMDS_TOKEN, "-H", "Metadata: true")
    assert status == 404


def test_no_identity_assigned(mi_server):
    status, headers, body = mi_request(mi_server, IMDS_TOKEN, headers={"Metadata": "true"})
    assert status == 400
    assert headers["Content-Type"].startswith("application/json")
    assert body == {"error": "invalid_request", "error_description": "Identity not found"}


def test_missing_metadata_header(mi_server):
    status, _, body = mi_request(mi_server, IMDS_TOKEN)
    assert status == 400
    assert body == {"error": "invalid_request",
                    "error_description": "Required metadata header not specified"}


@pytest.mark.parametrize("how", ["imds", "app_service"])
def test_sdk_token_is_accepted_by_key_vault(mi_server, how):
    mi = create_identity(mi_server, "app-" + how.replace("_", "-"))
    try:
        code, out, err = run_client({"client_id": mi["properties"]["clientId"], "vault": VAULT,
                                     "key": "k-" + how.replace("_", "-")},
                                    sdk_env(mi_server, how), script="mi_client.py")
        assert code == 0, err
        assert out["key_id"].startswith(f"https://{VAULT}.vault.azure.net/keys/k-")
        claims = claims_of(out["token"])
        assert claims["appid"] == mi["properties"]["clientId"]
        assert claims["oid"] == claims["sub"] == mi["properties"]["principalId"]
        assert claims["xms_mirid"] == mi["id"]
        assert claims["tid"] == TENANT and claims["idtyp"] == "app"
        assert claims["aud"] == "https://vault.azure.net"
    finally:
        delete_identity(mi_server, mi["name"])


def test_several_identities_need_a_client_id(mi_server):
    a = create_identity(mi_server, "first")
    b = create_identity(mi_server, "second")
    try:
        status, _, body = mi_request(mi_server, IMDS_TOKEN, headers={"Metadata": "true"})
        assert status == 400
        assert body["error_description"] == (
            "Multiple user assigned identities exist, please specify the clientId / resourceId "
            "of the identity in the token request")
        status, _, body = mi_request(mi_server, IMDS_TOKEN + "&msi_res_id=" + b["id"],
                                     headers={"Metadata": "true"})
        assert status == 200 and body["client_id"] == b["properties"]["clientId"]
        # The SDK names an identity that is not assigned: it reports it as such.
        code, _, err = run_client({"client_id": "00000000-1111-4222-8333-444444444444"},
                                  sdk_env(mi_server, "imds"), script="mi_client.py")
        assert code != 0
        assert "has not been assigned" in err
    finally:
        delete_identity(mi_server, a["name"])
        delete_identity(mi_server, b["name"])


def test_msi_endpoint_form_post(mi_server):
    mi = create_identity(mi_server, "az-cli")
    try:
        status, _, body = mi_request(mi_server, "/oauth2/token", "POST",
                                     {"Metadata": "true",
                                      "Content-Type": "application/x-www-form-urlencoded"},
                                     "resource=https%3A%2F%2Fmanagement.core.windows.net%2F")
        assert status == 200, body
        assert sorted(body) == ["access_token", "client_id", "expires_in", "expires_on",
                                "ext_expires_in", "not_before", "resource", "token_type"]
        assert all(isinstance(v, str) for v in body.values())
        assert claims_of(body["access_token"])["aud"] == "https://management.core.windows.net/"
    finally:
        delete_identity(mi_server, mi["name"])


def test_no_imds_flag(request, tmp_path):
    with running(request, tmp_path / "data", ["--no-imds"]) as srv:
        assert "imds" not in srv.endpoints and "identity_header" not in srv.endpoints
