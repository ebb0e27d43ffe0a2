"""A hook that rejects its input and echoes it on stderr: as received, or as a Python dict (argv[1])."""

import json
import sys

received = sys.stdin.read()
shown = repr(json.loads(received)) if sys.argv[1:] == ["repr"] else received.strip()
print(f"invalid login: {shown}", file=sys.stderr)
sys.exit(2)
