#!/bin/sh
# Runs a command against a real, unlocked Secret Service (gnome-keyring) on a headless machine.
# usage: HOME=<scratch> XDG_RUNTIME_DIR=<scratch> dbus-run-session -- sh test/helpers/with-keyring.sh <command...>
# needs: apt-get install -y --no-install-recommends gnome-keyring libsecret-tools dbus
# Use a scratch HOME (the login keyring goes to $HOME/.local/share/keyrings) and a scratch XDG_RUNTIME_DIR
# (gnome-keyring looks for a running daemon through $XDG_RUNTIME_DIR/keyring/control).
# Prints one line to stderr: `with-keyring: dbus-daemon=<pid> gnome-keyring-daemon=<pid>`, so a caller can
# check both are gone once dbus-run-session has returned. Exits with the command's status.
set -eu

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "with-keyring: no session bus; run me under dbus-run-session" >&2
  exit 125
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
chmod 700 "$XDG_RUNTIME_DIR"

bus_pid() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID "string:$1" 2>/dev/null | sed -n 's/^ *uint32 //p'
}

keyring_pid=''
cleanup() {
  # gnome-keyring-daemon leaves by itself when the bus closes, but only some time after dbus-run-session
  # has returned; stop it here so nothing outlives the session.
  if [ -n "$keyring_pid" ]; then kill "$keyring_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --unlock reads the password from stdin, creates (first time) and unlocks the "login" keyring, and daemonizes.
printf '%s' "${KEYRING_PASSWORD:-test-password}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null

# The daemon claims org.freedesktop.secrets on the bus a moment after --unlock returns. A client that came
# earlier would D-Bus-activate a second daemon; wait for the name instead (up to 5 s).
tries=0
while [ -z "$keyring_pid" ]; do
  keyring_pid=$(bus_pid org.freedesktop.secrets)
  [ -n "$keyring_pid" ] && break
  tries=$((tries + 1))
  if [ "$tries" -ge 50 ]; then
    echo "with-keyring: gnome-keyring-daemon did not claim org.freedesktop.secrets within 5 s" >&2
    exit 125
  fi
  sleep 0.1
done
echo "with-keyring: dbus-daemon=$(bus_pid org.freedesktop.DBus) gnome-keyring-daemon=$keyring_pid" >&2

status=0
"$@" || status=$?
exit "$status"
