"""Upstream's cryptographic contract (Azure/kubernetes-kms v0.11.0, pkg/plugin/keyvault.go,
server.go, kms_v2_server.go; reference/kms.md §7.3-7.4), written again in Python from that source
so the plugin's formats are checked by code that shares nothing with it:
- the ciphertext kube-apiserver stores is the ASCII base64url (no padding) text Key Vault's
  encrypt returns, i.e. base64url(RSA-encrypt(plaintext)) with RSA1_5 (v1) or RSA-OAEP-256 (v2,
  OAEP with SHA-256 and MGF1-SHA-256, no label);
- key_id is the lowercase hex SHA-256 of "<vault URL>keys/<name>/<version>";
- v2 annotations: version.azure.akv.io = "1", algorithm.azure.akv.io = "RSA-OAEP-256" (checked by
  Decrypt), plus the date, request id and region headers of the encrypt answer (not checked)."""
import base64
import hashlib
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

V1_ALG, V2_ALG = "RSA1_5", "RSA-OAEP-256"
ANNOTATION_KEYS = {"date.azure.akv.io", "x-ms-request-id.azure.akv.io", "x-ms-keyvault-region.azure.akv.io",
                   "version.azure.akv.io", "algorithm.azure.akv.io"}
BASE64URL_TEXT = re.compile(rb"^[A-Za-z0-9_-]+$")


def _b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64u(text):
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def _padding(alg):
    if alg == V1_ALG:
        return padding.PKCS1v15()
    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def key_id(vault_url, name, version):
    return hashlib.sha256(f"{vault_url}keys/{name}/{version}".encode()).hexdigest()


def encrypt(public_key, alg, plaintext):
    """The bytes upstream's Encrypt hands kube-apiserver."""
    return _b64u(public_key.encrypt(plaintext, _padding(alg)))


def decrypt(private_key, alg, ciphertext):
    """What upstream's Decrypt returns for stored `ciphertext` (after Key Vault's decrypt)."""
    assert BASE64URL_TEXT.match(ciphertext), ciphertext[:40]
    return private_key.decrypt(_unb64u(ciphertext), _padding(alg))


def v2_annotations():
    """The two annotations upstream's Decrypt checks."""
    return {"version.azure.akv.io": b"1", "algorithm.azure.akv.io": V2_ALG.encode()}


def private_key_from_jwk(jwk):
    n = {k: int.from_bytes(_unb64u(jwk[k].encode()), "big") for k in ("n", "e", "d", "p", "q", "dp", "dq", "qi")}
    public = rsa.RSAPublicNumbers(n["e"], n["n"])
    return rsa.RSAPrivateNumbers(n["p"], n["q"], n["d"], n["dp"], n["dq"], n["qi"], public).private_key()


def jwk_from_private_key(key):
    p = key.private_numbers()
    def enc(i):
        return _b64u(i.to_bytes((i.bit_length() + 7) // 8, "big")).decode()
    return {"kty": "RSA", "n": enc(p.public_numbers.n), "e": enc(p.public_numbers.e), "d": enc(p.d),
            "p": enc(p.p), "q": enc(p.q), "dp": enc(p.dmp1), "dq": enc(p.dmq1), "qi": enc(p.iqmp),
            "key_ops": ["encrypt", "decrypt"]}
