#!/usr/bin/env bash
# Makes the tray icons: the app icon with a dot in the colour of the worst
# open severity (none for a clean machine). Needs ImageMagick; re-run after
# changing icons/32x32.png.
set -euo pipefail
cd "$(dirname "$0")"
cp 32x32.png tray-ok.png
for pair in critical:#dc2626 high:#ea580c medium:#d97706 low:#64748b; do
  name=${pair%%:*} colour=${pair#*:}
  convert 32x32.png -fill "$colour" -stroke white -strokewidth 1.5 -draw 'circle 24,24 24,31' "tray-$name.png"
done
