"""Injected faults as the unmodified Python SDK (Debian python3-azure) meets them: its retry policy
treats an injected 429 or 503 as the real thing (retries, then succeeds), and gives up with the
injected code when the fault outlasts its retries; through both vault name forms."""
import json

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm

from keyvault_support import kv_emulator, vault_url  # noqa: F401
from keyvault_credentials import credential  # noqa: F401


def add_rule(emu, rule):
    status, _, body = emu.curl("/_kmslab/faults", "-H", "Content-Type: application/json",
                               "-d", json.dumps(rule))
    assert status == 201, body
    return json.loads(body)


def rules(emu):
    return json.loads(emu.curl("/_kmslab/faults")[2])["value"]


@pytest.fixture
def crypto(vault_url, credential):
    key = KeyClient(vault_url, credential).create_rsa_key("faulted", size=2048)
    # retry_total 3: the SDK's default policy shape, kept short so a test ends quickly.
    return CryptographyClient(key, credential, retry_total=3)


@pytest.mark.parametrize("action", [
    {"type": "error", "status": 429, "retryAfter": 1},
    {"type": "error", "status": 503},
])
def test_sdk_retries_injected_errors_then_succeeds(kv_emulator, crypto, action):
    # The SDK encrypts locally with the public key; decrypt is always a call to the vault.
    result = crypto.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"secret")
    add_rule(kv_emulator, {"match": {"key": "faulted", "operation": "decrypt"}, "action": action,
                           "count": 2})
    assert crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, result.ciphertext).plaintext == b"secret"
    assert rules(kv_emulator) == []  # both faults fired, then the rule retired


def test_sdk_reports_the_injected_error_when_it_persists(kv_emulator, crypto):
    result = crypto.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"secret")
    add_rule(kv_emulator, {"match": {"operation": "decrypt"},
                           "action": {"type": "error", "status": 500}})
    with pytest.raises(HttpResponseError) as err:
        crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, result.ciphertext)
    assert err.value.status_code == 500 and err.value.error.code == "InternalServerError"
    assert rules(kv_emulator)[0]["fired"] == 4  # the first try and the SDK's 3 retries
