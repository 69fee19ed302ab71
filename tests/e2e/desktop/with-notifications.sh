#!/usr/bin/env bash
# Runs a command on a private D-Bus session with a real notification server
# (dunst) on it, as a desktop has: the app's notifications go over D-Bus to
# dunst, which appends each one (app name, summary, body, tab-separated) to
# $DOCKWARD_NOTIFY_LOG; `dunstctl action 0` clicks the newest one.
#
#   tests/e2e/desktop/with-notifications.sh COMMAND…   (needs DISPLAY)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] || [ -z "${DOCKWARD_IN_SESSION:-}" ]; then
  export DOCKWARD_IN_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
: "${DISPLAY:?with-notifications.sh needs DISPLAY (an X server such as Xvfb)}"
export DOCKWARD_NOTIFY_LOG=${DOCKWARD_NOTIFY_LOG:-$(mktemp -d)/notifications.tsv}
: >"$DOCKWARD_NOTIFY_LOG"
# dunst runs a rule's script by its path: make it absolute.
sed "s|script = record-notification.sh|script = $here/record-notification.sh|" "$here/dunstrc" >"${DOCKWARD_NOTIFY_LOG%.tsv}.dunstrc"
dunst -config "${DOCKWARD_NOTIFY_LOG%.tsv}.dunstrc" >"${DOCKWARD_NOTIFY_LOG%.tsv}.dunst.log" 2>&1 &
dunst_pid=$!
trap 'kill $dunst_pid 2>/dev/null || true' EXIT
# Ready when it owns the notification name on the bus.
# (dunstctl would start a second dunst through D-Bus activation; asking
# the bus whether the name has an owner does not.)
for _ in $(seq 1 40); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q true && break
  sleep 0.25
done
"$@"
