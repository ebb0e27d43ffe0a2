"""A hook that writes 200 kB to stdout and stderr before it reads its input, then a last line."""

import sys

for _ in range(2000):
    print("x" * 100)
    print("y" * 100, file=sys.stderr)
sys.stdout.flush()
sys.stderr.flush()
login = sys.stdin.read()
print(f"read {len(login) > 0} input")
