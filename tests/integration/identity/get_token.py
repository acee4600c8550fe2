"""Gets one token with an unmodified azure.identity.ClientSecretCredential.

argv[1] is JSON: {"tenant", "client_id", "secret", "scope", "kwargs": {...credential options}}.
Prints {"token", "expires_on"}; the proxy and CA come from the environment, as for any user.
"""
import json
import sys

from azure.identity import ClientSecretCredential


def main():
    args = json.loads(sys.argv[1])
    credential = ClientSecretCredential(args["tenant"], args["client_id"], args["secret"],
                                        **args.get("kwargs", {}))
    token = credential.get_token(args.get("scope", "https://vault.azure.net/.default"))
    print(json.dumps({"token": token.token, "expires_on": token.expires_on}))


if __name__ == "__main__":
    main()
