#!/usr/bin/env bash
# Installs the Debian 12 packages kmslab needs to build and test, if any are missing.
# Idempotent and quiet when everything is present.
# Usage: tools/setup.sh [--with-bench] [--with-fuzz] [--print-missing]
#   --print-missing  print the packages that would be installed (one line) and install nothing
set -euo pipefail

packages=(
  # build
  cmake ninja-build ccache g++ pkg-config
  libboost-dev libboost-program-options-dev nlohmann-json3-dev libssl-dev libsqlite3-dev
  libgtest-dev libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libyaml-cpp-dev libsodium-dev
  # tests and the commands the README shows
  curl openssl python3 python3-pytest sqlite3
  # real-client ARM conformance: az CLI 2.45 and the Python mgmt SDKs (python3-azure)
  azure-cli python3-azure
  # the Kubernetes half: real etcd 3.4, an independent KMS plugin client (stubs generated at test time)
  etcd-server etcd-client python3-grpcio python3-protobuf
  # the scenario report's rendering test (headless, tests/integration/report)
  chromium
)
# Node.js for the JS SDK tests (tests/js, pinned to run on Debian's node 18 and newer). Debian's
# nodejs and npm only where there is no node at all, or where the node is Debian's own: Debian's
# npm conflicts with a node from elsewhere (nodesource, nvm, /usr/local), which is left alone with
# whatever npm came with it.
node_source() {
  local node version
  version=$(dpkg-query -W -f='${Status} ${Version}' nodejs 2>/dev/null || true)
  [[ "$version" == "install ok installed "*nodesource* ]] && { echo elsewhere; return; }
  node=$(command -v node) || { echo none; return; }
  if [[ "$(dpkg-query -S "$(readlink -f "$node")" 2>/dev/null)" == nodejs:* ]]; then
    echo debian
  else
    echo elsewhere
  fi
}
case "$(node_source)" in
  none) packages+=(nodejs npm) ;;
  debian) packages+=(npm) ;;
  elsewhere) ;;
esac

print_only=0
for opt in "$@"; do
  case "$opt" in
    --with-bench) packages+=(wrk nginx-light) ;;
    --with-fuzz) packages+=(clang libfuzzer-14-dev libclang-rt-14-dev) ;;
    --print-missing) print_only=1 ;;
    *) echo "setup.sh: unknown option $opt" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ $print_only -eq 1 ]]; then
  echo "${missing[*]}"
  exit 0
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "kmslab: installing missing Debian packages: ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "kmslab: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
