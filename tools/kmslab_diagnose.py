#!/usr/bin/python3
"""tools/kmslab diagnose CLUSTER: the AKS KMS detector of a running kmslab emulator.

Asks ARM for the cluster's "Azure KeyVault KMS Integration Issues" detector
(GET {cluster id}/detectors/azure-keyvault-kms-integration-issues, emulator/aks/README.md) and
prints its verdict: the KMS configuration, then each finding with its remedies. CLUSTER is
RESOURCE_GROUP/NAME or the cluster's resource id.

Exit status: 0 nothing critical, 1 a critical finding, 2 the detector could not be asked.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kmslab_env  # noqa: E402  (endpoints.json, the admin API, the cached service principal)

DETECTOR = "azure-keyvault-kms-integration-issues"
API_VERSION = "2024-08-01"  # what public detector clients send (aks-mcp)
MARK = {"critical": ("✗", "31"), "warning": ("!", "33"), "info": ("i", "36"),
        "success": ("✓", "32")}


def fail(message):
    print(f"kmslab diagnose: {message}", file=sys.stderr)
    sys.exit(2)


# kmslab_env reports its failures with exit 1; here 1 means "critical findings".
kmslab_env.fail = fail


def cluster_path(cluster, subscription):
    if cluster.startswith("/subscriptions/"):
        return cluster.rstrip("/")
    parts = cluster.split("/")
    if len(parts) != 2 or not all(parts):
        fail(f"CLUSTER is RESOURCE_GROUP/NAME or a resource id, not '{cluster}'")
    return (f"/subscriptions/{subscription}/resourceGroups/{parts[0]}"
            f"/providers/Microsoft.ContainerService/managedClusters/{parts[1]}")


def arm_token(admin, creds):
    """A client-credentials token for ARM as the service principal (v2 endpoint)."""
    body = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": creds["appId"],
        "client_secret": creds["password"],
        "scope": "https://management.azure.com/.default"}).encode()
    req = urllib.request.Request(f"{admin.base}/{creds['tenant']}/oauth2/v2.0/token", body)
    return json.loads(fetch(admin, req))["access_token"]


def fetch(admin, req):
    try:
        with admin.opener.open(req, timeout=60) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        fail(f"{req.get_method()} {req.full_url} answered {e.code}: {text[:2000]}")
    except (urllib.error.URLError, OSError) as e:
        fail(f"cannot reach the emulator at {admin.base}: {e}")


def detector(admin, token, path):
    req = urllib.request.Request(
        f"{admin.base}{path}/detectors/{DETECTOR}?api-version={API_VERSION}")
    req.add_header("Authorization", "Bearer " + token)
    try:
        return json.loads(fetch(admin, req))
    except json.JSONDecodeError as e:
        fail(f"the detector's answer is not JSON: {e}")


def paint(status, text, color):
    mark, code = MARK.get(status, ("?", "0"))
    return f"\033[{code}m{mark} {text}\033[0m" if color else f"{mark} {text}"


def summary(body, color):
    props = body.get("properties", {})
    verdict = props.get("kmslab", {})
    kms, findings = verdict.get("kms", {}), verdict.get("findings", [])
    worst = max((f.get("status") for f in findings), default="success",
                key=lambda s: ["success", "info", "warning", "critical"].index(s)
                if s in MARK else 0)
    name = props.get("metadata", {}).get("name", DETECTOR)
    lines = [paint(worst, f"{name}: {worst.upper()}", color), ""]
    shown = [("KMS enabled", kms.get("enabled")), ("Key ID", kms.get("keyId")),
             ("Key vault network access", kms.get("keyVaultNetworkAccess")),
             ("Key vault resource ID", kms.get("keyVaultResourceId")),
             ("Current key version", kms.get("currentKeyVersion")),
             ("Previous key version", kms.get("previousKeyVersion")),
             ("KMS plugin healthy", kms.get("pluginHealthy"))]
    for label, value in shown:
        if value not in (None, ""):
            shown_value = json.dumps(value) if isinstance(value, bool) else value
            lines.append(f"  {label + ':':<26} {shown_value}")
    lines.append("")
    for f in findings:
        code, message = f.get("code", ""), f.get("message", "")
        # A message relaying Key Vault starts with its code already ("KeyExpired: ...").
        head = message if message.startswith(code + ":") else f"{code}: {message}"
        lines.append(paint(f.get("status"), head, color))
        for remedy in f.get("remedies", []):
            lines.append(f"    - {remedy}")
    return "\n".join(lines), worst


def main():
    ap = argparse.ArgumentParser(prog="tools/kmslab diagnose", description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cluster", metavar="CLUSTER", help="RESOURCE_GROUP/NAME or a resource id")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="the emulator's data directory (as for tools/kmslab env)")
    ap.add_argument("--admin-token", default=os.environ.get("KMSLAB_ADMIN_TOKEN", ""),
                    help="the emulator's --admin-token, if it has one (or KMSLAB_ADMIN_TOKEN)")
    ap.add_argument("--json", action="store_true", help="print the detector's ARM answer")
    ap.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    args = ap.parse_args()
    data_dir = (args.data_dir or kmslab_env.default_data_dir()).resolve()
    endpoints = kmslab_env.read_endpoints(data_dir)
    admin = kmslab_env.Admin(endpoints, args.admin_token)
    creds = kmslab_env.service_principal(admin, data_dir / "kmslab-env")
    path = cluster_path(args.cluster, endpoints.get("subscription", ""))
    body = detector(admin, arm_token(admin, creds), path)
    text, worst = summary(body, args.color == "always" or
                          (args.color == "auto" and sys.stdout.isatty()))
    print(json.dumps(body, indent=2) if args.json else text)
    sys.exit(1 if worst == "critical" else 0)


if __name__ == "__main__":
    main()
