// The Key Vault keys conformance suite, run once per way of reaching the vault
// (test/keys_localhost.test.mjs, test/keys_proxy.test.mjs). Clients use the SDK's defaults:
// default api-version, default pipeline, challenge-resource verification on.
import assert from "node:assert/strict";
import { createHash, createPublicKey, publicEncrypt, randomBytes, verify as nodeVerify, constants } from "node:crypto";
import { before, beforeEach, describe, it } from "node:test";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { advanceClock, clockNow, credentialKind, makeCredential, uniqueName, vaultForms } from "./harness.mjs";

const DAY_S = 24 * 3600;

/** Node's own public key from a Key Vault JWK: an implementation independent of the emulator's. */
function publicKeyOf(jwk) {
  const b64u = (b) => Buffer.from(b).toString("base64url");
  const j = jwk.kty.startsWith("EC")
    ? { kty: "EC", crv: jwk.crv, x: b64u(jwk.x), y: b64u(jwk.y) }
    : { kty: "RSA", n: b64u(jwk.n), e: b64u(jwk.e) };
  return createPublicKey({ key: j, format: "jwk" });
}

const sha256 = (data) => createHash("sha256").update(data).digest();

/** Awaits `promise` and checks it fails with the service's error (a RestError, not a local one). */
async function assertRestError(promise, { statusCode, code, message }) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, "RestError", `expected a RestError from the service, got ${e.name}: ${e.message}`);
    assert.equal(e.statusCode, statusCode, e.message);
    if (code !== undefined) assert.equal(e.code, code, e.message);
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  });
}

async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

