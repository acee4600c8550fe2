"""Python mgmt SDKs (Debian python3-azure) against the emulated ARM: KeyVaultManagementClient,
ManagedServiceIdentityClient and AuthorizationManagementClient with their default
api-versions, LRO pollers included."""
import time
import uuid

import pytest

from arm_support import GROUP, SUBSCRIPTION, TENANT, get_token

pytest.importorskip("azure.mgmt.keyvault")
from azure.core.credentials import AccessToken  # noqa: E402
from azure.mgmt.authorization import AuthorizationManagementClient  # noqa: E402
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters  # noqa: E402
from azure.mgmt.keyvault import KeyVaultManagementClient  # noqa: E402
from azure.mgmt.msi import ManagedServiceIdentityClient  # noqa: E402


class StaticToken:
    def __init__(self, token):
        self.token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self.token, int(time.time()) + 3000)


def client(cls, emu):
    cred = StaticToken(get_token(emu))
    return cls(cred, SUBSCRIPTION, base_url=emu.url, connection_verify=emu.ca,
               credential_scopes=["https://management.core.windows.net/.default"])


def test_vault_lifecycle_with_pollers(emu):
    kv = client(KeyVaultManagementClient, emu)
    params = {"location": "eastus", "properties": {
        "tenant_id": TENANT, "sku": {"family": "A", "name": "standard"},
        "access_policies": [], "enable_rbac_authorization": True}}
    vault = kv.vaults.begin_create_or_update(GROUP, "kv-sdk", params).result()
    assert vault.properties.vault_uri == "https://kv-sdk.vault.azure.net/"
    assert [v.name for v in kv.vaults.list_by_resource_group(GROUP)].count("kv-sdk") == 1
    kv.vaults.delete(GROUP, "kv-sdk")
    assert kv.vaults.get_deleted("kv-sdk", "eastus").properties.vault_id == vault.id
    kv.vaults.begin_purge_deleted("kv-sdk", "eastus", polling_interval=0).result()
    assert "kv-sdk" not in [v.name for v in kv.vaults.list_deleted()]


def test_identity_and_role_assignment(emu):
    msi = client(ManagedServiceIdentityClient, emu)
    ident = msi.user_assigned_identities.create_or_update(GROUP, "id-sdk", {"location": "eastus"})
    authz = client(AuthorizationManagementClient, emu)
    scope = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
    [role] = list(authz.role_definitions.list(scope, filter="roleName eq 'Key Vault Crypto User'"))
    params = RoleAssignmentCreateParameters(role_definition_id=role.id,
                                            principal_id=ident.principal_id,
                                            principal_type="ServicePrincipal")
    created = authz.role_assignments.create(scope, str(uuid.uuid4()), params)
    assert created.principal_id == ident.principal_id
    listed = list(authz.role_assignments.list_for_scope(scope, filter="atScope()"))
    assert [a.name for a in listed] == [created.name]


def test_real_names_through_the_proxy(emu, monkeypatch):
    """Unchanged SDK defaults: login.microsoftonline.com and management.azure.com, reached
    through the emulator's CONNECT proxy, with ClientSecretCredential."""
    from azure.identity import ClientSecretCredential
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, emu.proxy)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emu.ca)
    monkeypatch.setenv("SSL_CERT_FILE", emu.ca)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    cred = ClientSecretCredential(TENANT, "0a1b2c3d-0000-4000-8000-00000000b3b3", "s3cret")
    msi = ManagedServiceIdentityClient(cred, SUBSCRIPTION)
    ident = msi.user_assigned_identities.create_or_update(GROUP, "id-proxy", {"location": "eastus"})
    assert ident.tenant_id == TENANT
    assert [i.name for i in msi.user_assigned_identities.list_by_resource_group(GROUP)].count(
        "id-proxy") == 1
