#!/usr/bin/env python3
"""Sends COUNT identical requests to a running emulator's vault on one TLS keep-alive connection.

For tools/bench/keyvault_callgrind.sh: reads endpoints.json for the URL, asks the token endpoint
for a Key Vault token, then sends the requests one after another. Any answer but 200 is an error
(exit status 1); --print writes the last body to stdout. Every socket operation has a timeout.
"""
import argparse
import http.client
import json
import ssl
import sys
import urllib.parse
import urllib.request

TENANT = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoints", required=True, help="the emulator's endpoints.json")
    ap.add_argument("--vault", default="benchvault")
    ap.add_argument("--method", default="GET")
    ap.add_argument("--path", required=True, help="e.g. /keys/k1 (api-version is added)")
    ap.add_argument("--body", default="")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--print", action="store_true", help="print the last answer's body")
    ap.add_argument("--token", default="", help="bearer token (default: ask the token endpoint)")
    ap.add_argument("--print-token", action="store_true", help="print the token and stop")
    args = ap.parse_args()

    with open(args.endpoints) as f:
        endpoints = json.load(f)
    url = urllib.parse.urlparse(endpoints["https"])
    ca = endpoints.get("ca") or endpoints.get("ca_path")
    ctx = ssl.create_default_context(cafile=ca)
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "bench",
                                   "client_secret": "x",
                                   "scope": "https://vault.azure.net/.default"}).encode()
    token = args.token
    if not token:
        with urllib.request.urlopen(f"{endpoints['https']}/{TENANT}/oauth2/v2.0/token", form,
                                    context=ctx, timeout=120) as r:
            token = json.load(r)["access_token"]
    if args.print_token:
        print(token)
        return 0
    headers = {"Host": f"{args.vault}.vault.localhost:{url.port}",
               "Authorization": "Bearer " + token, "Content-Type": "application/json"}
    conn = http.client.HTTPSConnection("127.0.0.1", url.port, context=ctx, timeout=120)
    sep = "&" if "?" in args.path else "?"
    body = args.body.encode() if args.body else None
    data = b""
    for _ in range(args.count):
        conn.request(args.method, args.path + sep + "api-version=7.5", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            print(f"HTTP {resp.status}: {data[:300]!r}", file=sys.stderr)
            return 1
    conn.close()
    if args.print:
        sys.stdout.write(data.decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
