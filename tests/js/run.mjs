#!/usr/bin/env node
// Launcher for the JavaScript SDK conformance tests (ctest: js_sdk).
//
//   node tests/js/run.mjs --emulator PATH/kmslab-emulator [--tests DIR] [node --test options...]
//
// Starts one emulator with a fresh data directory, waits for its endpoints.json, then runs
// `node --test` on each DIR/*.test.mjs (default tests/js/test) in turn, in a child process whose
// environment trusts the emulator's CA (NODE_EXTRA_CA_CERTS is read only when node starts, hence
// the child) and sends Azure host names through the emulator's CONNECT proxy (HTTPS_PROXY). The
// files share one emulator and its one virtual clock, so they run one after another (a child per
// file: node 18 has no --test-concurrency). Every skip is listed with its reason; under CI=true a
// skip fails the run (lib/skips.mjs). Stops the emulator with SIGTERM and expects it to exit 0.
// Exit code: non-zero on any test failure, skip under CI, or emulator error.
// The data directory (store, CA, emulator.log) is removed after a passing run unless
// KMSLAB_JS_KEEP_DATA is set, and kept after a failing one.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { reportSkips, skipsInTap } from "./lib/skips.mjs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const VAULT = "myvault";
const TENANT = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8";
const CLOCK_START = "2026-01-01T00:00:00Z";
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

function fail(message) {
  console.error(`js_sdk: ${message}`);
  process.exit(2);
}

// --test-timeout came in node 20.11 (and 21.2).
function nodeHasTestTimeout() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major > 20 || (major === 20 && minor >= 11);
}

const argv = process.argv.slice(2);
let emulator;
let testsDir = join(here, "test");
const testArgs = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--emulator") emulator = argv[++i];
  else if (argv[i] === "--tests") testsDir = resolve(argv[++i]);
  else if (argv[i].startsWith("--test-timeout=") && !nodeHasTestTimeout()) {
    // node 18 has no per-test timeout; ctest's TIMEOUT still bounds the run.
    console.error(`js_sdk: node ${process.version} has no ${argv[i]}; relying on ctest's timeout`);
  } else testArgs.push(argv[i]);
}
if (!emulator) fail("usage: run.mjs --emulator PATH [node --test options]");
emulator = resolve(emulator);
if (!existsSync(emulator)) fail(`no emulator binary at ${emulator}`);
if (testsDir === join(here, "test") && !existsSync(join(here, "node_modules", "@azure", "keyvault-keys"))) {
  fail(`the npm packages are not installed: run ${join(here, "setup.sh")} first`);
}

const dataDir = mkdtempSync(join(tmpdir(), "kmslab-js-"));
const logFile = join(dataDir, "emulator.log");
const endpointsFile = join(dataDir, "endpoints.json");

