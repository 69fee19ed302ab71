#!/usr/bin/env bash
# Installs what Dockward needs on a Debian or Ubuntu machine, skipping what is
# already there. `setup.sh` is for building and running the app; `setup.sh
# --test` adds what the tests need (a virtual display, WebKitWebDriver,
# tauri-driver, busybox for fixture images, GNU time for the benchmark, curl
# and wget for the CA build test).
# The Docker engine for tests is handled by scripts/test-engine.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

say() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

build_pkgs=(build-essential pkg-config file curl libwebkit2gtk-4.1-dev libgtk-3-dev
  libayatana-appindicator3-dev librsvg2-dev libssl-dev libxdo-dev libsqlite3-dev libzstd-dev
  libclang1-14 libclang-common-14-dev)
test_pkgs=(xvfb xauth webkit2gtk-driver imagemagick x11-utils xdotool busybox-static time python3 openssl curl wget git docker-registry dbus dunst)

case "$(uname -s)" in
  Linux) ;;
  Darwin) die "on macOS install Xcode command line tools (xcode-select --install), Rust (rustup) and Node 20+, then run: npm ci && npm run build && cargo run -p dockward-app" ;;
  *) die "on Windows install the Visual Studio C++ build tools, WebView2 (preinstalled on Windows 11), Rust and Node 20+, then run: npm ci; npm run build; cargo run -p dockward-app" ;;
esac

missing=()
pkgs=("${build_pkgs[@]}")
$want_test && pkgs+=("${test_pkgs[@]}")
if command -v dpkg-query >/dev/null; then
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  die "this script knows apt-based systems (Debian, Ubuntu). Install the equivalents of: ${pkgs[*]}"
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || die "Rust is missing: install it with rustup (https://rustup.rs), then run this again"
command -v node >/dev/null || die "Node.js 20.19 or newer is missing (Debian's nodejs package is too old: use NodeSource or nvm)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: Vite 8 needs 20.19 or newer"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if $want_test && [ ! -x .tools/bin/tauri-driver ]; then
  say "installing tauri-driver into .tools/"
  cargo install tauri-driver --version '^2' --locked --root .tools --quiet
fi
say "set-up complete"
