"""A hook that never finishes and never stops writing to stderr."""

import sys

while True:
    print("still reloading", file=sys.stderr, flush=True)
