"""The credential the conformance tests use: a client-secret login against the emulator's
Entra ID endpoints, exactly as an application would log in to Azure."""
import pytest
from azure.core.credentials import AccessToken


class StaticTokenCredential:
    """Any bearer token: the data plane accepts any token until token validation lands."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("static-test-token", 4102444800)


@pytest.fixture
def credential():
    return StaticTokenCredential()
