#!/usr/bin/env bash
# Run a command with a real, unlocked Secret Service (gnome-keyring) on the current D-Bus
# session bus; call it under `dbus-run-session -- ...`. See
# docs/reference/keyring-backends.md §1. The keyring lives in a throwaway
# XDG_DATA_HOME so the user's own keyring is never touched.
set -euo pipefail
data_home=$(mktemp -d -t smtpcreds-keyring.XXXXXX)
export XDG_DATA_HOME="$data_home"
printf 'smtpcreds-test-unlock' | gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$data_home/daemon.log" 2>&1 &
daemon=$!
cleanup() { kill "$daemon" 2>/dev/null || true; rm -rf "$data_home"; }
trap cleanup EXIT
# Wait (bounded) until a probe write and read succeed through the SecretService backend.
python3 - <<'PY'
import sys, time
import keyring
from keyring.backends import SecretService
kr = SecretService.Keyring()
deadline = time.monotonic() + 20
while True:
    try:
        kr.set_password("smtpcreds-probe", "probe", "ok")
        assert kr.get_password("smtpcreds-probe", "probe") == "ok"
        kr.delete_password("smtpcreds-probe", "probe")
        break
    except Exception as e:
        if time.monotonic() > deadline:
            sys.exit(f"Secret Service did not come up: {e}")
        time.sleep(0.2)
PY
export SMTPCREDS_SECRET_SERVICE=1
"$@"
