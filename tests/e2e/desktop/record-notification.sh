#!/bin/sh
# dunst runs this for every notification: appname summary body icon urgency.
printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"${DOCKWARD_NOTIFY_LOG:?}"
