"""An unmodified azure.identity.ClientSecretCredential (Debian python3-azure, msal 1.21) logs in
against the emulated Entra ID and gets a Key Vault token, by each route a user would take."""
import base64
import json
import ssl
import time
import urllib.request

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from identity_server import TENANT, IdentityServer, run_client

CLIENT_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
SECRET = "not-a-real-secret~42"
VAULT_SCOPE = "https://vault.azure.net/.default"


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_of(token):
    return json.loads(b64url_decode(token.split(".")[1]))


def https_get_json(server, url):
    ctx = ssl.create_default_context(cafile=server.ca)
    with urllib.request.urlopen(url, context=ctx, timeout=10) as resp:
        return json.loads(resp.read())


def verify_with_jwks(server, token, tenant=TENANT):
    """Checks the RS256 signature with the key the service publishes at its jwks_uri."""
    config = https_get_json(server, f"{server.url}/{tenant}/v2.0/.well-known/openid-configuration")
    jwks = https_get_json(server, config["jwks_uri"])
    header_b64, payload_b64, sig_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public = rsa.RSAPublicNumbers(int.from_bytes(b64url_decode(jwk["e"]), "big"),
                                  int.from_bytes(b64url_decode(jwk["n"]), "big")).public_key()
    public.verify(b64url_decode(sig_b64), f"{header_b64}.{payload_b64}".encode(),
                  padding.PKCS1v15(), hashes.SHA256())
    return header["kid"]


def assert_vault_token(result, tenant=TENANT):
    before = time.time()
    claims = claims_of(result["token"])
    assert claims["aud"] == "https://vault.azure.net"
    assert claims["iss"] == f"https://sts.windows.net/{tenant}/"
    assert claims["tid"] == tenant
    assert claims["appid"] == CLIENT_ID
    assert claims["ver"] == "1.0" and claims["idtyp"] == "app"
    assert claims["sub"] == claims["oid"]
    # The server's clock is the real one here (system mode): a fresh 3599-second token.
    assert claims["exp"] - claims["iat"] == 3599
    assert abs(claims["iat"] - before) < 120
    assert abs(result["expires_on"] - claims["exp"]) < 120
    return claims


def login(server, env, tenant=TENANT, **kwargs):
    request = {"tenant": tenant, "client_id": CLIENT_ID, "secret": SECRET, "scope": VAULT_SCOPE,
               "kwargs": kwargs}
    return run_client(request, {"REQUESTS_CA_BUNDLE": server.ca, **env})


def test_default_authority_through_the_proxy(server):
    """(a) Nothing but HTTPS_PROXY and the CA: the SDK talks to login.microsoftonline.com."""
    rc, result, err = login(server, {"HTTPS_PROXY": server.proxy})
    assert rc == 0, err
    assert_vault_token(result)
    verify_with_jwks(server, result["token"])


def test_local_authority_with_instance_discovery_disabled(server):
    """(b) authority=https://localhost:PORT directly. MSAL sends instance discovery for any
    authority it does not know to login.microsoftonline.com, naming the authority by host
    WITHOUT its port, so no discovery answer can lead back to a non-443 port: the option that
    turns discovery off is required here."""
    rc, result, err = login(server, {}, authority=f"https://localhost:{server.port}",
                            instance_discovery=False)
    assert rc == 0, err
    assert_vault_token(result)


def test_adfs_authority_needs_no_instance_discovery(server):
    """(c) The AD FS-style authority az CLI uses with a custom cloud: tenant "adfs" skips
    instance discovery; tokens are for the default tenant."""
    rc, result, err = login(server, {}, tenant="adfs", authority=f"https://127.0.0.1:{server.port}")
    assert rc == 0, err
    assert_vault_token(result)


def test_wrong_request_is_an_aadsts_error_the_sdk_reports(server):
    rc, _, err = run_client({"tenant": TENANT, "client_id": CLIENT_ID, "secret": SECRET,
                             "scope": "https://vault.azure.net",
                             "kwargs": {"authority": f"https://localhost:{server.port}",
                                        "instance_discovery": False}},
                            {"REQUESTS_CA_BUNDLE": server.ca})
    assert rc != 0
    assert "AADSTS1002012" in err


def test_tokens_verify_after_a_restart(server, tmp_path):
    """The signing key lives in the store: a restarted server publishes the same key."""
    own = IdentityServer(server.binary, tmp_path / "data").start()
    try:
        rc, result, err = login(own, {}, authority=f"https://localhost:{own.port}",
                                instance_discovery=False)
        assert rc == 0, err
        kid = verify_with_jwks(own, result["token"])
    finally:
        assert own.stop() == 0
    own.start()
    try:
        assert verify_with_jwks(own, result["token"]) == kid
    finally:
        assert own.stop() == 0
