# Shared by scripts/run.sh and scripts/test.sh: install what is missing, then build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian 12 packages the build, the tests and the peers (nginx) need; keepalived, nftables and
# iproute2 for the real stack in network namespaces; clang-15 and its libFuzzer for the fuzz
# targets (scripts/fuzz.sh, the fuzz.smoke test); dpkg-dev for dpkg-shlibdeps, which gives the
# .deb its dependencies (cpack, the install.deb test).
PACKAGES=(g++ cmake ninja-build pkg-config libboost-dev libsimgrid-dev libcli11-dev
          nlohmann-json3-dev libgtest-dev procps ccache python3-jsonschema nginx-light chromium
          keepalived nftables iproute2 clang-15 libfuzzer-15-dev dpkg-dev libssl-dev)

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}

# build DIR [cmake args...]
build() {
  local dir="$1"; shift
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@"
  cmake --build "$dir" -j "$(nproc)"
}
