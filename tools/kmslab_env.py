#!/usr/bin/python3
"""tools/kmslab env: the environment Azure clients need to use a running kmslab emulator.

Prints `export` lines to eval:

    eval "$(tools/kmslab env --data-dir DIR)"

and, as comments, the az CLI steps that register the emulator as a custom cloud and sign in;
`--apply` runs those steps (in the isolated AZURE_CONFIG_DIR it exports). See --help.
"""
import argparse
import json
import os
import shlex
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLOUD = "kmslab"
# The real public-cloud audiences, so tokens look like Azure's (ARM's is what az requests).
ARM_AUDIENCE = "https://management.core.windows.net/"
AAD_GRAPH = "https://graph.windows.net/"
MS_GRAPH = "https://graph.microsoft.com/"

HELP_EPILOG = """\
what it exports:
  REQUESTS_CA_BUNDLE, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS   the emulator's CA (Python, OpenSSL, Node)
  HTTPS_PROXY, NO_PROXY        the emulator's CONNECT proxy, so https://NAME.vault.azure.net,
                               management.azure.com and login.microsoftonline.com reach the
                               emulator under their real names; loopback goes direct
  AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
                               a service principal registered through the admin API (kept in
                               DIR/kmslab-env/credentials.json, mode 0600, and reused while the
                               emulator still knows it): EnvironmentCredential,
                               DefaultAzureCredential and ClientSecretCredential use it
  IDENTITY_ENDPOINT, IDENTITY_HEADER     managed identity, App Service protocol (azure-identity's
                               ManagedIdentityCredential prefers it when set)
  MSI_ENDPOINT                 managed identity for `az login --identity` (az 2.45)
  AZURE_POD_IDENTITY_AUTHORITY_HOST      managed identity through IMDS (azure-identity uses it
                               when IDENTITY_ENDPOINT and MSI_ENDPOINT are unset)
  AZURE_CONFIG_DIR             DIR/azure-config: az's state, isolated from ~/.azure

  Managed identity tokens are for the user-assigned identities the emulator knows (ARM's
  Microsoft.ManagedIdentity, or POST /_kmslab/identity/managed-identities); with several,
  clients must name one (client_id).

az CLI (printed as comments; --apply runs them):
  az cloud register -n kmslab --cloud-config '{...}'   activeDirectory https://127.0.0.1:PORT/adfs
      (az then skips MSAL's instance discovery), resourceManager https://127.0.0.1:PORT/
  az cloud set -n kmslab
  az login --service-principal -u APP -p SECRET --tenant TENANT   (or --login identity:
      az login --identity through MSI_ENDPOINT)
  `az login` lists subscriptions (GET /subscriptions): it needs the emulator's ARM endpoints.

Key Vault names (--vault-dns):
  proxy (default)  keyvaultDns .vault.azure.net: vaults keep their real names and go through
                   HTTPS_PROXY. Works with every client that honours HTTPS_PROXY.
  localhost        keyvaultDns .vault.localhost:PORT, no proxy. Only for clients that resolve
                   *.localhost to loopback (curl, browsers, systemd-resolved); glibc does not,
                   so Python clients (az) need an /etc/hosts line per vault.
"""


def fail(message):
    print(f"kmslab env: {message}", file=sys.stderr)
    sys.exit(1)


def default_data_dir():
    for candidate in (Path("kmslab-data"), REPO / ".kmslab"):
        if (candidate / "endpoints.json").exists():
            return candidate
    return Path("kmslab-data")


def read_endpoints(data_dir):
    path = data_dir / "endpoints.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        fail(f"{path} not found: is the emulator running with --data-dir {data_dir}? "
             "(tools/kmslab up writes it once ready)")
    except json.JSONDecodeError as e:
        fail(f"{path} is not JSON: {e}")


class Admin:
    """The emulator's admin API, straight to its HTTPS port (never through a proxy)."""

    def __init__(self, endpoints, token):
        self.base = endpoints.get("https") or endpoints.get("http")
        context = ssl.create_default_context(cafile=endpoints["ca"])
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPSHandler(context=context))
        self.token = token

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with self.opener.open(req, timeout=20) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")
        except (urllib.error.URLError, OSError) as e:
            fail(f"cannot reach the emulator at {self.base}: {e}")


def service_principal(admin, state_dir):
    """The cached credentials if the emulator still knows the app, else a new registration."""
    cache = state_dir / "credentials.json"
    status, listing = admin.call("GET", "/_kmslab/identity/service-principals")
    if status != 200:
        fail(f"the emulator did not list service principals ({status}): {listing}")
    known = {sp["appId"] for sp in listing.get("value", [])}
    if cache.exists():
        creds = json.loads(cache.read_text())
        if creds.get("appId") in known:
            return creds
    status, creds = admin.call("POST", "/_kmslab/identity/service-principals",
                               {"displayName": "kmslab-env"})
    if status == 401:
        fail("the emulator runs with --admin-token: pass it with --admin-token or "
             "KMSLAB_ADMIN_TOKEN")
    if status != 201:
        fail(f"registering a service principal failed ({status}): {creds}")
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(creds, f)
    return creds


def cloud_config(endpoints, vault_dns):
    main = endpoints.get("https") or endpoints.get("http")
    port = main.rsplit(":", 1)[1]
    suffix = ".vault.azure.net" if vault_dns == "proxy" else f".vault.localhost:{port}"
    return {"endpoints": {"resourceManager": main + "/",
                          "activeDirectory": main + "/adfs",
                          "activeDirectoryResourceId": ARM_AUDIENCE,
                          "activeDirectoryGraphResourceId": AAD_GRAPH,
                          "microsoftGraphResourceId": MS_GRAPH},
            "suffixes": {"keyvaultDns": suffix}}


