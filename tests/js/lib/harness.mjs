// What the suites share: the emulator's addresses (from the environment run.mjs sets), the
// credential, the vault URL for each way of reaching the vault, and the admin clock.
import dns from "node:dns";
import https from "node:https";
import { ClientSecretCredential } from "@azure/identity";

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through tests/js/run.mjs`);
  return v;
}

export const emulator = {
  https: required("KMSLAB_HTTPS"), // https://127.0.0.1:PORT (admin API and the vault's own port)
  proxy: required("KMSLAB_PROXY"),
  vault: required("KMSLAB_VAULT"),
  tenant: required("KMSLAB_TENANT"),
};
const port = new URL(emulator.https).port;

// The two ways an application reaches the vault.
export const vaultForms = {
  // Straight to the emulator's port; *.localhost resolved in this process (below).
  localhost: `https://${emulator.vault}.vault.localhost:${port}`,
  // The real host name, through the emulator's CONNECT proxy (HTTPS_PROXY).
  proxy: `https://${emulator.vault}.vault.azure.net`,
};

// glibc does not resolve *.localhost; a browser or systemd-resolved would (RFC 6761). Answer
// for those names here so the SDK's default pipeline connects to the emulator unchanged.
// net.connect calls dns.lookup through the module object, so replacing it is enough.
const systemLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  const host = String(hostname).toLowerCase().replace(/\.$/, "");
  if (host !== "localhost" && !host.endsWith(".localhost")) {
    return systemLookup.call(dns, hostname, options, callback);
  }
  const family = typeof options === "number" ? options : options?.family;
  const addr = family === 6 ? { address: "::1", family: 6 } : { address: "127.0.0.1", family: 4 };
  process.nextTick(() => {
    if (typeof options === "object" && options?.all) callback(null, [addr]);
    else callback(null, addr.address, addr.family);
  });
  return {};
};

// The credential every client uses, chosen by KMSLAB_JS_CREDENTIAL:
// - "client-secret" (default): an application's client-secret login against the emulator's
//   Entra ID (login.microsoftonline.com through the proxy, the default authority); the data
//   plane checks the token's signature and lifetime (emulator --auth strict, its default).
// - "static": a fixed, unsigned JWT-shaped token, for an emulator without Entra ID endpoints;
//   run.mjs then starts the emulator with --auth lenient.
export const DEFAULT_CREDENTIAL = "client-secret";
export const credentialKind = process.env.KMSLAB_JS_CREDENTIAL || DEFAULT_CREDENTIAL;

function staticToken() {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: "none", typ: "JWT" })}.${part({ aud: "https://vault.azure.net", tid: emulator.tenant, iat: now, exp: now + 3600 })}.`;
}

export function makeCredential() {
  switch (credentialKind) {
    case "client-secret":
      return new ClientSecretCredential(emulator.tenant, "any-client-id", "any-secret");
    case "static":
      return { getToken: async () => ({ token: staticToken(), expiresOnTimestamp: Date.now() + 3600e3 }) };
    default:
      throw new Error(`KMSLAB_JS_CREDENTIAL=${credentialKind}: expected client-secret or static`);
  }
}

// The emulator's admin API (https://127.0.0.1:PORT/_kmslab/...), trusted through
// NODE_EXTRA_CA_CERTS like everything else.
function admin(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, emulator.https), { method, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => { text += d; });
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The emulator's virtual time. */
export async function clockNow() {
  return new Date((await admin("GET", "/_kmslab/clock")).now);
}

/** Moves the virtual clock forward by whole seconds; returns the new time. */
export async function advanceClock(seconds) {
  return new Date((await admin("POST", "/_kmslab/clock", { advance: `${Math.ceil(seconds)}s` })).now);
}

/** A name no other run or suite uses within one emulator: PREFIX-<counter>. */
let counter = 0;
export function uniqueName(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}
