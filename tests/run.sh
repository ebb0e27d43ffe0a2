#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, starts a real Secret Service
# (gnome-keyring on a private D-Bus session), runs pytest, then lint, the import layers, types and
# the docs build.
# Extra arguments go to pytest (e.g. tests/run.sh -k rotation).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v gnome-keyring-daemon >/dev/null || ! command -v dbus-run-session >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq gnome-keyring dbus >/dev/null
  else
    echo "tests/run.sh: needs gnome-keyring and dbus (apt-get install gnome-keyring dbus)" >&2
    exit 2
  fi
fi
# Debian's Postfix for the real-relay tests (tests/postfix): "No configuration" leaves the system's
# /etc/postfix unconfigured and nothing running; the tests start private instances of their own.
if ! dpkg -s postfix libsasl2-modules >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq && apt-get install -y -qq postfix libsasl2-modules >/dev/null
  else
    echo "tests/run.sh: the Postfix tests need postfix and libsasl2-modules (run as root to install them)" >&2
  fi
fi
# promtool (Debian's prometheus package) checks the metrics and unit-tests the alert rules
# (tests/monitoring); only its promtool is used.
if ! command -v promtool >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "tests/run.sh: the monitoring tests need promtool (run as root to install Debian's prometheus)" >&2
  fi
fi
# Pinned tools and dependencies (requirements/dev.txt; refresh: bash requirements/compile.sh).
python3 -m pip install -q --disable-pip-version-check -c requirements/dev.txt -e '.[dev,docs]'
dbus-run-session -- tests/scripts/with-secret-service.sh python3 -m pytest -q -p no:randomly "$@"
if [ "$#" -eq 0 ]; then
  python3 -m ruff check smtpcreds plugins tests bench
  lint-imports --no-cache  # the core's layers (pyproject.toml [tool.importlinter], docs/architecture.md)
  python3 -m mypy
  python3 -m mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
fi
