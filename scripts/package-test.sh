#!/usr/bin/env bash
# Installs the release .deb (scripts/package.sh) as a user would, checks its
# desktop entry and icon, starts the installed app under Xvfb on a D-Bus
# session and sees its window, then removes the package. Root only (dpkg).
#
#   scripts/package-test.sh [path/to.deb]
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(ls -t target/release/bundle/deb/*.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || { echo "no .deb: run make package first" >&2; exit 2; }
fail() { echo "package-test: $*" >&2; exit 1; }
pkg=$(dpkg-deb -f "$deb" Package)
case "$deb" in /*) ;; *) deb="$PWD/$deb" ;; esac
apt-get install -y -qq --no-install-recommends "$deb" >/dev/null 2>&1 || { dpkg -i "$deb" >/dev/null; }
cleanup() { [ -n "${xp:-}" ] && kill "$xp" 2>/dev/null; dpkg -r "$pkg" >/dev/null 2>&1 || true; }
trap cleanup EXIT
bin=$(dpkg -L "$pkg" | grep -E '^/usr/bin/' | head -1)
desktop=$(dpkg -L "$pkg" | grep -E '\.desktop$' | head -1)
[ -x "$bin" ] || fail "no executable in /usr/bin"
[ -f "$desktop" ] || fail "no desktop entry"
grep -q '^Name=Dockward$' "$desktop" || fail "desktop entry has no Name=Dockward: $(cat "$desktop")"
grep -q "^Exec=$(basename "$bin")" "$desktop" || fail "desktop entry does not start $(basename "$bin")"
icon=$(sed -n 's/^Icon=//p' "$desktop")
find /usr/share/icons -name "$icon.png" | grep -q . || fail "icon $icon not installed"
echo "installed: $bin, $desktop, icon $icon, $(dpkg-deb -f "$deb" Installed-Size) KiB"
display=:$((300 + RANDOM % 100))
Xvfb "$display" -screen 0 1280x860x24 -nolisten tcp >/dev/null 2>&1 &
xp=$!
export DISPLAY=$display
sleep 1
# The installed app, on its own session bus and a throwaway database.
DOCKWARD_DB="$(mktemp -d)/package.db" timeout 60 dbus-run-session -- sh -c "
  '$bin' >/tmp/dockward-package-app.log 2>&1 &
  app=\$!
  win=\$(timeout 30 xdotool search --sync --name '^Dockward\$' | head -1)
  [ -n \"\$win\" ] || { kill \$app; exit 1; }
  sleep 2
  import -window root /tmp/dockward-package.png
  kill \$app
" || fail "the installed app showed no window (log: /tmp/dockward-package-app.log)"
echo "package-test: the installed app opened its window (screenshot /tmp/dockward-package.png)"
