"""The credential the conformance tests use: an unmodified ClientSecretCredential logging in to
the emulator's Entra ID as login.microsoftonline.com through the CONNECT proxy, exactly as an
application logs in to Azure."""
import pytest
from azure.identity import ClientSecretCredential

TENANT = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8"  # the emulator's default tenant


@pytest.fixture
def credential(vault_url):
    # vault_url has set HTTPS_PROXY (and NO_PROXY for *.localhost vault names) and the CA bundle.
    return ClientSecretCredential(TENANT, "kmslab-conformance-tests", "not-a-real-secret")