def environment(endpoints, creds, data_dir, vault_dns):
    ca = endpoints["ca"]
    env = {"REQUESTS_CA_BUNDLE": ca, "SSL_CERT_FILE": ca, "NODE_EXTRA_CA_CERTS": ca}
    if vault_dns == "proxy":
        env.update({"HTTPS_PROXY": endpoints["proxy"], "NO_PROXY": "127.0.0.1,localhost,::1"})
    env.update({"AZURE_TENANT_ID": creds["tenant"], "AZURE_CLIENT_ID": creds["appId"],
                "AZURE_CLIENT_SECRET": creds["password"]})
    imds = endpoints.get("imds")
    if imds:
        env.update({"IDENTITY_ENDPOINT": imds + "/MSI/token",
                    "IDENTITY_HEADER": endpoints["identity_header"],
                    "MSI_ENDPOINT": imds + "/oauth2/token",
                    "AZURE_POD_IDENTITY_AUTHORITY_HOST": imds})
    env.update({"AZURE_CONFIG_DIR": str(data_dir / "azure-config"),
                "AZURE_CORE_COLLECT_TELEMETRY": "false", "AZURE_CORE_SURVEY_MESSAGE": "false"})
    return env


def az_steps(config, creds, login):
    steps = [["az", "cloud", "register", "-n", CLOUD, "--cloud-config", json.dumps(config)],
             ["az", "cloud", "set", "-n", CLOUD]]
    if login == "sp":
        # One token: a secret that starts with '-' is otherwise read as an option, and az
        # stops with "argument --password/-p: expected one argument" (az login --help says
        # to write -p=secret then).
        steps.append(["az", "login", "--service-principal", "-u", creds["appId"],
                      "--password=" + creds["password"], "--tenant", creds["tenant"]])
    elif login == "identity":
        steps.append(["az", "login", "--identity"])
    return steps


def run_az(step, env):
    out = subprocess.run(step, env=env, capture_output=True, text=True)
    return out.returncode, out.stdout, out.stderr


def serves_arm(admin):
    return admin.call("GET", "/subscriptions?api-version=2019-11-01")[0] != 404


def apply(steps, env, admin):
    """Runs the az steps; returns what went wrong, or None."""
    full = dict(os.environ, **env)
    Path(env["AZURE_CONFIG_DIR"]).mkdir(parents=True, exist_ok=True)
    steps = list(steps)
    # A cloud registered by an earlier run (another port, perhaps) is updated, not re-registered.
    if run_az(["az", "cloud", "show", "-n", CLOUD], full)[0] == 0:
        steps[0] = ["az", "cloud", "update", *steps[0][3:]]
    for step in steps:
        code, _, err = run_az(step, full)
        if code == 0:
            continue
        if step[1] == "login" and not serves_arm(admin):
            return ("az login needs the emulator's ARM endpoints (GET /subscriptions answered "
                    "404); the cloud is registered and set")
        # The secret is an argument of the login step: never echo that step.
        shown = " ".join(step[:3]) + (" ..." if step[1] == "login" else "")
        return f"`{shown}` failed ({code}):\n{err.strip()}"
    return None


def print_exports(env, steps):
    print("# kmslab: eval \"$(tools/kmslab env ...)\"")
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}")
    print("# ManagedIdentityCredential uses IDENTITY_ENDPOINT first; unset it (and MSI_ENDPOINT)")
    print("# to go through IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST).")
    print("# az CLI, once per AZURE_CONFIG_DIR (tools/kmslab env --apply runs these):")
    for step in steps:
        if step[:3] == ["az", "login", "--service-principal"]:
            # After the eval, the exported variables hold these values: no secret in the comment.
            print('#   az login --service-principal -u "$AZURE_CLIENT_ID" -p "$AZURE_CLIENT_SECRET"'
                  ' --tenant "$AZURE_TENANT_ID"')
            continue
        print("#   " + " ".join(shlex.quote(part) for part in step))


def main():
    ap = argparse.ArgumentParser(
        prog="tools/kmslab env", description=__doc__.split("\n\n")[0],
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="the emulator's data directory (default: ./kmslab-data, else "
                         "<repo>/.kmslab, whichever has endpoints.json)")
    ap.add_argument("--admin-token", default=os.environ.get("KMSLAB_ADMIN_TOKEN", ""),
                    help="the emulator's --admin-token, if it has one (or KMSLAB_ADMIN_TOKEN)")
    ap.add_argument("--vault-dns", choices=("proxy", "localhost"), default="proxy",
                    help="how az names vaults (see below; default proxy)")
    ap.add_argument("--login", choices=("sp", "identity", "none"), default="sp",
                    help="how --apply signs az in: the service principal (default), "
                         "--identity through MSI_ENDPOINT, or not at all")
    ap.add_argument("--apply", action="store_true",
                    help="run the az steps in AZURE_CONFIG_DIR, then print the exports")
    args = ap.parse_args()
    data_dir = (args.data_dir or default_data_dir()).resolve()
    endpoints = read_endpoints(data_dir)
    admin = Admin(endpoints, args.admin_token)
    creds = service_principal(admin, data_dir / "kmslab-env")
    env = environment(endpoints, creds, data_dir, args.vault_dns)
    steps = az_steps(cloud_config(endpoints, args.vault_dns), creds, args.login)
    problem = apply(steps, env, admin) if args.apply else None
    # The exports are printed even when a step failed: they hold whatever the steps did.
    print_exports(env, steps)
    if problem:
        fail(problem)


if __name__ == "__main__":
    main()
