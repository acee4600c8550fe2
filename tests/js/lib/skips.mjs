// The skip policy of the JS suite, the same rule as tests/integration/ci_skips.py for pytest:
// every skip is listed with its reason, and under CI=true (or 1) a skip fails the run, because
// tools/setup.sh installs everything these tests need (node, npm, the pinned packages).
// run.mjs reads the skips from the TAP copy of each file's report (node --test's "# SKIP" lines,
// the same in node 18 and newer).

export function ciIsOn(env = process.env) {
  return ["true", "1"].includes(String(env.CI ?? "").toLowerCase());
}

// [{ name, reason }] for every "ok N - name # SKIP reason" line of a TAP report.
export function skipsInTap(tap) {
  const skips = [];
  for (const line of tap.split("\n")) {
    const m = /^\s*ok \d+ - (.*?) # SKIP(?:\s+(.*))?$/.exec(line);
    if (m) skips.push({ name: m[1], reason: m[2] || "(no reason given)" });
  }
  return skips;
}

// Prints the skips (always) and returns the exit status they add: 1 under CI, else 0.
export function reportSkips(skips, env = process.env) {
  if (skips.length === 0) return 0;
  const ci = ciIsOn(env);
  console.error(`js_sdk: ${skips.length} skipped test(s)${ci ? " (a failure under CI=true)" : ""}:`);
  for (const s of skips) console.error(`  SKIPPED ${s.file}: ${s.name}: ${s.reason}`);
  return ci ? 1 : 0;
}
