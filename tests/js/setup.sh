#!/usr/bin/env bash
# Installs the npm packages the JavaScript SDK tests use (tests/js/node_modules) exactly as
# package-lock.json pins them. Idempotent and silent when they are already installed; runs
# `npm ci` again only when node_modules is missing or older than package.json/package-lock.json.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stamp="$here/node_modules/.kmslab-npm-ci"

die() { echo "tests/js/setup.sh: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 ||
  die "node is not installed: the JavaScript SDK tests need Node.js 18 or later (and npm; tools/setup.sh installs Debian's nodejs and npm)"
command -v npm >/dev/null 2>&1 ||
  die "npm is not installed: the JavaScript SDK tests need it to install their packages"
major=$(node -p 'process.versions.node.split(".")[0]')
[[ "$major" -ge 18 ]] || die "node $(node --version) is too old: the JavaScript SDK tests need Node.js 18 or later"

if [[ -f "$stamp" && ! "$here/package-lock.json" -nt "$stamp" && ! "$here/package.json" -nt "$stamp" ]]; then
  exit 0
fi

echo "tests/js/setup.sh: installing the npm packages of the JavaScript SDK tests (npm ci)"
(cd "$here" && npm ci --no-audit --no-fund) ||
  die "npm ci failed in $here (is the npm registry reachable?)"
# npm ci starts from an empty node_modules, so the stamp exists only after a complete install.
touch "$stamp"