function logTail(lines = 20) {
  try {
    return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const emu = spawn(
  emulator,
  ["--data-dir", dataDir, "--port", "0", "--listen-address", "127.0.0.1", "--vault", VAULT,
   "--tenant", TENANT, "--clock", "manual", "--clock-start", CLOCK_START, "--log-file", logFile,
   // The "static" credential's token is not one the emulator issued (lib/harness.mjs).
   ...(process.env.KMSLAB_JS_CREDENTIAL === "static" ? ["--auth", "lenient"] : [])],
  { stdio: ["ignore", "ignore", "pipe"] },
);
let emuStderr = "";
emu.stderr.on("data", (d) => { emuStderr += d; });
const emuExit = new Promise((res) => emu.on("exit", (code, signal) => res({ code, signal })));
let emuExited = null;
emuExit.then((r) => { emuExited = r; });

// Polls for endpoints.json with a deadline (the emulator writes it once it serves).
async function waitForEndpoints() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (emuExited) throw new Error(`emulator exited early (${JSON.stringify(emuExited)}): ${emuStderr}`);
    try {
      return JSON.parse(readFileSync(endpointsFile, "utf8"));
    } catch {
      // not written yet, or being written
    }
    if (Date.now() > deadline) throw new Error(`no ${endpointsFile} after ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopEmulator() {
  if (emuExited) return emuExited;
  emu.kill("SIGTERM");
  const timer = new Promise((r) => setTimeout(() => r(null), STOP_TIMEOUT_MS).unref());
  const result = await Promise.race([emuExit, timer]);
  if (result) return result;
  emu.kill("SIGKILL");
  await emuExit;
  return { code: null, signal: "SIGKILL (did not stop on SIGTERM)" };
}

// The environment of the test processes: the emulator's CA and proxy, and nothing inherited.
function testEnvironment(endpoints) {
  const env = { ...process.env };
  // Only the proxy settings given here: none inherited from the caller's shell.
  for (const k of ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"]) {
    delete env[k];
    delete env[k.toLowerCase()];
  }
  return Object.assign(env, {
    NODE_EXTRA_CA_CERTS: endpoints.ca,
    // Real Azure host names (*.vault.azure.net, login.microsoftonline.com) go through the
    // emulator's CONNECT proxy; the emulator's own addresses are reached directly.
    HTTPS_PROXY: endpoints.proxy,
    NO_PROXY: "localhost,.localhost,127.0.0.1",
    KMSLAB_HTTPS: endpoints.https,
    KMSLAB_PROXY: endpoints.proxy,
    KMSLAB_CA: endpoints.ca,
    KMSLAB_VAULT: VAULT,
    KMSLAB_TENANT: TENANT,
  });
}

// One `node --test` child for one file: the spec report on stdout, a TAP copy in `tap` (read for
// its skips). Resolves to the child's exit status.
function runTestFile(file, tap, env) {
  rmSync(tap, { force: true });
  const child = spawn(
    process.execPath,
    ["--test", "--test-reporter=spec", "--test-reporter-destination=stdout",
     "--test-reporter=tap", `--test-reporter-destination=${tap}`, ...testArgs, file],
    { env, stdio: "inherit", cwd: here },
  );
  const forward = (sig) => child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((res) => child.on("exit", (code, sig) => {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
    res(code ?? (sig ? 1 : 0));
  }));
}

let status = 1;
try {
  const endpoints = await waitForEndpoints();
  const files = readdirSync(testsDir)
    .filter((f) => f.endsWith(".test.mjs"))
    .sort()
    .map((f) => join(testsDir, f));
  if (files.length === 0) throw new Error(`no *.test.mjs files in ${testsDir}`);
  const env = testEnvironment(endpoints);
  const skips = [];
  status = 0;
  for (const file of files) {
    const tap = join(dataDir, "report.tap");
    const code = await runTestFile(file, tap, env);
    if (code !== 0) status = 1;
    const report = existsSync(tap) ? readFileSync(tap, "utf8") : "";
    const shown = file.startsWith(here + "/") ? relative(here, file) : file;
    skips.push(...skipsInTap(report).map((s) => ({ ...s, file: shown })));
  }
  status = reportSkips(skips) || status;
} catch (e) {
  console.error(`js_sdk: ${e.message}`);
  status = 1;
}

const stopped = await stopEmulator();
if (stopped.code !== 0) {
  console.error(`js_sdk: the emulator did not exit 0 on SIGTERM: ${JSON.stringify(stopped)}`);
  if (emuStderr) console.error(emuStderr);
  status = status || 1;
}
if (status === 0 && !process.env.KMSLAB_JS_KEEP_DATA) {
  rmSync(dataDir, { recursive: true, force: true });
} else if (status === 0) {
  console.error(`js_sdk: emulator data and log kept in ${dataDir} (KMSLAB_JS_KEEP_DATA)`);
} else {
  console.error(`js_sdk: emulator data and log kept in ${dataDir}; last log lines:\n${logTail()}`);
}
process.exit(status);
