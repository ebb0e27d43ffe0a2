#!/usr/bin/env bash
# Regenerate requirements/dev.txt, the pinned versions of everything `pip install '.[ALL EXTRAS]'`
# pulls in (runtime dependencies, test/dev/docs tools, every optional extra), from pyproject.toml.
# One universal resolution (environment markers where versions differ) installable on Python
# 3.10-3.13; checked against each of those versions afterwards.
#
#   bash requirements/compile.sh              # add what is new in pyproject.toml, keep other pins
#   bash requirements/compile.sh --upgrade    # move every pin to the newest allowed release
#   bash requirements/compile.sh -P click     # move one package (uv's --upgrade-package)
#
# Uses `uv` from PATH (or `python3 -m uv`); without it, installs uv into a throwaway venv.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=requirements/dev.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if command -v uv >/dev/null; then
  uv=(uv)
elif python3 -m uv --version >/dev/null 2>&1; then
  uv=(python3 -m uv)
else
  python3 -m venv "$tmp/uv" && "$tmp/uv/bin/pip" install -q --disable-pip-version-check 'uv>=0.5'
  uv=("$tmp/uv/bin/uv")
fi
"${uv[@]}" pip compile pyproject.toml --all-extras --universal --python-version 3.10 --quiet \
  --custom-compile-command "bash requirements/compile.sh" --output-file "$lock" "$@"
# The lock must resolve, unchanged, for every supported Python (markers included).
for v in 3.10 3.11 3.12 3.13; do
  "${uv[@]}" pip compile pyproject.toml --all-extras --python-version "$v" --quiet --no-header \
    --constraints "$lock" --output-file "$tmp/check-$v.txt" \
    || { echo "requirements/compile.sh: $lock does not resolve on Python $v" >&2; exit 1; }
done
echo "requirements/compile.sh: wrote $lock ($(grep -c '^[a-zA-Z]' "$lock") pins), resolves on Python 3.10-3.13"
