"""Runs an unmodified azure.identity.ManagedIdentityCredential (Debian python3-azure) and, with
"vault" given, uses its token on the Key Vault data plane through azure-keyvault-keys.

argv[1] is JSON: {"client_id"?, "scope"?, "vault"?, "key"?}. The managed identity endpoint, the
proxy and the CA come from the environment, as for any user. Prints {"token", "expires_on",
"key_id"?}; an exception exits non-zero with its type and message on stderr.
"""
import json
import sys

from azure.identity import ManagedIdentityCredential


def main():
    args = json.loads(sys.argv[1])
    kwargs = {"client_id": args["client_id"]} if args.get("client_id") else {}
    credential = ManagedIdentityCredential(**kwargs)
    token = credential.get_token(args.get("scope", "https://vault.azure.net/.default"))
    out = {"token": token.token, "expires_on": token.expires_on}
    if args.get("vault"):
        from azure.keyvault.keys import KeyClient

        client = KeyClient(f"https://{args['vault']}.vault.azure.net", credential)
        out["key_id"] = client.create_rsa_key(args.get("key", "mi-key")).id
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - the test reads the type and message
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
