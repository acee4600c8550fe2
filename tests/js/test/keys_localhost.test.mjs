// The keys suite against https://myvault.vault.localhost:PORT (resolved to loopback in-process).
import { keySuite } from "../lib/keys_suite.mjs";

keySuite("localhost");
