"""tools/kmslab env against a running emulator: the exports, the az CLI custom cloud it registers
(--apply), and az logins through it (service principal over /adfs, --identity over MSI_ENDPOINT).

az login lists subscriptions (GET /subscriptions), which the ARM endpoints serve: on a build
without them the login tests skip, saying so (a failure under CI=true: ci_skips.py)."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ci_skips
from identity_admin import admin, create_identity
from identity_server import TENANT, claims_of, clean_env, running

KMSLAB = Path(__file__).resolve().parents[3] / "tools" / "kmslab"


@pytest.fixture(scope="module")
def env_server(request, tmp_path_factory):
    with running(request, tmp_path_factory.mktemp("env") / "data") as srv:
        yield srv


def kmslab_env(server, *args):
    out = subprocess.run([str(KMSLAB), "env", "--data-dir", str(server.data_dir), *args],
                         capture_output=True, text=True, env=clean_env({}), timeout=180)
    return out.returncode, out.stdout, out.stderr


def exports(stdout):
    """The variables the printed lines set, as bash would evaluate them."""
    script = stdout + "\nenv -0"
    out = subprocess.run(["bash", "-c", script], capture_output=True, env={}, check=True)
    pairs = (item.split(b"=", 1) for item in out.stdout.split(b"\0") if b"=" in item)
    return {k.decode(): v.decode() for k, v in pairs}


def require_az():
    if shutil.which("az") is None:
        pytest.skip("az CLI is not installed (Debian package azure-cli)")


def az(env, *args):
    require_az()
    out = subprocess.run(["az", *args, "-o", "json"], capture_output=True, text=True,
                         env=clean_env(env), timeout=120)
    return out.returncode, (json.loads(out.stdout) if out.returncode == 0 else None), out.stderr


def require_arm(server):
    status, _ = admin(server, "GET", "/subscriptions?api-version=2019-11-01")
    if status == 404:
        pytest.skip("az login lists subscriptions (GET /subscriptions), which the ARM endpoints "
                    "serve; this emulator build has none yet (branch arm)")


def test_a_secret_starting_with_a_dash_stays_the_password():
    """Generated secrets may start with '-': az's argparse would take `-p -abc` for an option."""
    sys.path.insert(0, str(KMSLAB.parent))
    import kmslab_env
    creds = {"appId": "app", "password": "-abc", "tenant": TENANT}
    [login] = [s for s in kmslab_env.az_steps({}, creds, "sp") if s[:2] == ["az", "login"]]
    assert "--password=-abc" in login and "-abc" not in login


def test_help():
    out = subprocess.run([str(KMSLAB), "env", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "--apply" in out.stdout and "AZURE_CONFIG_DIR" in out.stdout


def test_exports_and_reused_credentials(env_server):
    code, stdout, err = kmslab_env(env_server)
    assert code == 0, err
    env = exports(stdout)
    ca = env_server.ca
    assert env["REQUESTS_CA_BUNDLE"] == env["SSL_CERT_FILE"] == env["NODE_EXTRA_CA_CERTS"] == ca
    assert env["HTTPS_PROXY"] == env_server.proxy
    assert "127.0.0.1" in env["NO_PROXY"].split(",")
    imds = env_server.endpoints["imds"]
    assert env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] == imds
    assert env["IDENTITY_ENDPOINT"] == imds + "/MSI/token"
    assert env["IDENTITY_HEADER"] == env_server.endpoints["identity_header"]
    assert env["MSI_ENDPOINT"] == imds + "/oauth2/token"
    assert env["AZURE_TENANT_ID"] == TENANT
    assert env["AZURE_CONFIG_DIR"] == str(env_server.data_dir.resolve() / "azure-config")
    assert "az cloud register -n kmslab" in stdout
    assert stdout.count(env["AZURE_CLIENT_SECRET"]) == 1  # the export, not the az comment
    # A second run reuses the registered service principal.
    _, again, _ = kmslab_env(env_server)
    assert exports(again)["AZURE_CLIENT_ID"] == env["AZURE_CLIENT_ID"]
    creds = env_server.data_dir / "kmslab-env" / "credentials.json"
    assert creds.stat().st_mode & 0o077 == 0


def test_vault_dns_localhost(env_server):
    code, stdout, err = kmslab_env(env_server, "--vault-dns", "localhost")
    assert code == 0, err
    assert "HTTPS_PROXY" not in exports(stdout)
    assert f'"keyvaultDns": ".vault.localhost:{env_server.port}"' in stdout


def test_missing_endpoints_file_is_a_clear_error(tmp_path):
    out = subprocess.run([str(KMSLAB), "env", "--data-dir", str(tmp_path)], capture_output=True,
                         text=True, env=clean_env({}))
    assert out.returncode == 1
    assert "endpoints.json not found" in out.stderr and not out.stdout


def test_apply_registers_and_sets_the_cloud(env_server):
    require_az()
    code, stdout, err = kmslab_env(env_server, "--apply", "--login", "none")
    assert code == 0, err
    env = exports(stdout)
    code, cloud, err = az(env, "cloud", "show")
    assert code == 0, err
    assert cloud["name"] == "kmslab" and cloud["isActive"]
    assert cloud["endpoints"]["activeDirectory"] == env_server.url + "/adfs"
    assert cloud["endpoints"]["resourceManager"] == env_server.url + "/"
    assert cloud["suffixes"]["keyvaultDns"] == ".vault.azure.net"
    # Applying again (the cloud exists) updates it.
    code, _, err = kmslab_env(env_server, "--apply", "--login", "none")
    assert code == 0, err


def test_apply_without_arm_says_why(env_server):
    require_az()
    status, _ = admin(env_server, "GET", "/subscriptions?api-version=2019-11-01")
    if status != 404:
        ci_skips.not_applicable("this emulator serves ARM: az login works (test_az_login_*)")
    code, stdout, err = kmslab_env(env_server, "--apply")
    assert code == 1
    assert "az login needs the emulator's ARM endpoints" in err
    assert exports(stdout)["AZURE_CONFIG_DIR"]  # the exports are printed all the same


def test_az_login_service_principal(env_server):
    require_arm(env_server)
    code, stdout, err = kmslab_env(env_server, "--apply")
    assert code == 0, err
    env = exports(stdout)
    code, account, err = az(env, "account", "show")
    assert code == 0, err
    assert account["tenantId"] == TENANT
    code, token, err = az(env, "account", "get-access-token")
    assert code == 0, err
    claims = claims_of(token["accessToken"])
    assert claims["appid"] == env["AZURE_CLIENT_ID"]
    assert claims["iss"] == f"https://sts.windows.net/{TENANT}/"


def test_az_login_identity_through_msi_endpoint(env_server):
    require_arm(env_server)
    create_identity(env_server, "az-login")
    code, stdout, err = kmslab_env(env_server, "--apply", "--login", "identity")
    assert code == 0, err
    env = exports(stdout)
    code, account, err = az(env, "account", "show")
    assert code == 0, err
    assert account["user"]["name"] == "systemAssignedIdentity"
    assert account["user"]["assignedIdentityInfo"] == "MSI"
    code, token, err = az(env, "account", "get-access-token")
    assert code == 0, err
