// @azure/arm-containerservice (its default api-version, 2025-10-01) for what az 2.45 cannot
// express: API Server VNet Integration with KMS on a private key vault (seed R1-R6). The cluster's
// processes really run (the emulator's default control planes): its plugin reaches the private
// vault through the private endpoint AKS creates in its API server subnet.
import assert from "node:assert/strict";
import https from "node:https";
import { after, before, describe, it } from "node:test";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { KeyClient } from "@azure/keyvault-keys";
import { emulator, makeCredential } from "../lib/harness.mjs";

const SUB = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"; // the emulator's default subscription
const GROUP = "kmslab"; // its default resource group
const RG = `/subscriptions/${SUB}/resourceGroups/${GROUP}`;
const VAULT = "kvjsprivate";
const VAULT_ID = `${RG}/providers/Microsoft.KeyVault/vaults/${VAULT}`;
const KEY_VAULT_CONTRIBUTOR = "f25e0fa2-a7c8-4377-a976-54943a77a395";
const credential = makeCredential();

/** One ARM request straight to the emulator (set-up steps other SDK packages would make). */
async function arm(method, path, body) {
  const { token } = await credential.getToken("https://management.azure.com/.default");
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, emulator.https), {
      method, headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => { text += d; });
      res.on("end", () => {
        if (res.statusCode >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve(text ? JSON.parse(text) : null);
      });
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function clusterBody(identityId, kms, vnet) {
  return {
    location: "eastus",
    identity: { type: "UserAssigned", userAssignedIdentities: { [identityId]: {} } },
    kubernetesVersion: "1.30",
    dnsPrefix: "jspriv",
    agentPoolProfiles: [{ name: "nodepool1", count: 1, mode: "System", vmSize: "Standard_DS2_v2" }],
    apiServerAccessProfile: vnet ? { enableVnetIntegration: true } : undefined,
    securityProfile: { azureKeyVaultKms: kms },
  };
}

// 24.1.0's engines say node >= 20 (README: why not an older one).
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
const skip = NODE_MAJOR < 20 ? `node ${process.versions.node}: @azure/arm-containerservice 24.1.0 needs node 20` : false;

describe("AKS KMS with a private key vault through @azure/arm-containerservice", { skip }, () => {
  const client = new ContainerServiceClient(credential, SUB, {
    updateIntervalInMs: 200, // the emulator's LROs end in well under a second
  });
  let identity, kms;

  before(async () => {
    identity = await arm("PUT", `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/` +
                         "id-jsprivate?api-version=2023-01-31", { location: "eastus" });
    const { token } = await credential.getToken("https://vault.azure.net/.default");
    const me = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).oid;
    const vault = (publicNetworkAccess) => ({
      location: "eastus",
      properties: {
        tenantId: emulator.tenant, sku: { family: "A", name: "standard" }, publicNetworkAccess,
        accessPolicies: [
          // R4: AKS cannot check them on a private vault, so they are granted first.
          { tenantId: emulator.tenant, objectId: identity.properties.principalId,
            permissions: { keys: ["encrypt", "decrypt"] } },
          { tenantId: emulator.tenant, objectId: me, permissions: { keys: ["create", "get"] } }],
      },
    });
    await arm("PUT", `${VAULT_ID}?api-version=2022-07-01`, vault("Enabled"));
    const key = await new KeyClient(`https://${VAULT}.vault.azure.net`, credential)
      .createRsaKey("kek", { keyOps: ["encrypt", "decrypt"] });
    await arm("PUT", `${VAULT_ID}?api-version=2022-07-01`, vault("Disabled")); // R3
    kms = { enabled: true, keyId: key.id, keyVaultNetworkAccess: "Private", keyVaultResourceId: VAULT_ID };
  });

  after(async () => {
    await client.managedClusters.beginDeleteAndWait(GROUP, "jspriv").catch(() => {});
  });

  it("refuses a private vault without API Server VNet Integration (R2, I4)", async () => {
    await assert.rejects(
      client.managedClusters.beginCreateOrUpdateAndWait(GROUP, "jspriv", clusterBody(identity.id, kms, false)),
      (e) => e.statusCode === 400 &&
        e.message === "Vnet integration should be enabled when KeyVault network access is Private.");
    await assert.rejects(
      client.managedClusters.beginCreateOrUpdateAndWait(GROUP, "jspriv",
        clusterBody(identity.id, { ...kms, keyVaultResourceId: undefined }, true)),
      (e) => e.statusCode === 400 &&
        e.message === "KeyVault resource ID is empty when KeyVault network access is Private.");
  });

  it("fails the operation without Key Vault Contributor for the identity (R5, I6)", async () => {
    await assert.rejects(
      client.managedClusters.beginCreateOrUpdateAndWait(GROUP, "jspriv", clusterBody(identity.id, kms, true)),
      (e) => /Internal server error/.test(e.message));
    const failed = await client.managedClusters.get(GROUP, "jspriv");
    assert.equal(failed.provisioningState, "Failed");
  });

  it("creates the private endpoint and runs the cluster on the private vault (R1, R6)", async () => {
    await arm("PUT", `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/` +
              "5d1e6c1a-7f0b-4c39-9a51-0a7e2f6b9c11?api-version=2022-04-01", {
      properties: {
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_CONTRIBUTOR}`,
        principalId: identity.properties.principalId, principalType: "ServicePrincipal",
      },
    });
    const mc = await client.managedClusters.beginCreateOrUpdateAndWait(GROUP, "jspriv",
      clusterBody(identity.id, kms, true));
    assert.equal(mc.provisioningState, "Succeeded");
    assert.equal(mc.apiServerAccessProfile.enableVnetIntegration, true);
    assert.deepEqual(mc.securityProfile.azureKeyVaultKms, kms);
    const vault = await arm("GET", `${VAULT_ID}?api-version=2022-07-01`);
    const conns = vault.properties.privateEndpointConnections;
    assert.equal(conns.length, 1);
    assert.match(conns[0].properties.privateEndpoint.id,
      new RegExp(`/resourceGroups/${mc.nodeResourceGroup}/providers/Microsoft.Network/privateEndpoints/`, "i"));
    assert.equal(conns[0].properties.privateLinkServiceConnectionState.status, "Approved");
  });
});