export function keySuite(form) {
  const vaultUrl = vaultForms[form];
  const prefix = `js-${form}`;

  describe(`Key Vault keys at ${vaultUrl} (credential: ${credentialKind})`, () => {
    let credential;
    let client;

    // A fresh login: a new credential and client, so a new token. The emulator checks tokens
    // against its virtual clock while the SDK caches them by this machine's clock, so a test that
    // moves the virtual clock past the token's lifetime logs in again, as an application running
    // through that time would have.
    function login() {
      credential = makeCredential();
      client = new KeyClient(vaultUrl, credential);
    }

    before(login);

    // The emulator enforces Key Vault's per-vault limits (20 key creations per 10-second window)
    // on its virtual clock, which only moves when told: each test starts in a new window.
    beforeEach(() => advanceClock(10));

    it("creates RSA and EC keys", async () => {
      const rsaName = uniqueName(`${prefix}-rsa`);
      const rsa = await client.createRsaKey(rsaName, { keySize: 2048 });
      assert.equal(rsa.name, rsaName);
      assert.equal(rsa.keyType, "RSA");
      assert.equal(rsa.key.kty, "RSA");
      assert.equal(rsa.key.n.length, 256);
      assert.deepEqual([...rsa.key.e], [1, 0, 1]);
      assert.equal(rsa.key.d, undefined, "no private material in a key bundle");
      assert.match(rsa.id, new RegExp(`^${vaultUrl}/keys/${rsaName}/[0-9a-f]{32}$`));
      assert.equal(rsa.properties.vaultUrl, vaultUrl);
      assert.equal(rsa.properties.enabled, true);
      assert.ok(rsa.properties.version);
      assert.ok(rsa.properties.createdOn instanceof Date);
      for (const op of ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]) {
        assert.ok(rsa.keyOperations.includes(op), `RSA key has ${op}`);
      }

      const ecName = uniqueName(`${prefix}-ec`);
      const ec = await client.createEcKey(ecName, { curve: "P-256" });
      assert.equal(ec.name, ecName);
      assert.equal(ec.keyType, "EC");
      assert.equal(ec.key.crv, "P-256");
      assert.equal(ec.key.x.length, 32);
      assert.equal(ec.key.y.length, 32);
      assert.equal(ec.key.d, undefined);
      // The point is on the curve: node accepts the JWK.
      assert.equal(publicKeyOf(ec.key).asymmetricKeyDetails.namedCurve, "prime256v1");
    });

    it("gets a key, latest and by version, and lists its versions", async () => {
      const name = uniqueName(`${prefix}-ver`);
      const v1 = await client.createRsaKey(name);
      const v2 = await client.createRsaKey(name);
      assert.notEqual(v1.properties.version, v2.properties.version);

      const latest = await client.getKey(name);
      assert.equal(latest.id, v2.id);
      assert.deepEqual(latest.key.n, v2.key.n);

      const first = await client.getKey(name, { version: v1.properties.version });
      assert.equal(first.id, v1.id);
      assert.equal(first.properties.version, v1.properties.version);
      assert.deepEqual(first.key.n, v1.key.n);

      const versions = await collect(client.listPropertiesOfKeyVersions(name));
      assert.deepEqual(versions.map((p) => p.version).sort(),
                       [v1.properties.version, v2.properties.version].sort());
      for (const p of versions) assert.equal(p.name, name);
    });

    it("lists keys page by page (maxPageSize 2)", async () => {
      const names = [];
      for (let i = 0; i < 5; i++) {
        const name = uniqueName(`${prefix}-page`);
        await client.createEcKey(name, { curve: "P-256" });
        names.push(name);
      }
      const pages = [];
      for await (const page of client.listPropertiesOfKeys().byPage({ maxPageSize: 2 })) {
        pages.push(page);
      }
      assert.ok(pages.length >= 3, `5 keys in pages of 2 is 3 pages or more, got ${pages.length}`);
      for (const page of pages) assert.ok(page.length <= 2, `a page of ${page.length} keys`);
      const listed = pages.flat().map((p) => p.name);
      assert.equal(new Set(listed).size, listed.length, "no key listed twice");
      for (const name of names) assert.ok(listed.includes(name), `${name} is listed`);
      const one = pages.flat().find((p) => p.name === names[0]);
      assert.equal(one.vaultUrl, vaultUrl);
      assert.equal(one.enabled, true);
    });

    it("updates key properties (enabled=false, tags)", async () => {
      const name = uniqueName(`${prefix}-upd`);
      const key = await client.createRsaKey(name);
      const updated = await client.updateKeyProperties(name, key.properties.version, {
        enabled: false,
        tags: { team: "kmslab", purpose: "conformance" },
      });
      assert.equal(updated.id, key.id);
      assert.equal(updated.properties.enabled, false);
      assert.deepEqual(updated.properties.tags, { team: "kmslab", purpose: "conformance" });

      const [listed] = await collect(client.listPropertiesOfKeyVersions(name));
      assert.equal(listed.enabled, false);
      assert.deepEqual(listed.tags, { team: "kmslab", purpose: "conformance" });

      // Without a version: the latest one. Tags are replaced as given.
      const again = await client.updateKeyProperties(name, { enabled: true, tags: { team: "kmslab" } });
      assert.equal(again.properties.enabled, true);
      assert.deepEqual(again.properties.tags, { team: "kmslab" });
      assert.deepEqual((await client.getKey(name)).properties.tags, { team: "kmslab" });
    });

    it("encrypts and decrypts with RSA-OAEP-256", async () => {
      const key = await client.createRsaKey(uniqueName(`${prefix}-enc`));
      const crypto = new CryptographyClient(key.id, credential);
      const plaintext = Buffer.from("kmslab conformance: the quick brown fox");

      const enc = await crypto.encrypt({ algorithm: "RSA-OAEP-256", plaintext });
      assert.equal(enc.algorithm, "RSA-OAEP-256");
      assert.equal(enc.keyID, key.id);
      assert.equal(enc.result.length, 256);
      const dec = await crypto.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: enc.result });
      assert.deepEqual(Buffer.from(dec.result), plaintext);

      // Ciphertext made by node's crypto with the public JWK decrypts in the vault.
      const local = publicEncrypt(
        { key: publicKeyOf(key.key), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
        plaintext,
      );
      const dec2 = await crypto.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: local });
      assert.deepEqual(Buffer.from(dec2.result), plaintext);
    });

    it("wraps and unwraps a key with RSA-OAEP-256", async () => {
      const key = await client.createRsaKey(uniqueName(`${prefix}-wrap`));
      const crypto = new CryptographyClient(key.id, credential);
      const cek = randomBytes(32);
      const wrapped = await crypto.wrapKey("RSA-OAEP-256", cek);
      assert.equal(wrapped.algorithm, "RSA-OAEP-256");
      assert.equal(wrapped.result.length, 256);
      assert.notDeepEqual(Buffer.from(wrapped.result).subarray(0, 32), cek);
      const unwrapped = await crypto.unwrapKey("RSA-OAEP-256", wrapped.result);
      assert.deepEqual(Buffer.from(unwrapped.result), cek);
    });

    it("signs with RS256 and ES256; node's crypto verifies the signatures", async () => {
      const data = Buffer.from("data signed by the emulated vault");
      const digest = sha256(data);

      const rsa = await client.createRsaKey(uniqueName(`${prefix}-rs256`));
      const rsaCrypto = new CryptographyClient(rsa.id, credential);
      const rs = await rsaCrypto.sign("RS256", digest);
      assert.equal(rs.algorithm, "RS256");
      assert.equal(rs.keyID, rsa.id);
      assert.equal(rs.result.length, 256);
      assert.ok(nodeVerify("sha256", data, publicKeyOf(rsa.key), rs.result), "RS256 signature verifies locally");
      assert.ok(!nodeVerify("sha256", Buffer.from("other data"), publicKeyOf(rsa.key), rs.result));
      assert.equal((await rsaCrypto.verify("RS256", digest, rs.result)).result, true);
      assert.equal((await rsaCrypto.verify("RS256", sha256(Buffer.from("x")), rs.result)).result, false);

      const ec = await client.createEcKey(uniqueName(`${prefix}-es256`), { curve: "P-256" });
      const ecCrypto = new CryptographyClient(ec.id, credential);
      const es = await ecCrypto.sign("ES256", digest);
      assert.equal(es.algorithm, "ES256");
      assert.equal(es.result.length, 64, "JOSE signature: r || s");
      const ecKey = { key: publicKeyOf(ec.key), dsaEncoding: "ieee-p1363" };
      assert.ok(nodeVerify("sha256", data, ecKey, es.result), "ES256 signature verifies locally");
      assert.ok(!nodeVerify("sha256", Buffer.from("other data"), ecKey, es.result));
      assert.equal((await ecCrypto.verify("ES256", digest, es.result)).result, true);
    });

    it("deletes, recovers, deletes again and purges a key", async () => {
      const name = uniqueName(`${prefix}-del`);
      const key = await client.createRsaKey(name);

      const deleted = await (await client.beginDeleteKey(name)).pollUntilDone();
      assert.equal(deleted.name, name);
      assert.equal(deleted.id, key.id);
      assert.equal(deleted.properties.recoveryId, `${vaultUrl}/deletedkeys/${name}`);
      assert.ok(deleted.properties.deletedOn instanceof Date);
      assert.ok(deleted.properties.scheduledPurgeDate > deleted.properties.deletedOn);

      const got = await client.getDeletedKey(name);
      assert.equal(got.id, key.id);
      assert.equal(got.properties.recoveryId, deleted.properties.recoveryId);
      await assertRestError(client.getKey(name), { statusCode: 404, code: "KeyNotFound" });

      const listed = await collect(client.listDeletedKeys());
      const mine = listed.find((k) => k.name === name);
      assert.ok(mine, `${name} is among the deleted keys`);
      assert.equal(mine.properties.recoveryId, deleted.properties.recoveryId);

      const recovered = await (await client.beginRecoverDeletedKey(name)).pollUntilDone();
      assert.equal(recovered.id, key.id);
      assert.equal((await client.getKey(name)).id, key.id);
      await assertRestError(client.getDeletedKey(name), { statusCode: 404 });

      await (await client.beginDeleteKey(name)).pollUntilDone();
      await client.purgeDeletedKey(name);
      await assertRestError(client.getKey(name), { statusCode: 404, code: "KeyNotFound" });
      await assertRestError(client.getDeletedKey(name), { statusCode: 404 });
      assert.ok(!(await collect(client.listDeletedKeys())).some((k) => k.name === name));
    });

    it("backs up a key, purges it and restores it with its versions and material", async () => {
      const name = uniqueName(`${prefix}-bak`);
      const v1 = await client.createRsaKey(name);
      const v2 = await client.createRsaKey(name, { tags: { generation: "2" } });
      const backup = await client.backupKey(name);
      assert.ok(backup instanceof Uint8Array && backup.length > 0);

      await (await client.beginDeleteKey(name)).pollUntilDone();
      await client.purgeDeletedKey(name);
      await assertRestError(client.getKey(name), { statusCode: 404, code: "KeyNotFound" });

      const restored = await client.restoreKeyBackup(backup);
      assert.equal(restored.id, v2.id);
      assert.deepEqual(restored.key.n, v2.key.n);
      assert.deepEqual(restored.properties.tags, { generation: "2" });
      const versions = await collect(client.listPropertiesOfKeyVersions(name));
      assert.deepEqual(versions.map((p) => p.version).sort(),
                       [v1.properties.version, v2.properties.version].sort());
      // The private key came back too: the restored first version signs verifiably.
      const data = Buffer.from("signed after restore");
      const sig = await new CryptographyClient(v1.id, credential).sign("RS256", sha256(data));
      assert.ok(nodeVerify("sha256", data, publicKeyOf(v1.key), sig.result));

      // Restoring over an existing key is refused.
      await assertRestError(client.restoreKeyBackup(backup), { statusCode: 409 });
    });

    it("rotates a key on demand and by its rotation policy (admin clock)", async () => {
      const name = uniqueName(`${prefix}-rot`);
      const v1 = await client.createEcKey(name, { curve: "P-256" });
      const v2 = await client.rotateKey(name);
      assert.equal(v2.name, name);
      assert.notEqual(v2.properties.version, v1.properties.version);
      assert.equal(v2.key.crv, "P-256");
      assert.notDeepEqual(v2.key.x, v1.key.x);
      assert.equal((await client.getKey(name)).id, v2.id);

      const policy = await client.updateKeyRotationPolicy(name, {
        lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P30D" }],
        expiresIn: "P90D",
      });
      assert.equal(policy.expiresIn, "P90D");
      assert.ok(policy.id.endsWith(`/keys/${name}/rotationpolicy`), policy.id);
      const rotateAfter30Days = (p) => {
        assert.equal(p.lifetimeActions.length, 1);
        assert.equal(p.lifetimeActions[0].action, "Rotate");
        assert.equal(p.lifetimeActions[0].timeAfterCreate, "P30D");
        assert.equal(p.lifetimeActions[0].timeBeforeExpiry, undefined);
      };
      rotateAfter30Days(policy);
      const got = await client.getKeyRotationPolicy(name);
      assert.equal(got.expiresIn, "P90D");
      rotateAfter30Days(got);

      // 30 days after v2 was created the vault rotates the key by itself; the new version
      // expires 90 days after its creation.
      const now = await clockNow();
      const due = v2.properties.createdOn.getTime() + 30 * DAY_S * 1000;
      await advanceClock((due - now.getTime()) / 1000 + DAY_S);
      login();
      const v3 = await client.getKey(name);
      assert.notEqual(v3.id, v2.id);
      assert.equal(v3.properties.createdOn.getTime(), due);
      assert.equal(v3.properties.expiresOn.getTime(), due + 90 * DAY_S * 1000);
      assert.equal((await collect(client.listPropertiesOfKeyVersions(name))).length, 3);
    });

    // Last: it moves the emulator's virtual clock.
    it("refuses sign on an expired key, still decrypts (admin clock)", async () => {
      // The SDK's CryptographyClient checks expiresOn against this machine's clock before it
      // calls the vault, so expiresOn lies after both the real and the virtual now: the refusal
      // must come from the emulator.
      const virtualNow = await clockNow();
      const base = Math.max(virtualNow.getTime(), Date.now());
      const expiresOn = new Date(Math.ceil(base / 1000) * 1000 + DAY_S * 1000);
      const key = await client.createRsaKey(uniqueName(`${prefix}-exp`), { expiresOn });
      assert.equal(key.properties.expiresOn.getTime(), expiresOn.getTime());
      let crypto = new CryptographyClient(key.id, credential);
      const digest = sha256(Buffer.from("before and after expiry"));
      const plaintext = Buffer.from("secret");
      assert.equal((await crypto.sign("RS256", digest)).result.length, 256);
      const enc = await crypto.encrypt({ algorithm: "RSA-OAEP-256", plaintext });

      const after = await advanceClock((expiresOn.getTime() - virtualNow.getTime()) / 1000 + 2 * DAY_S);
      assert.ok(after > expiresOn);
      login();
      crypto = new CryptographyClient(key.id, credential);

      await assertRestError(crypto.sign("RS256", digest), {
        statusCode: 403,
        message: "Operation sign is not allowed on an expired key.",
      });
      const dec = await crypto.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: enc.result });
      assert.deepEqual(Buffer.from(dec.result), plaintext);
    });
  });
}
