// The keys suite against https://myvault.vault.azure.net through the emulator's CONNECT proxy.
import { keySuite } from "../lib/keys_suite.mjs";

keySuite("proxy");
